/**
 * Generators (fast-check) of hostile input for the fault tests: HTTP requests
 * against every route of the API (random methods, paths, query strings,
 * headers and bodies, oversized and malformed), raw bytes that are not quite
 * HTTP, and Kafka records that are not quite pipeline events.
 */
import fc from 'fast-check';
import type { Message } from 'kafkajs';
import { PipelineEvent } from '../../lib/schemas';
import { aMatch, footdataEvent, somedataEvent } from '../../harness/consumer';

/** Every route of the API (docs/ARCHITECTURE.md §5a). */
export const API_ROUTES = ['/', '/somedata', '/footdata', '/healthz', '/readyz', '/metrics', '/openapi.json'];

/** Percent-encode every byte that is not unreserved: any string becomes a valid request-target piece. */
export const encodeBytes = (text: string): string =>
  [...Buffer.from(text, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).padStart(2, '0')}`,
    )
    .join('');

const TRICKY = [
  '..',
  '%2e%2e',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '%00',
  '%',
  '%zz',
  '%ff%fe',
  '$where',
  'a.b',
  '__proto__',
  'constructor',
  'prototype',
  '%E2%80%AE',
  '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
  "'%20OR%201=1--",
  '%7B%22%24gt%22%3A%22%22%7D',
  'con',
  'x'.repeat(64),
  'x'.repeat(65),
];

const segment = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }).map(encodeBytes) },
  { weight: 2, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 1, arbitrary: fc.integer({ min: 65, max: 6_000 }).map((length) => 'y'.repeat(length)) },
);

const path = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(...API_ROUTES, '/somedata/', '//', '/somedata//x', '/favicon.ico', '/admin'),
  },
  { weight: 6, arbitrary: segment.map((data) => `/somedata/${data}`) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom(...API_ROUTES), segment).map(([route, part]) => `${route}/${part}`),
  },
  { weight: 1, arbitrary: fc.array(segment, { maxLength: 6 }).map((parts) => `/${parts.join('/')}`) },
);

const queryKey = fc.oneof(
  fc.constantFrom(
    'number',
    'number',
    'number[]',
    'number[a]',
    '__proto__',
    'constructor[prototype][x]',
    'a.b',
    '$where',
  ),
  fc.string({ unit: 'binary', maxLength: 20 }).map(encodeBytes),
);
const queryValue = fc.oneof(
  fc.constantFrom('1', '3', '0', '100', '101', '-1', '1e2', '0x10', '%205', '', '1.5', '99999999999', 'NaN', '%00'),
  fc.string({ unit: 'binary', maxLength: 40 }).map(encodeBytes),
);
const query = fc
  .oneof(
    // Valid ones too, so that the requests that do publish are many enough to count.
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 100 }).map((n) => [['number', String(n)]]) },
    { weight: 6, arbitrary: fc.array(fc.tuple(queryKey, queryValue), { maxLength: 5 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map((n) => [['number', '1'.repeat(n)]]) },
  )
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([key, value]) => `${key}=${value}`).join('&')}`));

const FORBIDDEN_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'expect',
  'upgrade',
  'te',
  'trailer',
  'keep-alive',
]);
const headerName = fc
  .stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,30}$/)
  .filter((name) => !FORBIDDEN_HEADERS.has(name.toLowerCase()));
const headerValue = fc.oneof(
  { weight: 9, arbitrary: fc.stringMatching(/^[\x20-\x7e]{0,200}$/) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map((n) => 'v'.repeat(n)) },
);
const headers = fc
  .record(
    {
      'content-type': fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'application/json; charset=utf-16',
        'application/json; charset=latin1',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        '',
        '*/*',
      ),
      'content-encoding': fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'bogus'),
      'x-run-id': fc.oneof(
        { weight: 1, arbitrary: fc.stringMatching(/^[\x20-\x7e]{0,300}$/) },
        { weight: 2, arbitrary: fc.constantFrom('manual__2026-11-24T10:00:00+00:00', 'scheduled__x', '$where', 'a.b') },
      ),
      'x-source': fc.oneof(
        { weight: 1, arbitrary: fc.stringMatching(/^[\x20-\x7e]{0,80}$/) },
        { weight: 2, arbitrary: fc.constantFrom('api', 'job:1', 'job:', 'job:$where', 'root') },
      ),
      accept: fc.constantFrom('*/*', 'text/html', 'application/xml', 'application/json;q=0'),
      authorization: fc.stringMatching(/^[\x20-\x7e]{0,80}$/),
      cookie: fc.stringMatching(/^[\x20-\x7e]{0,80}$/),
      'x-forwarded-for': fc.constantFrom('127.0.0.1', '::1', 'evil', '1.1.1.1, 2.2.2.2'),
    },
    { requiredKeys: [] },
  )
  .chain((known) =>
    fc
      .dictionary(headerName, headerValue, { maxKeys: 4 })
      .map((extra) => ({ ...extra, ...known }) as Record<string, string>),
  );

