import { IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { HttpServerSettings } from '../config';
import { listen } from './listen';

const HTTP: HttpServerSettings = {
  host: '127.0.0.1',
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 100,
};

/** An app that uses what Express puts on the request and the response. */
function anApp() {
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    res.locals.seen = req.get('x-probe') ?? 'none';
    res.setHeader('X-Middleware', 'ran');
    next();
  });
  const router = express.Router();
  router.get('/items/:id', (req, res) => {
    res.set({ 'X-Item': req.params.id, 'Cache-Control': 'no-store' });
    res.status(201).json({
      id: req.params.id,
      query: req.query,
      path: req.path,
      seen: res.locals.seen,
      app: req.app === app,
      requestIsNodes: req instanceof IncomingMessage,
      responseIsNodes: res instanceof ServerResponse,
      prototypes: Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response,
    });
  });
  app.use(router);
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  return app;
}

async function call(url: string, path: string) {
  const response = await fetch(`${url}${path}`, { headers: { 'x-probe': 'probe' } });
  const headers = Object.fromEntries([...response.headers].filter(([name]) => name !== 'date'));
  return { status: response.status, headers, body: await response.json() };
}

const closeAll: Server[] = [];
afterEach(async () => {
  await Promise.all(closeAll.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('listen', () => {
  it("answers an Express app's requests as app.listen does, its requests built with the app's prototypes", async () => {
    const app = anApp();
    const ours = await listen(app, { port: 0, http: HTTP });
    closeAll.push(ours.server);
    const plain = app.listen(0, '127.0.0.1');
    closeAll.push(plain);
    await new Promise((resolve) => plain.once('listening', resolve));
    const plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;

    for (const path of ['/items/a1?x=1&y=two', '/nowhere']) {
      const [a, b] = [await call(ours.url, path), await call(plainUrl, path)];
      expect(a).toEqual(b);
    }
    expect((await call(ours.url, '/items/a1?x=1')).body).toEqual({
      id: 'a1',
      query: { x: '1' },
      path: '/items/a1',
      seen: 'probe',
      app: true,
      requestIsNodes: true,
      responseIsNodes: true,
      prototypes: true,
    });
  });

  it('serves a plain request listener with Node’s own classes', async () => {
    const { server, url } = await listen(
      (req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ node: Object.getPrototypeOf(req) === IncomingMessage.prototype, url: req.url }));
      },
      { port: 0, http: HTTP },
    );
    closeAll.push(server);
    expect((await call(url, '/x?y=1')).body).toEqual({ node: true, url: '/x?y=1' });
  });
});
