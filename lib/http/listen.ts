/**
 * The one way a service starts an HTTP server (the API, the admin server, the
 * ops servers of the consumer and the worker): every one binds HTTP_HOST
 * (loopback by default) and applies the same limits from lib/config.ts, so a
 * slow or greedy client cannot hold a server's sockets:
 *
 * - `headersTimeout`: the request line and headers must arrive within
 *   HTTP_HEADERS_TIMEOUT_MS (a slow-loris client sending a byte a second is cut off);
 * - `requestTimeout`: the whole request, body included, within HTTP_REQUEST_TIMEOUT_MS;
 * - `keepAliveTimeout`: an idle keep-alive connection closes after HTTP_KEEP_ALIVE_TIMEOUT_MS;
 * - `maxConnections`: past HTTP_MAX_CONNECTIONS open at once, new connections
 *   are closed as they arrive (Node drops them before any byte is read).
 *
 * Node checks the two request timeouts every `connectionsCheckingInterval`
 * (30 s by default, which would let a slow client keep a socket 30 s past its
 * timeout); here it is a quarter of the headers timeout, at most 1 s.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpServerSettings } from '../config';

export interface Listening {
  server: Server;
  port: number;
  /** A URL to call it on from this machine, e.g. http://127.0.0.1:5000. */
  url: string;
}

export interface ListenOptions {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** The limits and the interface, from config.http (HTTP_*). */
  http: HttpServerSettings;
  /** Listen on this interface instead of `http.host`. Default: `http.host`. */
  host?: string;
}

/** The server, its limits applied, not listening yet. */
function createHttpServer(handler: RequestListener, http: HttpServerSettings): Server {
  const server = createServer(
    {
      headersTimeout: http.headersTimeoutMs,
      requestTimeout: http.requestTimeoutMs,
      keepAliveTimeout: http.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(http.headersTimeoutMs / 4))),
    },
    handler,
  );
  server.maxConnections = http.maxConnections;
  return server;
}

/** Listen with the settings of `options.http`, and say where. */
export async function listen(handler: RequestListener, options: ListenOptions): Promise<Listening> {
  const host = options.host ?? options.http.host;
  const server = createHttpServer(handler, options.http);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  const callable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return { server, port: actual, url: `http://${callable}:${actual}` };
}