const json = fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value));
const body = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  {
    weight: 3,
    arbitrary: fc
      .record(
        {
          data: fc.oneof(segment, fc.jsonValue({ maxDepth: 1 })),
          number: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 5 }), fc.constant(null), fc.constant([3])),
          extra: fc.jsonValue({ maxDepth: 2 }),
        },
        { requiredKeys: [] },
      )
      .map((value) => JSON.stringify(value)),
  },
  { weight: 2, arbitrary: json },
  { weight: 2, arbitrary: json.chain((text) => fc.nat(Math.max(0, text.length - 1)).map((cut) => text.slice(0, cut))) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2_000 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 1, arbitrary: fc.integer({ min: 16 * 1024, max: 256 * 1024 }).map((n) => `{"data":"${'x'.repeat(n)}"}`) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 20_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '{"__proto__":{"polluted":true},"data":"car"}',
      '{"constructor":{"prototype":{"polluted":true}},"data":"car"}',
      '{"data":"car","number":1,"data":"bus"}',
      '{"data":{"$where":"sleep(1000)"},"number":1}',
      '{"data":"a.b","number":1}',
      'null',
      '"car"',
      '[{"data":"car"}]',
    ),
  },
);

export interface HostileRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export const hostileRequest: fc.Arbitrary<HostileRequest> = fc
  .record({
    method: fc.oneof(
      {
        weight: 8,
        arbitrary: fc.constantFrom('GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
      },
      { weight: 1, arbitrary: fc.constantFrom('TRACE', 'PROPFIND', 'MKCOL', 'LINK', 'PURGE', 'SEARCH', 'QUERY') },
    ),
    path,
    query,
    headers,
    body,
  })
  .map(({ method, path: target, query: search, headers: given, body: content }) => ({
    method,
    path: `${target}${search}`,
    headers: given,
    ...(content !== undefined && method !== 'HEAD' && { body: content }),
  }));

/** Bytes sent as they are on a connection of their own: broken HTTP, smuggling attempts, not HTTP at all. */
export const rawRequest: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 600 }).map((bytes) => Buffer.from(bytes)),
  fc
    .tuple(
      fc.constantFrom('GET', 'POST', 'G ET', 'get', '', 'GET\0'),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/9.9', 'HTTP/1.1 x', ''),
    )
    .map(([method, target, version]) =>
      Buffer.from(`${method} ${target} ${version}\r\nHost: x\r\nConnection: close\r\n\r\n`, 'latin1'),
    ),
  fc
    .constantFrom(
      'POST /somedata HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 30\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /somedata/smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
      'POST /somedata HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\n{"data":"car"}',
      'POST /somedata HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{}',
      'POST /somedata HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
      'POST /somedata HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked, identity\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
      'POST /somedata HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"data":',
      'GET /somedata/a HTTP/1.1\r\nHost: x\r\nX-Bad Header: 1\r\n\r\n',
      'GET /somedata/a HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n',
      'GET /somedata/a HTTP/1.1\r\nHost: x\r\nX-Nul: a\0b\r\n\r\n',
      'GET /somedata/a HTTP/1.1\nHost: x\n\n',
      'GET /\r\n\r\n',
      'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
      'GET /somedata/a HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      `GET /somedata/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET /somedata/a HTTP/1.1\r\nHost: x\r\n${'X-Many: 1\r\n'.repeat(3_000)}\r\n`,
    )
    .map((text) => Buffer.from(text, 'latin1')),
);

// ------------------------------------------------------------------ Kafka records

export type BadKind = 'bytes' | 'truncated' | 'schema' | 'type' | 'huge' | 'hostile-key' | 'tombstone' | 'wrong-topic';

export interface InjectedRecord {
  message: Message;
  /** undefined: a good record, to be stored. */
  bad?: BadKind;
}

