/**
 * The read API's Express app: the shared HTTP plumbing of lib/http (request id
 * and logger, metrics, security headers, ops routes, 404 and error JSON) around
 * the read routes.
 */
import express, { type Express } from 'express';
import type { Db } from 'mongodb';
import type { Registry } from 'prom-client';
import { errorHandler } from '../lib/http/error-handler';
import { httpMetrics } from '../lib/http/http-metrics';
import { notFound } from '../lib/http/not-found';
import { opsRoutes } from '../lib/http/ops-routes';
import { requestContext } from '../lib/http/request-context';
import { securityHeaders } from '../lib/http/security-headers';
import type { Logger } from '../lib/logger';
import type { ReadinessCheck } from '../lib/observability';
import { readerOpenApiDocument } from './openapi';
import { readerRoutes } from './routes';

export const SERVICE = 'reader';

export interface ReaderAppDeps {
  log: Logger;
  registry: Registry;
  db: Db;
  readiness: Record<string, ReadinessCheck>;
}

export function createReaderApp(deps: ReaderAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  const openapi = readerOpenApiDocument();
  app.use(requestContext(deps.log));
  app.use(httpMetrics(deps.registry));
  app.use(securityHeaders());
  app.use(opsRoutes({ service: SERVICE, registry: deps.registry, readiness: deps.readiness }));
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use(readerRoutes(deps.db));
  app.use(notFound());
  app.use(errorHandler(deps.log));
  return app;
}
