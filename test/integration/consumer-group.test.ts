/**
 * Several consumer instances in one group share the partitions, and together
 * still write each event once.
 */
import { COLLECTIONS } from '../../lib/mongo';
import type { ConsumerService } from '../../consumer/service';
import {
  aMatch,
  asMessages,
  footdataEvent,
  produce,
  somedataEvent,
  waitForCommitted,
  waitForCount,
} from '../../harness/consumer';
import { eventually } from '../../harness/env';
import { counter, useSink } from '../../harness/sink';

jest.setTimeout(120_000);

const sut = useSink();

const partitionsOf = (sink: ConsumerService) =>
  Object.entries(sink.assignment()).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}/${p}`));

describe('two consumer instances in one group', () => {
  it('each get partitions, and together store every event exactly once', async () => {
    const { topics } = sut.config.kafka;
    const { groupId } = sut.config.consumer;
    const sinks = [await sut.start(), await sut.start()];
    await eventually(
      async () => sinks.every((sink) => partitionsOf(sink).length > 0) && sinks.flatMap(partitionsOf).length === 6,
      'both instances to hold partitions',
      60_000,
    );
    const [a, b] = sinks.map(partitionsOf) as [string[], string[]];
    expect(a.filter((partition) => b.includes(partition))).toEqual([]); // no partition held twice

    const events = Array.from({ length: 3_000 }, (_, i) => somedataEvent(`g-${i % 31}`, 1));
    const matches = Array.from({ length: 60 }, () => footdataEvent(aMatch()));
    await produce(sut.kafka, topics.somedata, asMessages(events));
    await produce(sut.kafka, topics.footdata, asMessages(matches));

    await waitForCount(sut.db, COLLECTIONS.somedata, events.length);
    await waitForCount(sut.db, COLLECTIONS.footdata, matches.length);
    await waitForCommitted(sut.admin, groupId, topics.somedata);
    await waitForCommitted(sut.admin, groupId, topics.footdata);
    expect(await sut.db.collection(COLLECTIONS.somedata).countDocuments()).toBe(events.length);
    expect(await sut.db.collection(COLLECTIONS.footdata).countDocuments()).toBe(matches.length);

    const sum = (counts: number[]) => counts.reduce((total, count) => total + count, 0);
    const perInstance = await Promise.all(sinks.map((sink) => counter(sink, 'consumer_records_written_total')));
    const duplicates = await Promise.all(sinks.map((sink) => counter(sink, 'consumer_records_duplicate_total')));
    expect(perInstance.every((count) => count > 0)).toBe(true);
    // Each record written once, or found already stored: a batch an instance wrote but had not committed
    // when its partition moved (a rebalance under load) is read again by the other, which writes nothing.
    expect(sum(perInstance)).toBeLessThanOrEqual(events.length + matches.length);
    expect(sum(perInstance) + sum(duplicates)).toBeGreaterThanOrEqual(events.length + matches.length);
  });
});
