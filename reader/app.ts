/**
 * The read API's Express app: the shared HTTP plumbing (lib/http/json-api.ts:
 * request id and logger, metrics, security headers, /openapi.json, 404 and
 * error JSON) around the ops routes and the read routes.
 */
import type { Express } from 'express';
import type { Db } from 'mongodb';
import type { Registry } from 'prom-client';
import { createJsonApi } from '../lib/http/json-api';
import { opsRoutes } from '../lib/http/ops-routes';
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
  return createJsonApi({
    log: deps.log,
    registry: deps.registry,
    openapi: readerOpenApiDocument(),
    mount: (app) => {
      app.use(opsRoutes({ service: SERVICE, registry: deps.registry, readiness: deps.readiness }));
      app.use(readerRoutes(deps.db));
    },
  });
}