const HOSTILE_KEYS = ['$where', 'a.b', '__proto__', '', '$', '.', 'constructor', '\u0000', 'ключ', '{"$gt":""}'];
const hostileKey = fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ unit: 'binary', maxLength: 30 }));
const goodSomedata = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/).map((data) => somedataEvent(data, 1));
const anyGood = fc.oneof(
  { weight: 4, arbitrary: goodSomedata },
  { weight: 1, arbitrary: fc.constant(null).map(() => footdataEvent(aMatch())) },
);

/** A valid event changed so that the shared schema refuses it (checked: a change that happens to stay valid is dropped). */
const brokenEvent = fc
  .tuple(
    anyGood,
    fc.constantFrom(
      (e: Record<string, unknown>) => ({ ...e, eventId: 42 }),
      (e: Record<string, unknown>) => ({ ...e, eventId: 'not-a-uuid' }),
      (e: Record<string, unknown>) => ({ ...e, version: '1' }),
      (e: Record<string, unknown>) => ({ ...e, version: 2 }),
      (e: Record<string, unknown>) => ({ ...e, type: 'otherdata' }),
      (e: Record<string, unknown>) => ({ ...e, producedAt: 'yesterday' }),
      (e: Record<string, unknown>) => ({ ...e, source: 'job:$where' }),
      (e: Record<string, unknown>) => ({ ...e, payload: [] }),
      (e: Record<string, unknown>) => ({ ...e, payload: 'car' }),
      (e: Record<string, unknown>) => ({ ...e, payload: null }),
      (e: Record<string, unknown>) => ({ ...e, payload: { ...(e.payload as object), $where: 'sleep(1000)' } }),
      (e: Record<string, unknown>) => ({ ...e, payload: { ...(e.payload as object), 'a.b': 1 } }),
      (e: Record<string, unknown>) => ({ ...e, payload: { ...(e.payload as object), nested: { x: { $gt: '' } } } }),
      (e: Record<string, unknown>) => ({ ...e, payload: { ...(e.payload as object), number: 0 } }),
      (e: Record<string, unknown>) => ({ ...e, payload: { ...(e.payload as object), number: '3' } }),
      (e: Record<string, unknown>) => ({ ...e, payload: { ...(e.payload as object), id: 'x' } }),
      (e: Record<string, unknown>) => ({ ...e, extra: true }),
      (e: Record<string, unknown>) => {
        const { eventId: _eventId, ...rest } = e;
        return rest;
      },
    ),
  )
  .map(([event, change]) => change(event as unknown as Record<string, unknown>))
  .filter((value) => !PipelineEvent.safeParse(value).success);

const wrongType = fc.oneof(
  fc.constantFrom('42', 'true', 'null', '[]', '"car"', '{}', '[{"eventId":1}]'),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
);

/** One record for `topic` (its type: somedata or footdata): good or bad, by kind. */
export function injectedRecord(type: 'somedata' | 'footdata', hugeBytes: number): fc.Arbitrary<InjectedRecord> {
  const sameType = type === 'somedata' ? goodSomedata : fc.constant(null).map(() => footdataEvent(aMatch()));
  const otherType = type === 'somedata' ? fc.constant(null).map(() => footdataEvent(aMatch())) : goodSomedata;
  const keyed = (value: string | Buffer | null, key: string | null = 'k') => ({ key, value });
  return fc.oneof(
    {
      weight: 50,
      arbitrary: fc
        .tuple(sameType, fc.option(hostileKey))
        .map(([event, key]): InjectedRecord => ({ message: keyed(JSON.stringify(event), key ?? 'good') })),
    },
    {
      weight: 20,
      arbitrary: fc
        .uint8Array({ maxLength: 1_000 })
        .map((bytes): InjectedRecord => ({ message: keyed(Buffer.from(bytes)), bad: 'bytes' })),
    },
    {
      weight: 20,
      arbitrary: sameType
        .map((event) => JSON.stringify(event))
        .chain((text) =>
          fc
            .nat(text.length - 1)
            .map((cut): InjectedRecord => ({ message: keyed(text.slice(0, cut)), bad: 'truncated' })),
        ),
    },
    {
      weight: 30,
      arbitrary: brokenEvent.map((value): InjectedRecord => ({ message: keyed(JSON.stringify(value)), bad: 'schema' })),
    },
    { weight: 10, arbitrary: wrongType.map((text): InjectedRecord => ({ message: keyed(text), bad: 'type' })) },
    {
      weight: 10,
      arbitrary: otherType.map((event): InjectedRecord => ({
        message: keyed(JSON.stringify(event)),
        bad: 'wrong-topic',
      })),
    },
    {
      weight: 10,
      arbitrary: fc
        .tuple(hostileKey, brokenEvent)
        .map(([key, value]): InjectedRecord => ({ message: keyed(JSON.stringify(value), key), bad: 'hostile-key' })),
    },
    {
      weight: 3,
      arbitrary: fc.constant(null).map((): InjectedRecord => ({ message: keyed(null, 'gone'), bad: 'tombstone' })),
    },
    {
      weight: 1,
      arbitrary: sameType.map((event): InjectedRecord => ({
        message: keyed(JSON.stringify({ ...event, padding: 'x'.repeat(hugeBytes) })),
        bad: 'huge',
      })),
    },
  );
}

