/**
 * The sink stores each event once: N events give N documents, and reading
 * every record again (a new group from the beginning) changes nothing.
 */
import { COLLECTIONS } from '../../lib/mongo';
import { asMessages, produce, somedataEvent, waitForCommitted, waitForCount } from '../../harness/consumer';
import { freshName } from '../../harness/env';
import type { ConsumerService } from '../../consumer/service';
import { counter, useSink } from '../../harness/sink';

const sut = useSink();
let first: ConsumerService;
const somedata = () => sut.db.collection(COLLECTIONS.somedata);

describe('the sink stores each event exactly once', () => {
  const N = 2_000;
  const events = Array.from({ length: N }, (_, i) => somedataEvent(`item-${i % 13}`, 1 + (i % 5), 'run-1'));

  it('N events give exactly N documents, each the event under its eventId with its Kafka origin', async () => {
    const { topics } = sut.config.kafka;
    await produce(sut.kafka, topics.somedata, asMessages(events));
    const sink = (first = await sut.start());

    await waitForCount(sut.db, COLLECTIONS.somedata, N);
    await waitForCommitted(sut.admin, sut.config.consumer.groupId, topics.somedata);
    expect(await somedata().countDocuments()).toBe(N);
    expect(new Set(await somedata().distinct('_id'))).toEqual(new Set(events.map((event) => event.eventId)));

    const sample = events[17]!;
    expect(await somedata().findOne({ _id: sample.eventId as never })).toMatchObject({
      type: 'somedata',
      version: 1,
      producedAt: new Date(sample.producedAt),
      source: 'api',
      runId: 'run-1',
      payload: sample.payload,
      _kafka: { topic: topics.somedata, partition: expect.any(Number), offset: expect.any(Number) },
      storedAt: expect.any(Date),
    });
    expect(await counter(sink, 'consumer_records_written_total')).toBe(N);
    expect(await counter(sink, 'consumer_records_consumed_total')).toBe(N);
    expect(sink.ready()).toBe(true);
  });

  it('every record read again by a new group from the beginning still leaves exactly N documents', async () => {
    const replayConfig = { ...sut.config, consumer: { ...sut.config.consumer, groupId: freshName('replay') } };
    const replay = await sut.start(replayConfig);

    await waitForCommitted(sut.admin, replayConfig.consumer.groupId, sut.config.kafka.topics.somedata);
    expect(await somedata().countDocuments()).toBe(N);
    expect(await counter(replay, 'consumer_records_consumed_total')).toBe(N);
    expect(await counter(replay, 'consumer_records_duplicate_total')).toBe(N);
    expect(await counter(replay, 'consumer_records_written_total')).toBe(0);
  });

  it('the same group sought back to the beginning also writes nothing twice', async () => {
    const { groupId } = sut.config.consumer;
    const topic = sut.config.kafka.topics.somedata;
    await first.stop();
    await sut.admin.resetOffsets({ groupId, topic, earliest: true });
    const again = await sut.start();

    await waitForCommitted(sut.admin, groupId, topic);
    expect(await counter(again, 'consumer_records_consumed_total')).toBe(N);
    expect(await somedata().countDocuments()).toBe(N);
  });
});
