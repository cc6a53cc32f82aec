/**
 * Bad input to `/somedata` is refused with a 400 that names the field, and
 * nothing reaches Kafka: the topic stays empty.
 */
import type { ErrorBody } from '../../lib/http/error-response';
import { endOffsetTotal } from '../../harness/consumer';
import { useTestApi } from '../../harness/producers';

const under = useTestApi();

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('bad input to /somedata', () => {
  it.each<[string, string, string, RequestInit | undefined]>([
    ['empty data', 'data', '/somedata/', undefined],
    ['no data at all', 'data', '/somedata', undefined],
    ['data of 65 characters', 'data', `/somedata/${'a'.repeat(65)}`, undefined],
    ['a space', 'data', '/somedata/a%20b', undefined],
    ['a dot', 'data', '/somedata/a.b', undefined],
    ['a dollar', 'data', '/somedata/%24where', undefined],
    ['a NUL byte', 'data', '/somedata/a%00b', undefined],
    ['unicode', 'data', '/somedata/%C3%A9t%C3%A9', undefined],
    ['fullwidth look-alikes', 'data', `/somedata/${encodeURIComponent('ｃａｒ')}`, undefined],
    ['an encoded slash', 'data', '/somedata/a%2Fb', undefined],
    ['an encoded path traversal', 'data', '/somedata/..%2F..%2Fetc%2Fpasswd', undefined],
    ['number 0', 'number', '/somedata/car?number=0', undefined],
    ['number 101', 'number', '/somedata/car?number=101', undefined],
    ['number -1', 'number', '/somedata/car?number=-1', undefined],
    ['number 1.5', 'number', '/somedata/car?number=1.5', undefined],
    ['number abc', 'number', '/somedata/car?number=abc', undefined],
    ['number 1e9', 'number', '/somedata/car?number=1e9', undefined],
    ['number 0x10', 'number', '/somedata/car?number=0x10', undefined],
    ['an empty number', 'number', '/somedata/car?number=', undefined],
    ['number given twice', 'number', '/somedata/car?number=1&number=2', undefined],
    ['number as an object', 'number[a]', '/somedata/car?number[a]=1', undefined],
    ['an unknown query parameter', 'colour', '/somedata/car?colour=red', undefined],
    ['a bad X-Run-Id', 'x-run-id', '/somedata/car', { headers: { 'x-run-id': 'run/../1' } }],
    ['a bad X-Source', 'x-source', '/somedata/car', { headers: { 'x-source': 'browser' } }],
    ['POST: empty data', 'data', '/somedata', json({ data: '' })],
    ['POST: missing data', 'data', '/somedata', json({ number: 2 })],
    ['POST: number 0', 'number', '/somedata', json({ data: 'car', number: 0 })],
    ['POST: number 101', 'number', '/somedata', json({ data: 'car', number: 101 })],
    ['POST: number 1.5', 'number', '/somedata', json({ data: 'car', number: 1.5 })],
    ['POST: number as a string', 'number', '/somedata', json({ data: 'car', number: '3' })],
    ['POST: an unknown field', 'admin', '/somedata', json({ data: 'car', admin: true })],
    ['POST: an array body', 'body', '/somedata', json([{ data: 'car' }])],
    ['POST: malformed JSON', 'body', '/somedata', json('{"data": "car"')],
    [
      'POST: a form body',
      'body',
      '/somedata',
      { method: 'POST', body: 'data=car&number=2', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    ],
    ['POST: a bad X-Source', 'x-source', '/somedata', json({ data: 'car' }, { 'x-source': 'job:' })],
  ])('%s: 400 naming %s', async (_what, field, path, init) => {
    const response = await fetch(`${under.api.url}${path}`, init);
    expect(response.status).toBe(400);
    const body = (await response.json()) as ErrorBody;
    expect(body.error).toMatchObject({ code: expect.any(String), field });
    expect(body.error.message.startsWith(`${field}: `)).toBe(true);
    expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });

  it('answers HEAD with 405: a probe publishes nothing', async () => {
    const response = await fetch(`${under.api.url}/somedata/car`, { method: 'HEAD' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
  });

  it('refuses a body over the limit with 413', async () => {
    const response = await fetch(`${under.api.url}/somedata`, json({ data: 'car', pad: 'x'.repeat(64 * 1024) }));
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'payload_too_large', field: 'body' } });
  });

  it('published none of them: the topic is still empty', async () => {
    expect(await endOffsetTotal(under.topics.admin, under.topics.config.kafka.topics.somedata)).toBe(0);
    const metrics = await (await fetch(`${under.api.url}/metrics`)).text();
    expect(metrics).not.toMatch(/publisher_records_total\{/);
    expect(metrics).toMatch(/http_requests_total\{method="GET",route="\/somedata\/:data",status="400"/);
  });
});