// ------------------------------------------------------------------ the corpus of the worst records

/** What must become of a corpus record: stored, dead-lettered for that reason, or either (the store decides). */
export type CorpusExpectation = 'stored' | 'decode' | 'schema' | 'too-deep' | 'too-many-fields' | 'either';

export interface CorpusRecord {
  /** Unique; sent as the `fault-id` header, which a dead letter keeps. */
  name: string;
  /** The topic it is sent to. */
  topic: 'somedata' | 'footdata';
  message: Message;
  /** Its `_id` once stored: the event id (somedata) or the match id (footdata); none when it cannot be stored. */
  storedId?: string | number;
  expected: CorpusExpectation;
}

export const DEPTH = 10_000;
export const MIB = 1024 * 1024;
export const TINY_KEYS = 100_000;

/** Raw JSON text that JSON.stringify cannot write (1e400, -0, 2^63 exactly, 10,000 levels) goes where the marker is. */
const RAW = (slot: number) => `\u0000raw-${slot}\u0000`;

/**
 * `value` as JSON text, each `RAW(i)` string in it replaced by `raw[i]`
 * (text, or bytes that are not UTF-8): JSON.stringify writes -0 as 0 and
 * 2^63 as 9223372036854776000, and recurses too deep for 10,000 levels.
 */
export function rawJson(value: unknown, raw: (string | Buffer)[]): Buffer {
  let text = JSON.stringify(value);
  const parts: Buffer[] = [];
  raw.forEach((piece, slot) => {
    // The marker as a whole JSON value (quotes included), or inside a longer string.
    let marker = JSON.stringify(RAW(slot));
    if (!text.includes(marker)) marker = marker.slice(1, -1);
    const at = text.indexOf(marker);
    if (at < 0) throw new Error(`raw slot ${slot} not found in the value`);
    parts.push(Buffer.from(text.slice(0, at)), Buffer.isBuffer(piece) ? piece : Buffer.from(piece));
    text = text.slice(at + marker.length);
  });
  parts.push(Buffer.from(text));
  return Buffer.concat(parts);
}

/** Inside a JSON string: `"car` + bytes + `car"` (the marker sits inside the string, the quotes stay). */
const inString = (slot: number) => `car${RAW(slot)}car`;
const stringRaw = (bytes: number[]) => Buffer.from(bytes);

const deepObject = (depth: number) => `${'{"x":'.repeat(depth)}1${'}'.repeat(depth)}`;
const deepArray = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
const tinyKeys = (count: number) =>
  `{${Array.from({ length: count }, (_, index) => `"${index.toString(36)}":0`).join(',')}}`;

/**
 * The records the issue lists, one concern each, into either topic: 10,000
 * levels of nesting, a 1 MiB string, 100k tiny keys, every JSON number edge,
 * bytes that are not UTF-8, a valid envelope around the other topic's payload
 * (and a good record of each topic as a control). Each says what must become
 * of it; `either` where the store decides (MongoDB and FerretDB may take or
 * refuse a deep or odd document, and either is fine as long as it ends somewhere).
 * Fresh event ids and match ids on every call.
 */
