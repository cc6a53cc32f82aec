/**
 * What the start functions of the HTTP services (producers/service.ts,
 * reader/service.ts) share: the dependencies a caller may hand in, the handle
 * they return, the metrics registry and Kafka client they build when none is
 * given, how long they keep trying to connect at start-up, and how they listen.
 */
import type { RequestListener } from 'node:http';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { Config } from '../config';
import { createKafka } from '../kafka/client';
import type { Logger } from '../logger';
import { createMetricsRegistry, type ReadinessCheck } from '../observability';
import type { RetryOptions } from '../retry';
import { listen, type Listening } from './listen';

export interface ServiceDeps {
  /** The Kafka client. Default: one built from config.kafka, client id `<KAFKA_CLIENT_ID>-<service>`. */
  kafka?: Kafka;
  /** Metrics registry. Default: a new one with the process metrics. */
  registry?: Registry;
  /** Attempts after the first to reach what the service needs. Default: Infinity (until `signal` aborts). */
  connectRetries?: number;
  /** Aborts start-up (e.g. SIGTERM while Kafka is still unreachable). */
  signal?: AbortSignal;
  /** Port to listen on, 0 for any free one. Default: the service's port in config. */
  port?: number;
  /** Interface to listen on. Default: config.http.host (HTTP_HOST, 127.0.0.1). */
  host?: string;
  /** /readyz checks besides the service's own (e.g. `topics` under KAFKA_TOPICS_MODE=verify). Default: none. */
  readiness?: Record<string, ReadinessCheck>;
}

export interface RunningService {
  url: string;
  port: number;
  /** Take the service down in order (its file says which steps). Same promise when called again. */
  stop(): Promise<boolean>;
}

export interface ServiceBase {
  registry: Registry;
  kafka: Kafka;
  /** The retry options of start-up's connection attempts; each adds its own `onRetry`. */
  connecting: RetryOptions;
}

/** The registry and Kafka client of `deps`, else new ones named after `service`. */
export function serviceBase(service: string, config: Config, log: Logger, deps: ServiceDeps): ServiceBase {
  return {
    registry: deps.registry ?? createMetricsRegistry(service),
    kafka: deps.kafka ?? createKafka(config.kafka, log, { clientId: `${config.kafka.clientId}-${service}` }),
    connecting: {
      retries: deps.connectRetries ?? Infinity,
      maxDelayMs: 5_000,
      ...(deps.signal && { signal: deps.signal }),
    },
  };
}

/** Listen on `deps.port` (else `defaultPort`) and `deps.host` (else config.http.host), with config.http's limits. */
export function listenService(
  app: RequestListener,
  config: Config,
  deps: ServiceDeps,
  defaultPort: number,
): Promise<Listening> {
  return listen(app, {
    port: deps.port ?? defaultPort,
    http: config.http,
    ...(deps.host !== undefined && { host: deps.host }),
  });
}
