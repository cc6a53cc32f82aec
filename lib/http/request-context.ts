/**
 * A request id and a child logger per HTTP request: the id comes from
 * `X-Request-Id` when the caller sent a sane one, else a new UUID; it is echoed
 * back and stamped on every log line of the request (`req.log`).
 */
import { randomUUID } from 'node:crypto';
import express, { type Request, type RequestHandler } from 'express';
import type { Logger } from '../logger';

const BASE_LOG = Symbol('base logger');
const CHILD_LOG = Symbol('request logger');

declare module 'express-serve-static-core' {
  interface Request {
    /** The request id (X-Request-Id). */
    id: string;
    /** A logger with `reqId` bound. */
    log: Logger;
    [BASE_LOG]?: Logger;
    [CHILD_LOG]?: Logger;
  }
}

// `req.log` is made on first use: most requests never log. The getter sits on
// Express's request prototype, defined once: an accessor defined on each request
// would give every request object its own hidden class (measured on the API's
// hot path: bench/api-vs-bare.ts).
Object.defineProperty(express.request, 'log', {
  configurable: true,
  // Undefined on a request requestContext() did not see.
  get(this: Request): Logger | undefined {
    return (this[CHILD_LOG] ??= this[BASE_LOG]?.child({ reqId: this.id }));
  },
});

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestContext(log: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const id = incoming && SANE_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    req[BASE_LOG] = log;
    res.setHeader('X-Request-Id', id);
    // Failures are logged by the error handler; every answer only at debug level.
    if (log.isLevelEnabled('debug')) {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        req.log.debug(
          { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 },
          'request answered',
        );
      });
    }
    next();
  };
}