export function hostileCorpus(): CorpusRecord[] {
  const records: CorpusRecord[] = [];
  const somedata = (
    name: string,
    expected: CorpusExpectation,
    change: (event: Record<string, unknown>) => { value: unknown; raw?: (string | Buffer)[] },
    message: Partial<Message> = {},
  ) => {
    const event = somedataEvent('car', 1) as unknown as Record<string, unknown>;
    const { value, raw = [] } = change(event);
    records.push({
      name: `somedata/${name}`,
      topic: 'somedata',
      message: { key: 'car', value: rawJson(value, raw), ...message },
      storedId: String(event.eventId),
      expected,
    });
  };
  const footdata = (
    name: string,
    expected: CorpusExpectation,
    change: (
      event: Record<string, unknown>,
      match: Record<string, unknown>,
    ) => {
      value: unknown;
      raw?: (string | Buffer)[];
    },
  ) => {
    const event = footdataEvent(aMatch()) as unknown as Record<string, unknown>;
    const match = event.payload as Record<string, unknown>;
    const { value, raw = [] } = change(event, match);
    records.push({
      name: `footdata/${name}`,
      topic: 'footdata',
      message: { key: String(match.id), value: rawJson(value, raw) },
      storedId: Number(match.id),
      expected,
    });
  };
  const withPayload = (event: Record<string, unknown>, fields: Record<string, unknown>) => ({
    ...event,
    payload: { ...(event.payload as object), ...fields },
  });

  // Controls: a good record of each topic is stored.
  somedata('good', 'stored', (e) => ({ value: e }));
  footdata('good', 'stored', (e) => ({ value: e }));

  // 10,000 levels of nesting.
  somedata('depth-10000-value-root', 'too-deep', () => ({ value: RAW(0), raw: [deepArray(DEPTH)] }));
  somedata('depth-10000-envelope-field', 'too-deep', (e) => ({
    value: { ...e, extra: RAW(0) },
    raw: [deepObject(DEPTH)],
  }));
  somedata('depth-10000-items', 'too-deep', (e) => ({
    value: withPayload(e, { items: { 0: RAW(0) } }),
    raw: [deepObject(DEPTH)],
  }));
  footdata('depth-10000-objects', 'either', (e) => ({
    value: withPayload(e, { deep: RAW(0) }),
    raw: [deepObject(DEPTH)],
  }));
  footdata('depth-10000-arrays', 'either', (e) => ({
    value: withPayload(e, { deep: RAW(0) }),
    raw: [deepArray(DEPTH)],
  }));
  footdata('depth-10000-in-team', 'too-deep', (e, m) => ({
    value: withPayload(e, { homeTeam: { ...(m.homeTeam as object), crest: RAW(0) } }),
    raw: [deepObject(DEPTH)],
  }));

  // One string of 1 MiB.
  somedata('string-1mib-data', 'schema', (e) => ({ value: withPayload(e, { data: 'x'.repeat(MIB) }) }));
  somedata('string-1mib-event-id', 'schema', (e) => ({ value: { ...e, eventId: 'x'.repeat(MIB) } }));
  // A key of 64 KiB, around a good value and a bad one (kafkajs takes minutes to send a 1 MiB key: its cost grows faster than the key).
  somedata('key-64kib', 'stored', (e) => ({ value: e }), { key: 'k'.repeat(64 * 1024) });
  somedata('key-64kib-bad-value', 'schema', (e) => ({ value: withPayload(e, { number: 0 }) }), {
    key: 'k'.repeat(64 * 1024),
  });
  footdata('string-1mib-field', 'either', (e) => ({ value: withPayload(e, { commentary: 'x'.repeat(MIB) }) }));
  footdata('string-1mib-team-name', 'either', (e, m) => ({
    value: withPayload(e, { homeTeam: { ...(m.homeTeam as object), name: 'x'.repeat(MIB) } }),
  }));

  // 100k tiny keys.
  somedata('keys-100k-envelope', 'too-many-fields', (e) => ({
    value: { ...e, extra: RAW(0) },
    raw: [tinyKeys(TINY_KEYS)],
  }));
  somedata('keys-100k-items', 'too-many-fields', (e) => ({
    value: withPayload(e, { items: RAW(0) }),
    raw: [tinyKeys(TINY_KEYS)],
  }));
  footdata('keys-100k-field', 'either', (e) => ({
    value: withPayload(e, { extra: RAW(0) }),
    raw: [tinyKeys(TINY_KEYS)],
  }));

  // Every JSON number edge: where the schema checks the number it refuses it; where the payload
  // keeps unknown fields, the store takes it or refuses it.
  const edges: [string, string][] = [
    ['1e400', '1e400'],
    ['minus-1e400', '-1e400'],
    ['10-pow-400-as-integer', `1${'0'.repeat(400)}`],
    ['minus-0', '-0'],
    ['minus-0.0', '-0.0'],
    ['2-pow-63', '9223372036854775808'],
    ['minus-2-pow-63-minus-1', '-9223372036854775809'],
    ['2-pow-64', '18446744073709551616'],
    ['2-pow-53-plus-1', '9007199254740993'],
    ['max-double', '1.7976931348623157e308'],
    ['denormal', '5e-324'],
    ['underflow-1e-400', '1e-400'],
    ['long-fraction', `0.${'1'.repeat(1_000)}`],
  ];
  for (const [name, text] of edges) {
    somedata(`number-${name}`, 'schema', (e) => ({ value: withPayload(e, { number: RAW(0) }), raw: [text] }));
    footdata(`unknown-field-${name}`, 'either', (e) => ({ value: withPayload(e, { odds: RAW(0) }), raw: [text] }));
  }
  footdata('match-id-2-pow-63', 'schema', (e) => ({
    value: withPayload(e, { id: RAW(0) }),
    raw: ['9223372036854775808'],
  }));
  footdata('match-id-1e400', 'schema', (e) => ({ value: withPayload(e, { id: RAW(0) }), raw: ['1e400'] }));
  footdata('match-id-minus-0', 'schema', (e) => ({ value: withPayload(e, { id: RAW(0) }), raw: ['-0'] }));
  footdata('minute-minus-0', 'stored', (e) => ({ value: withPayload(e, { minute: RAW(0) }), raw: ['-0'] }));
  footdata('goals-1e400', 'schema', (e, m) => ({
    value: withPayload(e, { score: { ...(m.score as object), fullTime: { home: RAW(0), away: 0 } } }),
    raw: ['1e400'],
  }));
  // The same number written differently is the same number: these are valid.
  somedata('number-1.0', 'stored', (e) => ({ value: withPayload(e, { number: RAW(0) }), raw: ['1.0'] }));
  somedata('number-1e0', 'stored', (e) => ({ value: withPayload(e, { number: RAW(0) }), raw: ['1e0'] }));

  // Bytes that are not UTF-8 (the consumer decodes strictly).
  const notUtf8: [string, number[]][] = [
    ['ff-fe', [0xff, 0xfe]],
    ['overlong-slash', [0xc0, 0xaf]],
    ['surrogate-half', [0xed, 0xa0, 0x80]],
    ['truncated-euro', [0xe2, 0x82]],
    ['five-byte-form', [0xf8, 0x88, 0x80, 0x80, 0x80]],
    ['continuation-alone', [0x80]],
    ['above-u10ffff', [0xf4, 0x90, 0x80, 0x80]],
  ];
  for (const [name, bytes] of notUtf8) {
    somedata(`utf8-${name}-in-data`, 'decode', (e) => ({
      value: withPayload(e, { data: inString(0) }),
      raw: [stringRaw(bytes)],
    }));
    footdata(`utf8-${name}-in-unknown-field`, 'decode', (e) => ({
      value: withPayload(e, { note: inString(0) }),
      raw: [stringRaw(bytes)],
    }));
  }
  somedata('utf8-latin1-value', 'decode', (e) => ({
    value: withPayload(e, { data: inString(0) }),
    raw: [Buffer.from('é', 'latin1')],
  }));
  // Valid UTF-8 text, odd strings: an escaped lone surrogate and a NUL are valid JSON.
  footdata('escaped-lone-surrogate', 'either', (e) => ({
    value: withPayload(e, { note: RAW(0) }),
    raw: ['"\\ud800"'],
  }));
  footdata('escaped-nul', 'either', (e) => ({ value: withPayload(e, { note: RAW(0) }), raw: ['"a\\u0000b"'] }));
  // Not the value: a key and a header that are not UTF-8 around a good value (the sink reads neither).
  somedata('utf8-invalid-key', 'stored', (e) => ({ value: e }), { key: Buffer.from([0xff, 0xfe, 0x00]) });
  somedata('utf8-invalid-header', 'stored', (e) => ({ value: e }), { headers: { 'x-odd': Buffer.from([0xc0, 0xaf]) } });

  // A valid envelope around the other topic's payload, and the other topic's whole event.
  somedata('envelope-with-match-payload', 'schema', (e) => ({ value: { ...e, payload: aMatch() } }));
  footdata('envelope-with-somedata-payload', 'schema', (e) => ({
    value: { ...e, payload: { data: 'car', number: 1, items: { 0: 'car' } } },
  }));
  somedata('footdata-event', 'schema', () => ({ value: footdataEvent(aMatch()) }));
  footdata('somedata-event', 'schema', () => ({ value: somedataEvent('car', 1) }));

  return records;
}
