/**
 * The consumer process killed with SIGKILL in the middle of a stream, then
 * started again: nothing is lost and nothing is stored twice.
 */
import { COLLECTIONS } from '../../lib/mongo';
import {
  asMessages,
  consumerEnv,
  freePort,
  produce,
  somedataEvent,
  waitForCommitted,
  waitForCount,
} from '../../harness/consumer';
import { eventually } from '../../harness/env';
import { killServices, startService } from '../../harness/processes';
import { useSink } from '../../harness/sink';

jest.setTimeout(180_000);

// A short session: the group forgets the killed instance after 10 s instead of the default 30 s.
const SESSION_TIMEOUT_MS = 10_000;
const sut = useSink({ CONSUMER_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS) });
let port: number;

beforeAll(async () => {
  port = await freePort();
});
afterAll(killServices);

const startProcess = () => startService('consumer/main.ts', consumerEnv(sut.config, port));

async function readyz(): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`);
  return response.status;
}

describe('a consumer killed with SIGKILL mid-stream', () => {
  it('loses nothing and doubles nothing once started again', async () => {
    const batches = 20;
    const perBatch = 250;
    const events = Array.from({ length: batches * perBatch }, (_, i) => somedataEvent(`k-${i % 11}`, 1));

    const first = startProcess();
    await eventually(async () => (await readyz()) === 200, 'the consumer to be ready', 60_000);

    // A stream: sends keep coming while the consumer is killed and while it is away.
    const stream = (async () => {
      for (let i = 0; i < batches; i++) {
        await produce(
          sut.kafka,
          sut.config.kafka.topics.somedata,
          asMessages(events.slice(i * perBatch, (i + 1) * perBatch)),
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    await waitForCount(sut.db, COLLECTIONS.somedata, 1_000);
    await first.stop('SIGKILL');
    const killedAt = Date.now();
    const storedWhenKilled = await sut.db.collection(COLLECTIONS.somedata).countDocuments();
    expect(storedWhenKilled).toBeLessThan(events.length); // killed mid-stream, not after it

    const second = startProcess();
    // The new instance writes as soon as the group forgets the dead one: after the
    // configured session, well before the default 30 s would have let it.
    await waitForCount(sut.db, COLLECTIONS.somedata, storedWhenKilled + 1, 60_000);
    const writingAfterMs = Date.now() - killedAt;
    console.log(`consumer killed: the new instance wrote again after ${writingAfterMs} ms`);
    expect(writingAfterMs).toBeLessThan(SESSION_TIMEOUT_MS + 15_000);
    await stream;
    await waitForCount(sut.db, COLLECTIONS.somedata, events.length, 120_000);
    await waitForCommitted(sut.admin, sut.config.consumer.groupId, sut.config.kafka.topics.somedata, 60_000);

    expect(await sut.db.collection(COLLECTIONS.somedata).countDocuments()).toBe(events.length);
    const ids = await sut.db.collection(COLLECTIONS.somedata).distinct('_id');
    expect(new Set(ids)).toEqual(new Set(events.map((event) => event.eventId)));
    expect(await readyz()).toBe(200);

    // And SIGTERM is a clean stop: the batch finished, offsets committed, the group left, exit code 0.
    expect(await second.stop('SIGTERM')).toBe(0);
  });
});
