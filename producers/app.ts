/**
 * The producers' Express app: the shared HTTP plumbing (lib/http/json-api.ts:
 * request id and logger, metrics, security headers, /openapi.json, 404 and
 * error JSON, the ops routes) around the routes of this service.
 */
import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { createJsonApi } from '../lib/http/json-api';
import type { Publisher } from '../lib/kafka/publisher';
import type { Logger } from '../lib/logger';
import type { ReadinessCheck } from '../lib/observability';
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
  /** /readyz checks besides Kafka's; a `kafka` one replaces the publisher's own. Default: none. */
  readiness?: Record<string, ReadinessCheck>;
}

export function createApp(deps: AppDeps): Express {
  return createJsonApi({
    service: SERVICE,
    log: deps.log,
    registry: deps.registry,
    readiness: { kafka: () => deps.publisher.isReady(), ...deps.readiness },
    openapi: openApiDocument(),
    mount: (app) => {
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
      app.use(welcomeRoutes());
      app.use(footdataRoutes(deps.footdata));
    },
  });
}
