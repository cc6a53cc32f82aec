/**
 * The read API's Express app: the shared HTTP plumbing (lib/http/json-api.ts:
 * request id and logger, metrics, security headers, /openapi.json, 404 and
 * error JSON, the ops routes) around the read routes.
 */
import type { Express } from 'express';
import { createJsonApi, type JsonApiOptions } from '../lib/http/json-api';
import { readerOpenApiDocument } from './openapi';
import type { ReadSource } from './queries';
import { readerRoutes } from './routes';

export const SERVICE = 'reader';

export interface ReaderAppDeps extends Pick<JsonApiOptions, 'log' | 'registry' | 'readiness'> {
  /** Where the routes read (reader/queries.ts). */
  source: ReadSource;
}

export function createReaderApp({ source, ...deps }: ReaderAppDeps): Express {
  return createJsonApi({
    ...deps,
    service: SERVICE,
    openapi: readerOpenApiDocument(),
    mount: (app) => app.use(readerRoutes(source)),
  });
}
