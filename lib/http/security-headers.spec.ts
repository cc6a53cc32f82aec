import express, { type RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';
import type { AddressInfo } from 'node:net';
import { JSON_API_HELMET, securityHeaders } from './security-headers';

/** The headers one request gets through `middleware`. */
async function headersOf(middleware: RequestHandler): Promise<Record<string, string>> {
  const app = express();
  app.use(middleware);
  app.get('/', (_req, res) => {
    res.json({});
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const { date: _date, ...headers } = Object.fromEntries(response.headers);
    return headers;
  } finally {
    server.close();
  }
}

describe('securityHeaders', () => {
  const dashboardLike: HelmetOptions = { contentSecurityPolicy: { directives: { styleSrc: ["'self'"] } } };
  it.each([
    ['the JSON API defaults', JSON_API_HELMET],
    ['helmet defaults plus a directive', dashboardLike],
  ])('sets exactly what helmet sets, with %s', async (_name, options) => {
    expect(await headersOf(securityHeaders(options))).toEqual(await headersOf(helmet(options)));
  });
});
