import type { KafkaMessage } from 'kafkajs';
import { ValidationError } from '../lib/errors';
import { decodeCursor, encodeCursor } from './cursor';
import { deadLetterDocument, eventIdOf } from './dead-letter-index';

const ID = '019ad1f0-6a7b-7c3d-9e2f-0123456789ab';

describe('the eventId of a dead letter', () => {
  it('is read from a JSON value, a truncated one, or not at all', () => {
    expect(eventIdOf(Buffer.from(JSON.stringify({ eventId: ID.toUpperCase(), payload: {} })))).toBe(ID);
    expect(eventIdOf(Buffer.from(`{"type":"somedata","eventId":"${ID}","payload":{"data":"x`))).toBe(ID);
    expect(eventIdOf(Buffer.from('not json at all'))).toBeNull();
    expect(eventIdOf(Buffer.from(JSON.stringify({ eventId: 'not-a-uuid' })))).toBeNull();
    expect(eventIdOf(Buffer.from('['.repeat(10_000)))).toBeNull();
    expect(eventIdOf(null)).toBeNull();
  });

  it('a DLQ record becomes one document keyed by its DLQ position, headers parsed', () => {
    const message = {
      key: Buffer.from('car'),
      value: Buffer.from(JSON.stringify({ eventId: ID })),
      offset: '41',
      headers: {
        'dlq-reason': Buffer.from('schema'),
        'dlq-failed-at': Buffer.from('2026-11-24T10:00:00.000Z'),
        'dlq-origin-topic': Buffer.from('somedata'),
        'dlq-origin-partition': Buffer.from('2'),
        'dlq-origin-offset': Buffer.from('9007199254740993999'),
      },
    } as unknown as KafkaMessage;
    expect(deadLetterDocument('pipeline.dlq', 1, message)).toMatchObject({
      _id: '1:41',
      eventId: ID,
      reason: 'schema',
      failedAt: new Date('2026-11-24T10:00:00.000Z'),
      origin: { topic: 'somedata', partition: 2, offset: null },
      dlq: { topic: 'pipeline.dlq', partition: 1, offset: 41 },
      key: 'car',
    });
  });
});

describe('page cursors', () => {
  const isPair = (value: unknown): value is [number, number] =>
    Array.isArray(value) && value.length === 2 && value.every(Number.isSafeInteger);
  it('round-trip their key and refuse anything else, naming the cursor', () => {
    expect(decodeCursor(encodeCursor([1_700_000_000_000, 42]), isPair)).toEqual([1_700_000_000_000, 42]);
    for (const bad of ['', 'e30', Buffer.from('[1]').toString('base64url'), '%%%'])
      expect(() => decodeCursor(bad, isPair)).toThrow(ValidationError);
  });
});
