/**
 * `startApi()`: the producers API in-process — Kafka publisher connected,
 * /footdata feed, Express app listening — and `stop()` to take it down in order:
 * stop accepting requests (in-flight ones finish), flush the publisher, disconnect.
 * `main.ts` runs it as a service; tests and other services start it on port 0.
 */
import type { Registry } from 'prom-client';
import type { Config } from '../lib/config';
import { describeError } from '../lib/errors';
import { listenService, serviceBase, type RunningService, type ServiceDeps } from '../lib/http/service';
import { Publisher } from '../lib/kafka/publisher';
import type { Logger } from '../lib/logger';
import { closeServer } from '../lib/observability';
import { retry } from '../lib/retry';
import { Shutdown } from '../lib/shutdown';
import { createApp, SERVICE } from './app';
import { createFootdataFeed } from './football/create-feed';
import { createIdempotency } from './idempotency';
import type { FootdataFeed } from './football/feed';

/** `connectRetries` counts the attempts to connect to Kafka; `port` defaults to config.api.port. */
export interface ApiDeps extends ServiceDeps {
  /** The /footdata feed. Default: from config.football (football-data.org, or the simulator without a token). */
  footdata?: FootdataFeed;
}

/** `stop()`: stop accepting, let in-flight requests finish, flush the publisher, disconnect. */
export interface RunningApi extends RunningService {
  publisher: Publisher;
  registry: Registry;
}

export async function startApi(config: Config, log: Logger, deps: ApiDeps = {}): Promise<RunningApi> {
  const { registry, kafka, connecting } = serviceBase(SERVICE, config, log, deps);
  // The somedata topic's max.message.bytes is read at connect(): batches stay below it.
  const publisher = new Publisher(kafka, {
    ...config.api.publish,
    topics: [config.kafka.topics.somedata],
    registry,
    log,
  });
  await retry(() => publisher.connect(), {
    ...connecting,
    onRetry: ({ error, attempt, delayMs }) =>
      log.warn({ attempt, delayMs, reason: describeError(error) }, 'cannot connect to Kafka yet, retrying'),
  });

  let draining = false;
  // Connects to Redis on the first keyed request only; not a readiness check (docs/ARCHITECTURE.md §9).
  const idempotency = createIdempotency(config, log);
  const app = createApp({
    log,
    registry,
    publisher,
    footdata: deps.footdata ?? createFootdataFeed(config.football, log, registry),
    somedataTopic: config.kafka.topics.somedata,
    draining: () => draining,
    idempotency,
    ...(deps.readiness && { readiness: deps.readiness }),
  });
  let listening;
  try {
    listening = await listenService(app, config, deps, config.api.port);
  } catch (error) {
    await publisher.close();
    await idempotency.close();
    throw error;
  }
  const { server, port, url } = listening;
  log.info({ port, topic: config.kafka.topics.somedata }, 'producers API listening');

  const shutdown = new Shutdown(log, { stepTimeoutMs: Math.max(10_000, config.api.publish.timeoutMs * 2) })
    .add('stop accepting requests, finish those in flight', () => {
      draining = true;
      return closeServer(server);
    })
    .add('flush the publisher and disconnect from Kafka', () => publisher.close())
    .add('idempotency key store (redis)', () => idempotency.close());

  return { url, port, publisher, registry, stop: () => shutdown.run('stop') };
}
