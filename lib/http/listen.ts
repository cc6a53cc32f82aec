/** Start an HTTP server for a request handler (an Express app) and say where it listens. */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  server: Server;
  port: number;
  /** A URL to call it on from this machine, e.g. http://127.0.0.1:5000. */
  url: string;
}

/** Listen on `port` (0 = any free port) and `host` (default: every interface). */
export async function listen(handler: RequestListener, port: number, host = '0.0.0.0'): Promise<Listening> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  const callable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return { server, port: actual, url: `http://${callable}:${actual}` };
}
