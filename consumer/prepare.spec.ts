import type { KafkaMessage } from 'kafkajs';
import { toKafkaMessage } from '../lib/schemas';
import { somedataEvent } from '../harness/consumer';
import type { EventFilter } from './filter';
import { prepareBatch } from './prepare';
import { sinkRoutes } from './routes';

const route = sinkRoutes({ somedata: 'somedata', footdata: 'footdata', dlq: 'dlq' }).get('somedata')!;
const limits = { maxRecordBytes: 512 * 1024, futureToleranceMs: 3_600_000 };

const message = (offset: number, value: string): KafkaMessage => ({
  key: null,
  value: Buffer.from(value),
  headers: {},
  offset: String(offset),
  timestamp: '0',
  attributes: 0,
});

describe('preparing a batch', () => {
  it('dead-letters the one record whose handling throws unexpectedly, naming the error, and keeps the others', () => {
    const filter: EventFilter = (event) => {
      if (event.type === 'somedata' && event.payload.data === 'boom')
        throw new TypeError('cannot read properties of undefined');
      return undefined;
    };
    const messages = [
      message(1, toKafkaMessage(somedataEvent('a', 1)).value),
      message(2, toKafkaMessage(somedataEvent('boom', 1)).value),
      message(3, toKafkaMessage(somedataEvent('b', 1)).value),
    ];
    const prepared = prepareBatch({ topic: 'somedata', partition: 0, messages }, route, filter, limits);
    expect(prepared.records.map((record) => record.origin.offset)).toEqual([1, 3]);
    expect(prepared.deadLetters.map((letter) => [letter.reason, letter.message.offset])).toEqual([['unexpected', '2']]);
    expect(prepared.deadLetters[0]?.error).toBeInstanceOf(TypeError);
  });
});
