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
 *
 * An Express app's requests and responses are built with the app's own
 * prototypes (`expressServerClasses`).
 */
import { createServer, IncomingMessage, ServerResponse, type RequestListener, type Server } from 'node:http';
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

/**
 * Express gives every request and response the app's prototypes
 * (`Object.setPrototypeOf` in its `app.handle`). An object whose prototype is
 * changed after it was built no longer shares V8's hidden classes with the
 * others, and every property read on it afterwards (in Express, the router,
 * the middleware, the route) misses V8's inline caches: about half of a small
 * Express route's CPU per request (bench/README.md, "Profiling the API").
 * Built with those prototypes from the start, Express's setPrototypeOf finds
 * nothing to change. The objects and their prototype chain are the same
 * (`req instanceof IncomingMessage` holds). Any other handler: Node's classes.
 */
function expressServerClasses(handler: RequestListener): {
  IncomingMessage?: typeof IncomingMessage;
  ServerResponse?: typeof ServerResponse;
} {
  const { request, response } = handler as unknown as { request?: unknown; response?: unknown };
  const derives = (prototype: unknown, base: { prototype: object }) =>
    typeof prototype === 'object' &&
    prototype !== null &&
    Object.prototype.isPrototypeOf.call(base.prototype, prototype);
  if (!derives(request, IncomingMessage) || !derives(response, ServerResponse)) return {};
  // Node's constructors are plain functions (called on the object `new` made with our prototype); should a
  // Node release make them classes, which cannot be called so, its own are used. Reflect.construct would
  // work with both, but at twice the CPU of the whole request.
  const isClass = (constructor: unknown) => /^class\b/.test(Function.prototype.toString.call(constructor));
  if (isClass(IncomingMessage) || isClass(ServerResponse)) return {};
  const NodeRequest = IncomingMessage as unknown as (this: unknown, ...args: unknown[]) => void;
  const NodeResponse = ServerResponse as unknown as (this: unknown, ...args: unknown[]) => void;
  // Node builds them as `new IncomingMessage(socket)` and `new ServerResponse(req, options)`.
  function ExpressRequest(this: unknown, socket: unknown): void {
    NodeRequest.call(this, socket);
  }
  ExpressRequest.prototype = request as object;
  function ExpressResponse(this: unknown, req: unknown, options: unknown): void {
    NodeResponse.call(this, req, options);
  }
  ExpressResponse.prototype = response as object;
  return {
    IncomingMessage: ExpressRequest as unknown as typeof IncomingMessage,
    ServerResponse: ExpressResponse as unknown as typeof ServerResponse,
  };
}

/** The server, its limits applied, not listening yet. */
function createHttpServer(handler: RequestListener, http: HttpServerSettings): Server {
  const server = createServer(
    {
      ...expressServerClasses(handler),
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
