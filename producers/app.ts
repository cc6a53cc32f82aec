/**
 * The producers' Express app: shared HTTP plumbing from lib/http (request id
 * and logger, metrics, security headers, ops routes, 404 and error JSON) around
 * the routes of this service.
 */
import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import { errorHandler } from '../lib/http/error-handler';
import { httpMetrics } from '../lib/http/http-metrics';
import { notFound } from '../lib/http/not-found';
import { opsRoutes } from '../lib/http/ops-routes';
import { requestContext } from '../lib/http/request-context';
import { securityHeaders } from '../lib/http/security-headers';
import type { Publisher } from '../lib/kafka/publisher';
import type { Logger } from '../lib/logger';
import type { FootdataFeed } from './football/feed';
import type { Idempotency } from './idempotency';
import { openApiDocument } from './openapi';
import { footdataRoutes } from './routes/footdata';
import { somedataRoutes } from './routes/somedata';
import { welcomeRoutes } from './routes/welcome';

export const SERVICE = 'producers';

export interface AppDeps {
  log: Logger;
  registry: Registry;
  publisher: Publisher;
  footdata: FootdataFeed;
  somedataTopic: string;
  /** True once shutdown began: answers then close their connection. */
  draining: () => boolean;
  /** The Idempotency-Key store of /somedata. Default: none (a keyed request is 503). */
  idempotency?: Idempotency;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  const openapi = openApiDocument();

  app.use(requestContext(deps.log));
  app.use(httpMetrics(deps.registry));
  app.use(securityHeaders());
  app.use((_req, res, next) => {
    if (deps.draining()) res.set('Connection', 'close');
    next();
  });
  // The hot route first: every layer before it is matched against each request (the paths do not overlap).
  app.use(
    somedataRoutes({
      publisher: deps.publisher,
      topic: deps.somedataTopic,
      bodyLimit: '16kb',
      log: deps.log,
      ...(deps.idempotency && { idempotency: deps.idempotency }),
    }),
  );
  app.use(
    opsRoutes({ service: SERVICE, registry: deps.registry, readiness: { kafka: () => deps.publisher.isReady() } }),
  );
  app.use(welcomeRoutes());
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use(footdataRoutes(deps.footdata));
  app.use(notFound());
  app.use(errorHandler(deps.log));
  return app;
}
