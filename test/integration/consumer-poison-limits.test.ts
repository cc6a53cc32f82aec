/**
 * Records at the limits, through the real consumer, Kafka and the store:
 * nesting 10,000 levels deep (a 20 KB record that used to overflow the call
 * stack and crash the consumer at every restart), a match state dated in
 * 9999 (it would freeze its match for good), and a document over the store's
 * 16 MiB limit (refused for what it is, so dead-lettered, never retried for ever).
 */
import type { Message } from 'kafkajs';
import { COLLECTIONS } from '../../lib/mongo';
import { toKafkaMessage, type FootdataEvent } from '../../lib/schemas';
import type { ConsumerService } from '../../consumer/service';
import { writePlan } from '../../consumer/sink';
import { footdataModel } from '../../consumer/write-models/footdata';
import type { SinkDocument, SinkRecord } from '../../consumer/write-models/types';
import { aMatch, footdataEvent, header, produce, waitForCommitted } from '../../harness/consumer';
import { readTopic } from '../../harness/env';
import { useSink } from '../../harness/sink';
import { sinkRecord } from '../../harness/write-model-properties';

const sut = useSink();
let sink: ConsumerService;
beforeAll(async () => {
  sink = await sut.start();
});

const KEY = 'limits';
/** A valid footdata record whose payload carries `depth` nested arrays under `extra`. */
const deep = (depth: number): Message => {
  const value = toKafkaMessage(footdataEvent(aMatch())).value.replace(
    '"minute":31',
    `"minute":31,"extra":${'['.repeat(depth)}${']'.repeat(depth)}`,
  );
  return { key: KEY, value };
};

describe('records at the limits between good ones', () => {
  it('dead-letters too-deep and future-timestamp records and keeps consuming, the match moving on', async () => {
    const { topics } = sut.config.kafka;
    const match = aMatch({ lastUpdated: new Date(Date.now() - 60_000).toISOString() });
    const first = footdataEvent(match);
    const future = footdataEvent({ ...match, lastUpdated: '9999-12-31T23:59:59Z', minute: 99 });
    const later = footdataEvent({ ...match, lastUpdated: new Date().toISOString(), minute: 80 });
    const records: [Message, string | undefined][] = [
      [{ ...toKafkaMessage(first), key: KEY }, undefined],
      [deep(10_000), 'too-deep'],
      [{ ...toKafkaMessage(future), key: KEY }, 'future-timestamp'],
      [deep(5_000), 'too-deep'],
      [{ ...toKafkaMessage(later), key: KEY }, undefined],
    ];
    await produce(
      sut.kafka,
      topics.footdata,
      records.map(([message]) => message),
    );
    await waitForCommitted(sut.admin, sut.config.consumer.groupId, topics.footdata);

    const stored = await sut.db.collection(COLLECTIONS.footdata).findOne({ _id: match.id as never });
    expect(stored).toMatchObject({ eventId: later.eventId, minute: 80 });
    const expected = records.flatMap(([, reason]) => (reason ? [reason] : []));
    const letters = await readTopic(sut.kafka, topics.dlq, { count: expected.length });
    expect(letters.map((letter) => header(letter, 'dlq-reason')).sort()).toEqual(expected.sort());
    const tooDeep = letters.find((letter) => header(letter, 'dlq-reason') === 'too-deep');
    expect(header(tooDeep!, 'dlq-error-message')).toMatch(/nested more than 64 levels/);
    const dated = letters.find((letter) => header(letter, 'dlq-reason') === 'future-timestamp');
    expect(header(dated!, 'dlq-error-message')).toMatch(/lastUpdated 9999-12-31T23:59:59Z is more than 3600000 ms/);
    expect(sink.ready()).toBe(true);
  });
});

describe("a document over the store's 16 MiB limit", () => {
  it.each([
    ['16.5 MiB (refused by the driver)', 16.5 * 1024 * 1024, /larger than the maximum size/],
    ['17 MiB (past the BSON serialiser buffer)', 17 * 1024 * 1024, /out of range/],
  ])(
    'of %s is handed back as rejected, with the reason, and the rest of the batch is stored',
    async (_what, bytes, reason) => {
      const collection = sut.db.collection<SinkDocument>(`limits_${Date.now()}`);
      const huge = sinkRecord(footdataEvent({ ...aMatch(), extra: 'x'.repeat(bytes) } as never), 1);
      const fine = [sinkRecord(footdataEvent(aMatch()), 0), sinkRecord(footdataEvent(aMatch()), 2)];
      const records: SinkRecord<FootdataEvent>[] = [fine[0]!, huge, fine[1]!];
      const result = await writePlan(collection, footdataModel.plan(records, new Date()));
      expect(result.rejected.map(({ record }) => record)).toEqual([huge]);
      expect(result.rejected[0]?.error.message).toMatch(reason);
      expect(result.written).toBe(2);
      expect((await collection.distinct('_id')).sort()).toEqual(fine.map((record) => record.event.payload.id).sort());
      await collection.drop();
    },
  );
});
