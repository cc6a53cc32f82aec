/**
 * Poison records in the middle of good ones: every good record is stored,
 * every bad one lands in the DLQ topic with its reason and origin, and the
 * consumer keeps going.
 */
import type { KafkaMessage, Message } from 'kafkajs';
import { COLLECTIONS } from '../../lib/mongo';
import { toKafkaMessage } from '../../lib/schemas';
import type { ConsumerService } from '../../consumer/service';
import {
  aMatch,
  asMessages,
  footdataEvent,
  header,
  produce,
  somedataEvent,
  waitForCommitted,
  waitForCount,
} from '../../harness/consumer';
import { readTopic } from '../../harness/env';
import { useSink } from '../../harness/sink';

const sut = useSink();
let sink: ConsumerService;
let ferret: boolean;
beforeAll(async () => {
  ferret = 'ferretdbVersion' in (await sut.db.admin().command({ buildInfo: 1 }));
  sink = await sut.start();
});

/** One key for every record: one partition, so the poison sits between good records. */
const KEY = 'poison';
const good = (n: number) => ({ ...toKafkaMessage(somedataEvent(`good-${n}`, 1)), key: KEY });
const raw = (value: string | Buffer | null, headers: Message['headers'] = {}): Message => ({
  key: KEY,
  value,
  headers,
});

describe('poison records between good ones', () => {
  it('store every good record and dead-letter every bad one with its reason, without stopping', async () => {
    const { topics } = sut.config.kafka;
    const { groupId } = sut.config.consumer;
    const footEvent = footdataEvent(aMatch());
    const somedata: [Message, string | undefined][] = [
      [good(1), undefined],
      [raw('not json {', { 'trace-id': 'bad-1' }), 'decode'],
      [good(2), undefined],
      [raw(JSON.stringify({ hello: 'world' })), 'schema'],
      [raw(Buffer.alloc(1_000_000, 'x')), 'too-large'],
      [good(3), undefined],
      [raw(null), 'tombstone'],
      [raw(JSON.stringify({ ...somedataEvent(), type: 'otherdata' })), 'schema'],
      [{ ...toKafkaMessage(footEvent), key: KEY }, 'schema'], // a footdata event on the somedata topic
      [good(4), undefined],
    ];
    const dotted = footdataEvent({ ...aMatch(), extra: { 'a.b': 1 } } as never);
    const dollar = footdataEvent({ ...aMatch(), extra: [{ $where: 'sleep(1)' }] } as never);
    // Valid for the schema and for MongoDB, refused by FerretDB 1.24 ("nested arrays are not supported").
    const nested = footdataEvent({ ...aMatch(), extra: [[1, 2]] } as never);
    const goodMatch = footdataEvent(aMatch());
    const footdata: [Message, string | undefined][] = [
      [{ ...toKafkaMessage(dotted), key: KEY }, 'schema'],
      [{ ...toKafkaMessage(goodMatch), key: KEY }, undefined],
      [{ ...toKafkaMessage(dollar), key: KEY }, 'schema'],
      [{ ...toKafkaMessage(nested), key: KEY }, ferret ? 'write-rejected' : undefined],
    ];

    await produce(
      sut.kafka,
      topics.somedata,
      somedata.map(([message]) => message),
    );
    await produce(
      sut.kafka,
      topics.footdata,
      footdata.map(([message]) => message),
    );
    await waitForCommitted(sut.admin, groupId, topics.somedata);
    await waitForCommitted(sut.admin, groupId, topics.footdata);

    const storedSomedata = await sut.db.collection(COLLECTIONS.somedata).distinct('payload.data');
    expect(storedSomedata.sort()).toEqual(['good-1', 'good-2', 'good-3', 'good-4']);
    const storedMatches = await sut.db.collection(COLLECTIONS.footdata).distinct('_id');
    expect(storedMatches.sort()).toEqual(
      (ferret ? [goodMatch] : [goodMatch, nested]).map((event) => event.payload.id).sort(),
    );

    const expected = [...somedata, ...footdata].filter(([, reason]) => reason !== undefined);
    const letters = await readTopic(sut.kafka, topics.dlq, { count: expected.length });
    expect(letters).toHaveLength(expected.length);
    const byReason = (list: (string | undefined)[]) => list.map(String).sort();
    expect(byReason(letters.map((letter) => header(letter, 'dlq-reason')))).toEqual(
      byReason(expected.map(([, reason]) => reason)),
    );

    // Each dead letter is the record as it came, plus why and where from.
    const notJson = letters.find((letter) => header(letter, 'dlq-reason') === 'decode') as KafkaMessage;
    expect(notJson.value?.toString()).toBe('not json {');
    expect(notJson.key?.toString()).toBe(KEY);
    expect(header(notJson, 'trace-id')).toBe('bad-1');
    expect(header(notJson, 'dlq-error-class')).toBe('ValidationError');
    expect(header(notJson, 'dlq-error-message')).toMatch(/not UTF-8 JSON/);
    expect(header(notJson, 'dlq-origin-topic')).toBe(topics.somedata);
    expect(header(notJson, 'dlq-origin-offset')).toBe('1');
    expect(header(notJson, 'dlq-origin-partition')).toMatch(/^[0-2]$/);
    expect(Number(header(notJson, 'dlq-origin-timestamp'))).toBeGreaterThan(Date.now() - 120_000);
    expect(header(notJson, 'dlq-consumer-group')).toBe(groupId);
    const tombstone = letters.find((letter) => header(letter, 'dlq-reason') === 'tombstone');
    expect(tombstone?.value).toBeNull();
    const tooLarge = letters.find((letter) => header(letter, 'dlq-reason') === 'too-large');
    expect(tooLarge?.value?.length).toBe(1_000_000);
    if (ferret) {
      const rejected = letters.find((letter) => header(letter, 'dlq-reason') === 'write-rejected');
      expect(header(rejected!, 'dlq-error-message')).toMatch(/nested arrays/);
      expect(JSON.parse(rejected!.value!.toString())).toEqual(nested);
    }

    // Still consuming after all that.
    await produce(sut.kafka, topics.somedata, asMessages([somedataEvent('after', 1)]));
    await waitForCount(sut.db, COLLECTIONS.somedata, 5);
    expect(sink.ready()).toBe(true);
  });
});
