import express from 'express';
import { Writable } from 'node:stream';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { closeServer } from '../observability';
import { listen, type Listening } from './listen';
import { requestContext } from './request-context';

/** Every line the logger wrote, parsed. */
const lines: Record<string, unknown>[] = [];
const destination = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
    done();
  },
});
let api: Listening;

beforeAll(async () => {
  const app = express();
  app.use(requestContext(createLogger({ service: 'test', level: 'debug', destination })));
  app.get('/hello', (req, res) => {
    req.log.info({ step: 'route' }, 'hello');
    res.json({ id: req.id });
  });
  app.get('/quiet', (_req, res) => {
    res.json({});
  });
  api = await listen(app, { port: 0, http: loadConfig({}).http });
});

afterAll(() => closeServer(api.server));

const call = (path: string, headers: Record<string, string> = {}) => fetch(`${api.url}${path}`, { headers });

describe('requestContext', () => {
  it("binds each request's id to its own logger, and logs every answer at debug level", async () => {
    lines.length = 0;
    await call('/hello', { 'x-request-id': 'first-1' });
    await call('/hello', { 'x-request-id': 'second-2' });
    await call('/quiet', { 'x-request-id': 'third-3' });
    const said = lines.map(({ reqId, msg, status }) => ({ reqId, msg, ...(status !== undefined && { status }) }));
    expect(said).toEqual([
      { reqId: 'first-1', msg: 'hello' },
      { reqId: 'first-1', msg: 'request answered', status: 200 },
      { reqId: 'second-2', msg: 'hello' },
      { reqId: 'second-2', msg: 'request answered', status: 200 },
      { reqId: 'third-3', msg: 'request answered', status: 200 },
    ]);
  });

  it('gives a made-up id to a request without a sane one, and uses it in the logs', async () => {
    lines.length = 0;
    const answer = await call('/hello', { 'x-request-id': 'no spaces <script>' });
    const { id } = (await answer.json()) as { id: string };
    expect(answer.headers.get('x-request-id')).toBe(id);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.map((line) => line.reqId)).toEqual([id, id]);
  });
});
