import express from 'express';
import { Registry } from 'prom-client';
import { loadConfig } from '../config';
import { UnavailableError, UpstreamError, ValidationError } from '../errors';
import { createLogger } from '../logger';
import { closeServer } from '../observability';
import { errorHandler } from './error-handler';
import { httpMetrics } from './http-metrics';
import { listen, type Listening } from './listen';
import { notFound } from './not-found';
import { requestContext } from './request-context';
import { securityHeaders } from './security-headers';

const log = createLogger({ service: 'test', level: 'silent' });
const registry = new Registry();
let api: Listening;

beforeAll(async () => {
  const app = express();
  app.use(requestContext(log), httpMetrics(registry), securityHeaders());
  app.get('/invalid', () => {
    throw new ValidationError('number: must be between 1 and 100', 'number');
  });
  app.get('/unavailable', () => {
    throw new UnavailableError('Kafka is away', { retryAfterMs: 2_500 });
  });
  app.get('/upstream', () => {
    throw new UpstreamError('football-data.org is away');
  });
  app.get('/bug', () => {
    throw new TypeError('secret internals at /srv/app.js:12');
  });
  app.get('/param/:value', (req, res) => {
    res.json({ value: req.params.value });
  });
  app.post('/json', express.json({ limit: '1kb' }), (req, res) => {
    res.json(req.body);
  });
  app.use(notFound(), errorHandler(log));
  api = await listen(app, { port: 0, http: loadConfig({}).http });
});
afterAll(() => closeServer(api.server));

async function call(path: string, init?: RequestInit) {
  const response = await fetch(`${api.url}${path}`, init);
  return { status: response.status, headers: response.headers, body: await response.json() };
}

describe('the shared HTTP error handling', () => {
  it.each([
    ['/invalid', 400, { code: 'invalid_request', message: 'number: must be between 1 and 100', field: 'number' }],
    ['/unavailable', 503, { code: 'unavailable', message: 'Kafka is away' }],
    ['/upstream', 502, { code: 'bad_gateway', message: 'football-data.org is away' }],
    ['/bug', 500, { code: 'internal', message: 'internal error' }],
    ['/nowhere', 404, { code: 'not_found', message: 'no route for GET /nowhere' }],
    ['/param/%E0%A4%A', 400, { code: 'invalid_request', message: 'the URL is not valid percent-encoding' }],
  ])('answers %s with %i and the JSON error, never a stack trace', async (path, status, error) => {
    const answer = await call(path);
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({ error });
    expect(JSON.stringify(answer.body)).not.toMatch(/at |\.js:|secret/);
  });

  it('tells a 503 caller when to come back', async () => {
    expect((await call('/unavailable')).headers.get('retry-after')).toBe('3');
  });

  it('answers bad JSON with 400 and an oversized body with 413', async () => {
    const post = (body: string) =>
      call('/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(await post('{"data":')).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_json', field: 'body' } },
    });
    expect(await post(JSON.stringify({ pad: 'x'.repeat(2_000) }))).toMatchObject({
      status: 413,
      body: { error: { code: 'payload_too_large' } },
    });
  });

  it('echoes a sane request id, makes one up otherwise, and sets security headers', async () => {
    const given = await call('/param/x', { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const made = await call('/param/x', { headers: { 'x-request-id': 'no spaces <script>' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(made.headers.get('x-powered-by')).toBeNull();
    expect(made.headers.get('x-content-type-options')).toBe('nosniff');
    expect(made.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('counts requests by route pattern, not by raw path', async () => {
    await call('/param/one');
    await call('/param/two');
    const text = await registry.metrics();
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/param\/:value",status="200"\} \d+/);
    expect(text).not.toContain('/param/one');
  });
});
