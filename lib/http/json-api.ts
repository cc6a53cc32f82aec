/**
 * An Express app built the way every API of this repository is: no
 * `X-Powered-By` or ETag; the request id and logger, HTTP metrics and security
 * headers first; then the service's own routes (`mount`, in the order it adds
 * them, so a hot route can come first); then `/healthz`, `/readyz`, `/metrics`
 * (lib/http/ops-routes.ts), `/openapi.json`, the 404 for every other path and
 * the one error handler (no stack trace reaches a client).
 */
import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger';
import type { ReadinessCheck } from '../observability';
import { errorHandler } from './error-handler';
import { httpMetrics } from './http-metrics';
import { notFound } from './not-found';
import { opsRoutes } from './ops-routes';
import { requestContext } from './request-context';
import { securityHeaders } from './security-headers';

export interface JsonApiOptions {
  /** The service's name, in its metrics and /healthz. */
  service: string;
  log: Logger;
  registry: Registry;
  /** Named checks behind /readyz. */
  readiness: Record<string, ReadinessCheck>;
  /** The OpenAPI document served at /openapi.json (computed once). */
  openapi: object;
  /** Add the service's routes and middleware; they run after the shared ones, before the 404. */
  mount(app: Express): void;
}

export function createJsonApi(options: JsonApiOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(requestContext(options.log));
  app.use(httpMetrics(options.registry));
  app.use(securityHeaders());
  options.mount(app);
  app.use(opsRoutes({ service: options.service, registry: options.registry, readiness: options.readiness }));
  app.get('/openapi.json', (_req, res) => {
    res.json(options.openapi);
  });
  app.use(notFound());
  app.use(errorHandler(options.log));
  return app;
}
