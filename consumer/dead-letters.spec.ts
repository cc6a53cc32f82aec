import type { KafkaMessage, Producer, ProducerRecord } from 'kafkajs';
import { ValidationError } from '../lib/errors';
import { DLQ_HEADERS } from '../lib/kafka/dead-letter-headers';
import {
  chunkBySize,
  DeadLetterPublisher,
  DeadLetterUnavailableError,
  toDeadLetterMessage,
  type DeadLetter,
} from './dead-letters';

const message: KafkaMessage = {
  key: Buffer.from('car'),
  value: Buffer.from('not json'),
  headers: { 'trace-id': 'req-1', [DLQ_HEADERS.reason]: 'schema' },
  offset: '42',
  timestamp: '1700000000000',
  attributes: 0,
};
const letter: DeadLetter = {
  reason: 'decode',
  error: new ValidationError('the value is not UTF-8 JSON', 'value'),
  topic: 'somedata',
  partition: 2,
  message,
};

describe('a dead letter', () => {
  it('keeps key, value and headers, and names reason, error and origin', () => {
    const dlq = toDeadLetterMessage(letter, 'mongo-sink', new Date('2026-11-24T21:00:00Z'));
    expect(dlq.key).toEqual(message.key);
    expect(dlq.value).toEqual(message.value);
    expect(dlq.headers).toEqual({
      'trace-id': 'req-1',
      'dlq-reason': 'decode',
      'dlq-error-class': 'ValidationError',
      'dlq-error-message': 'the value is not UTF-8 JSON',
      'dlq-origin-topic': 'somedata',
      'dlq-origin-partition': '2',
      'dlq-origin-offset': '42',
      'dlq-origin-timestamp': '1700000000000',
      'dlq-consumer-group': 'mongo-sink',
      'dlq-failed-at': '2026-11-24T21:00:00.000Z',
    });
  });

  it('are sent in chunks small enough for the broker, a large one alone', () => {
    const small = { value: 'x'.repeat(100) };
    const large = { value: 'x'.repeat(5_000) };
    expect(chunkBySize([small, small, large, small], 1_000).map((chunk) => chunk.length)).toEqual([2, 1, 1]);
  });
});

describe('the dead-letter publisher', () => {
  function fakeProducer(send: (record: ProducerRecord) => void) {
    const sent: ProducerRecord[] = [];
    const producer = {
      send: async (record: ProducerRecord) => {
        send(record);
        sent.push(record);
        return [];
      },
    } as unknown as Producer;
    return { producer, sent };
  }

  it('sends with acks=all to the DLQ topic', async () => {
    const { producer, sent } = fakeProducer(() => undefined);
    await new DeadLetterPublisher(producer, 'pipeline.dlq', 'g').publish([letter, letter]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ topic: 'pipeline.dlq', acks: -1 });
    expect(sent[0]?.messages).toHaveLength(2);
  });

  it('leaves out a value the DLQ topic cannot take, keeping its headers', async () => {
    const { producer, sent } = fakeProducer((record) => {
      if (record.messages[0]?.value !== null)
        throw Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE', retriable: false });
    });
    await new DeadLetterPublisher(producer, 'pipeline.dlq', 'g').publish([letter]);
    expect(sent[0]?.messages[0]?.value).toBeNull();
    expect(sent[0]?.messages[0]?.headers).toMatchObject({ 'dlq-reason': 'decode', 'dlq-value-omitted-bytes': '8' });
  });

  it('sends each letter once when a later send failed and the batch tries the same letters again', async () => {
    // Three letters of 300 KiB: one send each (512 KiB a send). The second send fails once.
    const big = (offset: string): DeadLetter => ({
      ...letter,
      message: { ...message, offset, value: Buffer.alloc(300 * 1024, 'x') },
    });
    const letters = [big('1'), big('2'), big('3')];
    let sends = 0;
    const { producer, sent } = fakeProducer(() => {
      if (++sends === 2) throw Object.assign(new Error('request timed out'), { retriable: true });
    });
    const publisher = new DeadLetterPublisher(producer, 'pipeline.dlq', 'g');
    await expect(publisher.publish(letters)).rejects.toBeInstanceOf(DeadLetterUnavailableError);
    await publisher.publish(letters); // consumer/runner.ts retries the stage with the same letters
    const offsets = sent.flatMap((record) => record.messages.map((m) => m.headers?.[DLQ_HEADERS.offset]));
    expect(offsets).toEqual(['1', '2', '3']);
  });

  it('reports a DLQ that cannot be written as retriable, so the batch is not committed', async () => {
    const { producer } = fakeProducer(() => {
      throw new Error('broker down');
    });
    const failure = await new DeadLetterPublisher(producer, 'pipeline.dlq', 'g').publish([letter]).catch((e) => e);
    expect(failure).toBeInstanceOf(DeadLetterUnavailableError);
    expect(failure.retriable).toBe(true);
  });
});
