import type { KafkaMessage } from 'kafkajs';
import { toKafkaMessage } from '../lib/schemas';
import { aMatch, footdataEvent, somedataEvent } from '../harness/consumer';
import { decodeRecord, type DecodeLimits } from './decode';

const limits: DecodeLimits = { maxRecordBytes: 512 * 1024, futureToleranceMs: 3_600_000 };

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
    const decoded = decodeRecord(record(toKafkaMessage(event).value), 'somedata', limits);
    expect(decoded).toEqual({ ok: true, event });
  });

  it.each([
    ['a tombstone', null, 'tombstone', /no value/],
    ['bytes that are not JSON', 'not json {', 'decode', /not UTF-8 JSON/],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'decode', /not UTF-8 JSON/],
    ['JSON of the wrong shape', '{"hello":"world"}', 'schema', /eventId|type/],
    ['an unknown type', JSON.stringify({ ...somedataEvent(), type: 'otherdata' }), 'schema', /type/],
  ])('dead-letters %s with its reason', (_what, value, reason, message) => {
    const decoded = decodeRecord(record(value), 'somedata', limits);
    expect(decoded).toMatchObject({ ok: false, reason });
    expect(!decoded.ok && decoded.error.message).toMatch(message);
  });

  it('dead-letters a value larger than the limit before parsing it', () => {
    const decoded = decodeRecord(record('x'.repeat(2_000)), 'somedata', { ...limits, maxRecordBytes: 1_024 });
    expect(decoded).toMatchObject({ ok: false, reason: 'too-large' });
    expect(!decoded.ok && decoded.error.message).toMatch(/2000 bytes, more than the 1024 allowed/);
  });

  it('dead-letters a valid event on the wrong topic as a schema error', () => {
    const decoded = decodeRecord(record(toKafkaMessage(footdataEvent(aMatch())).value), 'somedata', limits);
    expect(decoded).toMatchObject({ ok: false, reason: 'schema' });
    expect(!decoded.ok && decoded.error.message).toMatch(/a footdata event does not belong on this topic/);
  });

  it.each([
    ['a dotted key', { 'a.b': 1 }],
    ['a $ key', { $where: 'x' }],
  ])('dead-letters a payload with %s MongoDB cannot store', (_what, extra) => {
    const event = footdataEvent({ ...aMatch(), extra } as never);
    const decoded = decodeRecord(record(JSON.stringify(event)), 'footdata', limits);
    expect(decoded).toMatchObject({ ok: false, reason: 'schema' });
    expect(!decoded.ok && decoded.error.message).toMatch(/unsafe key/);
  });

  /** A footdata record whose payload carries `depth` levels of nesting below an extra field. */
  const nested = (depth: number, open = '[', close = ']') =>
    JSON.stringify(footdataEvent(aMatch())).replace(
      '"minute":31',
      `"minute":31,"extra":${open.repeat(depth)}${close.repeat(depth)}`,
    );

  it.each([5_000, 10_000, 1_000_000])(
    'dead-letters a payload nested %i levels deep as too-deep, without a stack overflow',
    (depth) => {
      const decoded = decodeRecord(record(nested(depth)), 'footdata', { ...limits, maxRecordBytes: 4 * 1024 * 1024 });
      expect(decoded).toMatchObject({ ok: false, reason: 'too-deep' });
      expect(!decoded.ok && decoded.error.message).toMatch(/nested more than 64 levels/);
    },
  );

  it('dead-letters a deep payload as too-deep even when an unsafe key comes first', () => {
    const value = nested(10_000).replace('"minute":31', '"minute":31,"$first":1');
    expect(decodeRecord(record(value), 'footdata', limits)).toMatchObject({ ok: false, reason: 'too-deep' });
  });

  it('accepts a payload nested exactly to the limit, and refuses one level more', () => {
    // The payload is level 1 and `extra` level 2: 63 objects below it reach 64.
    const atLimit = decodeRecord(record(nested(63, '{"a":', '}').replace(/\{"a":\}/, '{}')), 'footdata', limits);
    expect(atLimit).toMatchObject({ ok: true });
    const beyond = decodeRecord(record(nested(64, '{"a":', '}').replace(/\{"a":\}/, '{}')), 'footdata', limits);
    expect(beyond).toMatchObject({ ok: false, reason: 'too-deep' });
  });
});

describe('a payload with more fields than the store writes in time', () => {
  // FerretDB's insert time grows with the square of a document's fields (100k keys: minutes), past the
  // store's operation timeout: such a record would be retried as "store unavailable" for ever.
  const withFields = (count: number) =>
    toKafkaMessage(
      footdataEvent(aMatch({ odds: Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, i])) })),
    ).value;

  it('dead-letters 100,000 tiny keys as too-many-fields, naming the field', () => {
    const decoded = decodeRecord(record(withFields(100_000)), 'footdata', { ...limits, maxRecordBytes: 4 << 20 });
    expect(decoded).toMatchObject({ ok: false, reason: 'too-many-fields' });
    expect(!decoded.ok && decoded.error.message).toMatch(/more than 5000 fields/);
  });

  it('accepts a match with a thousand extra fields', () => {
    expect(decodeRecord(record(withFields(1_000)), 'footdata', limits)).toMatchObject({ ok: true });
  });
});

describe('a footdata state dated in the future', () => {
  const at = (lastUpdated: string, producedAt = '2026-11-24T20:00:00.000Z') =>
    record(JSON.stringify({ ...footdataEvent(aMatch({ lastUpdated })), producedAt }));

  it.each([
    ['the year 9999', '9999-12-31T23:59:59Z'],
    ['61 minutes after it was produced', '2026-11-24T21:01:00Z'],
    ['a skewed clock, a day ahead', '2026-11-25T20:00:00+00:00'],
  ])('dead-letters a lastUpdated in %s as future-timestamp', (_what, lastUpdated) => {
    const decoded = decodeRecord(at(lastUpdated), 'footdata', limits);
    expect(decoded).toMatchObject({ ok: false, reason: 'future-timestamp' });
    expect(!decoded.ok && decoded.error.message).toMatch(/lastUpdated .* is more than 3600000 ms after producedAt/);
  });

  it('accepts a lastUpdated within the tolerance of producedAt, or before it', () => {
    expect(decodeRecord(at('2026-11-24T20:59:00Z'), 'footdata', limits)).toMatchObject({ ok: true });
    expect(decodeRecord(at('2026-11-24T21:59:00+01:00'), 'footdata', limits)).toMatchObject({ ok: true });
    expect(decodeRecord(at('2020-01-01T00:00:00Z'), 'footdata', limits)).toMatchObject({ ok: true });
  });

  it('with no tolerance, refuses any lastUpdated after producedAt', () => {
    const decoded = decodeRecord(at('2026-11-24T20:00:01Z'), 'footdata', { ...limits, futureToleranceMs: 0 });
    expect(decoded).toMatchObject({ ok: false, reason: 'future-timestamp' });
  });
});
