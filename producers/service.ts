/**
 * `startApi()`: the producers API in-process — Kafka publisher connected,
 * /footdata feed, Express app listening — and `stop()` to take it down in order:
 * stop accepting requests (in-flight ones finish), stop connecting, flush the
 * publisher, disconnect. Under KAFKA_TOPICS_MODE=verify (`topicCheck`) it listens
 * first and connects once the topics are verified (./publisher-connection.ts).
 * `main.ts` runs it as a service; tests and other services start it on port 0.
 */
import type { Registry } from 'prom-client';
import type { Config } from '../lib/config';
import { listenService, serviceBase, type RunningService, type ServiceDeps } from '../lib/http/service';
import { Publisher } from '../lib/kafka/publisher';
import type { TopicCheck } from '../lib/kafka/topic-check';
import type { Logger } from '../lib/logger';
import { closeServer } from '../lib/observability';
import { Shutdown } from '../lib/shutdown';
import { createApp, SERVICE } from './app';
import { createFootdataFeed } from './football/create-feed';
import { createIdempotency } from './idempotency';
import { connectPublisher } from './publisher-connection';
import type { FootdataFeed } from './football/feed';

/** `connectRetries` counts the attempts to connect to Kafka; `port` defaults to config.api.port. */
export interface ApiDeps extends ServiceDeps {
  /** The /footdata feed. Default: from config.football (football-data.org, or the simulator without a token). */
  footdata?: FootdataFeed;
  /**
   * KAFKA_TOPICS_MODE=verify's check (lib/kafka/topic-check.ts): reported by /readyz, and the API
   * answers at once, connecting to Kafka in the background once it verified the topics.
   * Default: none (create mode: the topics exist; the API answers once connected).
   */
  topicCheck?: TopicCheck;
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
  const { topicCheck } = deps;
  const connection = connectPublisher(publisher, { connecting, log, topicCheck });
  // Create mode answers only once connected, as it always has; verify mode answers at once.
  if (!topicCheck) await connection.connected;

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
    readiness: { kafka: connection.readiness, ...(topicCheck && { topics: topicCheck.readiness }), ...deps.readiness },
  });
  let listening;
  try {
    listening = await listenService(app, config, deps, config.api.port);
  } catch (error) {
    await connection.stop();
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
    .add('stop connecting to Kafka', () => connection.stop())
    .add('flush the publisher and disconnect from Kafka', () => publisher.close())
    .add('idempotency key store (redis)', () => idempotency.close());

  return { url, port, publisher, registry, stop: () => shutdown.run('stop') };
}
