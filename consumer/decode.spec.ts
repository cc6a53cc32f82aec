import type { KafkaMessage } from 'kafkajs';
import { toKafkaMessage } from '../lib/schemas';
import { aMatch, footdataEvent, somedataEvent } from '../test/support/consumer';
import { decodeRecord } from './decode';

function record(value: Buffer | string | null): KafkaMessage {
  return {
    key: Buffer.from('k'),
    value: typeof value === 'string' ? Buffer.from(value) : value,
    headers: {},
    offset: '7',
    timestamp: '1700000000000',
    attributes: 0,
  };
}

describe('decoding a record', () => {
  it('gives back the event a producer built with the shared schema', () => {
    const event = somedataEvent('car', 3);
    const decoded = decodeRecord(record(toKafkaMessage(event).value), 'somedata', 512 * 1024);
    expect(decoded).toEqual({ ok: true, event });
  });

  it.each([
    ['a tombstone', null, 'tombstone', /no value/],
    ['bytes that are not JSON', 'not json {', 'decode', /not UTF-8 JSON/],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'decode', /not UTF-8 JSON/],
    ['JSON of the wrong shape', '{"hello":"world"}', 'schema', /eventId|type/],
    ['an unknown type', JSON.stringify({ ...somedataEvent(), type: 'otherdata' }), 'schema', /type/],
  ])('dead-letters %s with its reason', (_what, value, reason, message) => {
    const decoded = decodeRecord(record(value), 'somedata', 512 * 1024);
    expect(decoded).toMatchObject({ ok: false, reason });
    expect(!decoded.ok && decoded.error.message).toMatch(message);
  });

  it('dead-letters a value larger than the limit before parsing it', () => {
    const decoded = decodeRecord(record('x'.repeat(2_000)), 'somedata', 1_024);
    expect(decoded).toMatchObject({ ok: false, reason: 'too-large' });
    expect(!decoded.ok && decoded.error.message).toMatch(/2000 bytes, more than the 1024 allowed/);
  });

  it('dead-letters a valid event on the wrong topic as a schema error', () => {
    const decoded = decodeRecord(record(toKafkaMessage(footdataEvent(aMatch())).value), 'somedata', 512 * 1024);
    expect(decoded).toMatchObject({ ok: false, reason: 'schema' });
    expect(!decoded.ok && decoded.error.message).toMatch(/a footdata event does not belong on this topic/);
  });

  it.each([
    ['a dotted key', { 'a.b': 1 }],
    ['a $ key', { $where: 'x' }],
  ])('dead-letters a payload with %s MongoDB cannot store', (_what, extra) => {
    const event = footdataEvent({ ...aMatch(), extra } as never);
    const decoded = decodeRecord(record(JSON.stringify(event)), 'footdata', 512 * 1024);
    expect(decoded).toMatchObject({ ok: false, reason: 'schema' });
    expect(!decoded.ok && decoded.error.message).toMatch(/unsafe key/);
  });
});
