/**
 * `npm run dlq:replay` sends dead letters back to their topic after a fix,
 * only those of the reasons asked for; a dry run sends nothing. Each letter
 * once: a second run sends nothing and the DLQ stays as it is, `--again`
 * sends the originals once more, a run stopped half way goes on from there.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { COLLECTIONS } from '../../lib/mongo';
import { toKafkaMessage } from '../../lib/schemas';
import type { Admin, Kafka } from 'kafkajs';
import { DEAD_LETTER_REASONS, REPLAYED_FROM_HEADER, replayGroupId } from '../../lib/kafka/dead-letter-headers';
import type { Config } from '../../lib/config';
import { replayDeadLetters } from '../../consumer/replay';
import {
  asMessages,
  consumerEnv,
  endOffsetTotal,
  freePort,
  header,
  produce,
  somedataEvent,
  waitForCommitted,
  waitForCount,
} from '../../harness/consumer';
import { eventually, readTopic, testLogger } from '../../harness/env';
import { runTool } from '../../harness/processes';
import { useSink } from '../../harness/sink';

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

    // A dry run counts and sends nothing; it reports what the real run below does.
    const tooLargeReplayed = {
      read: 2,
      replayed: { [topics.somedata]: 1 },
      skipped: { reason: 1 },
      again: false,
      complete: true,
    };
    const dry = await replayDeadLetters(strict, testLogger(), { reasons: ['too-large'], dryRun: true });
    expect(dry).toEqual({ ...tooLargeReplayed, dryRun: true });
    expect(await endOffsetTotal(admin, topics.somedata)).toBe(3);

    // The fix is deployed; the replay, through the npm script, sends back only the too-large record.
    await sut.start(fixed);
    const { stdout } = await run('npm', ['run', '--silent', 'dlq:replay', '--', '--reason', 'too-large'], {
      cwd: REPO,
      env: { ...process.env, ...consumerEnv(strict, await freePort()) },
      timeout: 90_000,
    });
    expect(JSON.parse(stdout)).toEqual({ ...tooLargeReplayed, dryRun: false });
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

/** How many times each DLQ position was replayed into `topic` (its records' `replayed-from` headers). */
async function replayedFrom(kafka: Kafka, admin: Admin, topic: string): Promise<Map<string, number>> {
  const records = await readTopic(kafka, topic, { count: await endOffsetTotal(admin, topic) });
  const counts = new Map<string, number>();
  for (const record of records) {
    const from = header(record, REPLAYED_FROM_HEADER);
    if (from) counts.set(from, (counts.get(from) ?? 0) + 1);
  }
  return counts;
}

/** The replay's committed positions for every reason, as text (to compare before and after). */
async function positions(admin: Admin, config: Config): Promise<string> {
  const all = await Promise.all(
    DEAD_LETTER_REASONS.map(async (reason) => {
      const [offsets] = await admin.fetchOffsets({
        groupId: replayGroupId(config, reason),
        topics: [config.kafka.topics.dlq],
      });
      return `${reason}: ${(offsets?.partitions ?? []).map((p) => `${p.partition}=${p.offset}`).join(',')}`;
    }),
  );
  return all.join('; ');
}

