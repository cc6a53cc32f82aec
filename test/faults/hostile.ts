/**
 * Generators (fast-check) of hostile input for the fault tests: HTTP requests
 * against every route of the API (random methods, paths, query strings,
 * headers and bodies, oversized and malformed), raw bytes that are not quite
 * HTTP, and Kafka records that are not quite pipeline events.
 */
import fc from 'fast-check';
import type { Message } from 'kafkajs';
import { PipelineEvent } from '../../lib/schemas';
import { aMatch, footdataEvent, somedataEvent } from '../support/consumer';

/** Every route of the API (DESIGN §8). */
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
