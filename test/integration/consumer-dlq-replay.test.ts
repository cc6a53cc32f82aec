/**
 * `npm run dlq:replay` sends dead letters back to their topic after a fix,
 * only those of the reasons asked for; a dry run sends nothing.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { COLLECTIONS } from '../../lib/mongo';
import { toKafkaMessage } from '../../lib/schemas';
import { replayDeadLetters } from '../../consumer/replay';
import {
  asMessages,
  consumerEnv,
  endOffsetTotal,
  freePort,
  produce,
  somedataEvent,
  waitForCommitted,
  waitForCount,
} from '../support/consumer';
import { readTopic, testLogger } from '../support/env';
import { runTool } from '../support/processes';
import { useSink } from '../support/sink';

jest.setTimeout(120_000);

const run = promisify(execFile);
const REPO = join(__dirname, '..', '..');
// Too strict at first: a record of a few KB is "too large".
const sut = useSink({ CONSUMER_MAX_RECORD_BYTES: '1024' });

describe('replaying dead letters', () => {
  it('a dead letter replayed after the fix lands in the store; other reasons stay in the DLQ', async () => {
    const { config: strict, kafka, admin, db } = sut;
    const { topics } = strict.kafka;
    // The fix: the default limit, same topics, database and group.
    const fixed = { ...strict, consumer: { ...strict.consumer, maxRecordBytes: 512 * 1024 } };
    const big = somedataEvent('x'.repeat(64), 100); // ~7 KB
    const small = somedataEvent('small', 1);
    await produce(kafka, topics.somedata, [
      ...asMessages([small, big]),
      { key: 'bad', value: 'not json', headers: toKafkaMessage(small).headers },
    ]);

    const strictSink = await sut.start();
    await waitForCommitted(admin, strict.consumer.groupId, topics.somedata);
    await strictSink.stop();
    expect(await db.collection(COLLECTIONS.somedata).countDocuments()).toBe(1);
    expect(await readTopic(kafka, topics.dlq, { count: 2 })).toHaveLength(2);

    // A dry run counts and sends nothing.
    const dry = await replayDeadLetters(strict, testLogger(), { reasons: ['too-large'], dryRun: true });
    expect(dry).toEqual({ read: 2, replayed: { [topics.somedata]: 1 }, skipped: { reason: 1 }, dryRun: true });
    expect(await endOffsetTotal(admin, topics.somedata)).toBe(3);

    // The fix is deployed; the replay, through the npm script, sends back only the too-large record.
    await sut.start(fixed);
    const { stdout } = await run('npm', ['run', '--silent', 'dlq:replay', '--', '--reason', 'too-large'], {
      cwd: REPO,
      env: { ...process.env, ...consumerEnv(strict, await freePort()) },
      timeout: 90_000,
    });
    expect(JSON.parse(stdout)).toEqual({
      read: 2,
      replayed: { [topics.somedata]: 1 },
      skipped: { reason: 1 },
      dryRun: false,
    });
    expect(await endOffsetTotal(admin, topics.somedata)).toBe(4);

    await waitForCount(db, COLLECTIONS.somedata, 2);
    await waitForCommitted(admin, strict.consumer.groupId, topics.somedata);
    const stored = await db.collection(COLLECTIONS.somedata).findOne({ _id: big.eventId as never });
    expect(stored?.payload).toEqual(big.payload);
    expect(await db.collection(COLLECTIONS.somedata).countDocuments()).toBe(2);
  });

  it('refuses an unknown reason with the list of known ones', async () => {
    const failure = await runTool('consumer/dlq-replay.ts', ['--reason', 'oops']);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toMatch(/unknown reason\(s\): oops[\s\S]*decode, schema, too-large/);
  });
});