describe('each dead letter is replayed once', () => {
  // The fix is never deployed here: every replayed letter comes back to the DLQ.
  const still = useSink({ CONSUMER_MAX_RECORD_BYTES: '1024' });
  const TOO_LARGE = 6;
  const BAD_JSON = 2;
  const LETTERS = TOO_LARGE + BAD_JSON;

  /** Wait until the sink has taken everything sent to somedata and the DLQ holds `letters`. */
  async function settled(letters: number): Promise<void> {
    const { config, admin } = still;
    await waitForCommitted(admin, config.consumer.groupId, config.kafka.topics.somedata);
    await eventually(
      async () => (await endOffsetTotal(admin, config.kafka.topics.dlq)) === letters,
      `${letters} dead letters`,
    );
  }

  it('a second replay sends nothing and the DLQ does not grow', async () => {
    const { config, kafka, admin } = still;
    const { topics } = config.kafka;
    const small = somedataEvent('small', 1);
    await produce(kafka, topics.somedata, [
      ...asMessages([
        small,
        ...Array.from({ length: TOO_LARGE }, (_, i) => somedataEvent(`big${i}`.padEnd(64, 'x'), 100)),
      ]),
      ...Array.from({ length: BAD_JSON }, (_, i) => ({
        key: `bad${i}`,
        value: 'not json',
        headers: toKafkaMessage(small).headers,
      })),
    ]);
    await still.start();
    await settled(LETTERS);

    const first = await replayDeadLetters(config, testLogger());
    expect(first.replayed).toEqual({ [topics.somedata]: LETTERS });
    await settled(2 * LETTERS); // every one came back: the fix is not there

    const second = await replayDeadLetters(config, testLogger());
    expect(second.replayed).toEqual({});
    expect(second.skipped).toEqual({ returned: LETTERS });
    await settled(2 * LETTERS);
    expect(await endOffsetTotal(admin, topics.somedata)).toBe(1 + LETTERS + LETTERS);
    const counts = await replayedFrom(kafka, admin, topics.somedata);
    expect([...counts.values()]).toEqual(Array(LETTERS).fill(1));
  });

  it('--dry-run sends nothing and moves no position', async () => {
    const { config, admin } = still;
    const { topics } = config.kafka;
    const before = {
      somedata: await endOffsetTotal(admin, topics.somedata),
      positions: await positions(admin, config),
    };

    const dry = await replayDeadLetters(config, testLogger(), { dryRun: true });
    expect(dry).toMatchObject({ read: 0, replayed: {}, dryRun: true }); // the second replay read them all
    const dryAgain = await replayDeadLetters(config, testLogger(), { dryRun: true, again: true });
    expect(dryAgain).toMatchObject({ replayed: { [topics.somedata]: LETTERS }, dryRun: true, again: true });

    expect(await endOffsetTotal(admin, topics.somedata)).toBe(before.somedata);
    expect(await endOffsetTotal(admin, topics.dlq)).toBe(2 * LETTERS);
    expect(await positions(admin, config)).toBe(before.positions);
  });

  it('--again sends every original once more, and none of their returned copies', async () => {
    const { config, kafka, admin } = still;
    const { topics } = config.kafka;
    const { stdout } = await run('npm', ['run', '--silent', 'dlq:replay', '--', '--again'], {
      cwd: REPO,
      env: { ...process.env, ...consumerEnv(config, await freePort()) },
      timeout: 90_000,
    });
    expect(JSON.parse(stdout)).toMatchObject({
      replayed: { [topics.somedata]: LETTERS },
      skipped: { returned: LETTERS },
      again: true,
      complete: true,
    });
    await settled(3 * LETTERS);
    const counts = await replayedFrom(kafka, admin, topics.somedata);
    expect(counts.size).toBe(LETTERS); // the originals only
    expect([...counts.values()]).toEqual(Array(LETTERS).fill(2));
  });

  it('a replay stopped half way goes on where it stopped, sending no letter twice', async () => {
    const { config, kafka, admin } = still;
    const { topics } = config.kafka;
    const before = await replayedFrom(kafka, admin, topics.somedata);
    await produce(
      kafka,
      topics.somedata,
      asMessages(Array.from({ length: 6 }, (_, i) => somedataEvent(`later${i}`.padEnd(64, 'x'), 100))),
    );
    await settled(3 * LETTERS + 6);

    const half = await replayDeadLetters(config, testLogger(), { limit: 3 });
    expect(half).toMatchObject({ replayed: { [topics.somedata]: 3 }, complete: false });
    const rest = await replayDeadLetters(config, testLogger());
    expect(rest).toMatchObject({ replayed: { [topics.somedata]: 3 }, complete: true });

    await settled(3 * LETTERS + 12);
    const after = await replayedFrom(kafka, admin, topics.somedata);
    const fresh = [...after].filter(([from]) => !before.has(from));
    expect(fresh.map(([, count]) => count)).toEqual([1, 1, 1, 1, 1, 1]);
    for (const [from, count] of before) expect(after.get(from)).toBe(count);
  });
});
