/**
 * The store goes away for 20 s during a stream: the consumer commits nothing
 * it has not written, stays alive (not ready), and once the store is back
 * everything lands, once.
 *
 * The store is a private FerretDB (harness/ferretdb.ts says why not a
 * proxy in front of the shared one).
 */
import { COLLECTIONS } from '../../lib/mongo';
import {
  asMessages,
  committedOffsets,
  produce,
  somedataEvent,
  storedAfterTheirCommit,
  waitForCommitted,
  waitForCount,
} from '../../harness/consumer';
import { eventually } from '../../harness/env';
import { useSinkOnPrivateStore } from '../../harness/ferretdb';
import { crashesOf } from '../../harness/sink';

jest.setTimeout(240_000);

const OUTAGE_MS = 20_000;
const { sut, store } = useSinkOnPrivateStore();

describe('the store stopped for 20 s during a stream', () => {
  it('commits nothing it has not written, stays alive, and stores everything once the store is back', async () => {
    const { config, kafka, admin, db } = sut;
    const { somedata: topic } = config.kafka.topics;
    const sink = await sut.start(config, { retryMaxDelayMs: 2_000 });
    const crashes = crashesOf(sink);

    const before = Array.from({ length: 1_000 }, (_, i) => somedataEvent(`o-${i % 9}`, 1));
    await produce(kafka, topic, asMessages(before));
    await waitForCount(db, COLLECTIONS.somedata, before.length);

    // The stream goes on during the outage.
    const during: ReturnType<typeof somedataEvent>[] = [];
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        const chunk = Array.from({ length: 50 }, (_, i) => somedataEvent(`d-${i % 9}`, 1));
        await produce(kafka, topic, asMessages(chunk));
        during.push(...chunk);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();

    const stoppedAt = new Date();
    await store().kill();
    // Batches in flight when the store died may still commit what they wrote; give them a moment.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const committedEarly = await committedOffsets(admin, config.consumer.groupId, topic);
    const highest = new Map(committedEarly);
    let readySeen = false;
    const outageEnds = Date.now() + OUTAGE_MS - 3_000;
    while (Date.now() < outageEnds) {
      for (const [partition, offset] of await committedOffsets(admin, config.consumer.groupId, topic))
        highest.set(partition, Math.max(offset, highest.get(partition) ?? -1));
      readySeen ||= sink.ready();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const ends = await admin.fetchTopicOffsets(topic);

    // While the store was away, the committed offsets stood still though records kept coming.
    expect(highest).toEqual(committedEarly);
    expect(ends.reduce((sum, { high }) => sum + Number(high), 0)).toBeGreaterThan(before.length);
    expect(readySeen).toBe(false);
    expect(await sink.readiness.store!()).toBe(false);

    await store().start();
    streaming = false;
    await stream;
    const all = [...before, ...during];
    await waitForCount(db, COLLECTIONS.somedata, all.length, 90_000);
    await waitForCommitted(admin, config.consumer.groupId, topic, 60_000);

    // Exactly once, nothing lost.
    expect(await db.collection(COLLECTIONS.somedata).countDocuments()).toBe(all.length);
    const ids = await db.collection(COLLECTIONS.somedata).distinct('_id');
    expect(new Set(ids)).toEqual(new Set(all.map((event) => event.eventId)));
    // Every record below an offset committed during the outage was written before the store stopped.
    const late = await storedAfterTheirCommit(db, COLLECTIONS.somedata, highest, stoppedAt);
    expect(Object.entries(late).filter(([, count]) => count > 0)).toEqual([]);
    await eventually(async () => sink.ready(), 'the consumer to be ready again');
    expect(crashes).toEqual([]);
  });
});
