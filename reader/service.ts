/**
 * `startReader()`: the read API in-process — MongoDB connected and its indexes
 * ensured, the dead-letter index consuming the DLQ, the app listening — and
 * `stop()` to take it down in order. `main.ts` runs it as a service; tests
 * start it on port 0.
 */
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { Config } from '../lib/config';
import { describeError } from '../lib/errors';
import { listen } from '../lib/http/listen';
import { createKafka } from '../lib/kafka/client';
import type { Logger } from '../lib/logger';
import { createMongoClient, ensureIndexes } from '../lib/mongo';
import { closeServer, createMetricsRegistry } from '../lib/observability';
import { retry } from '../lib/retry';
import { Shutdown } from '../lib/shutdown';
import { createReaderApp, SERVICE } from './app';
import { DeadLetterIndex } from './dead-letter-index';

export interface ReaderDeps {
  /** The Kafka client. Default: one built from config.kafka. */
  kafka?: Kafka;
  /** Metrics registry. Default: a new one with the process metrics. */
  registry?: Registry;
  /** Attempts after the first to reach MongoDB and Kafka. Default: Infinity (until `signal` aborts). */
  connectRetries?: number;
  /** Aborts start-up. */
  signal?: AbortSignal;
  /** Port to listen on, 0 for any free one. Default: config.reader.port. */
  port?: number;
  /** Interface to listen on. Default: 0.0.0.0. */
  host?: string;
}

export interface RunningReader {
  url: string;
  port: number;
  /** Stop accepting, finish in-flight requests, stop the dead-letter index, close MongoDB. Same promise when called again. */
  stop(): Promise<boolean>;
}

export async function startReader(config: Config, log: Logger, deps: ReaderDeps = {}): Promise<RunningReader> {
  const registry = deps.registry ?? createMetricsRegistry(SERVICE);
  const kafka = deps.kafka ?? createKafka(config.kafka, log, { clientId: `${config.kafka.clientId}-reader` });
  const mongo = createMongoClient(config.mongo);
  const db = mongo.db(config.mongo.db);
  const attempts = {
    retries: deps.connectRetries ?? Infinity,
    maxDelayMs: 5_000,
    ...(deps.signal && { signal: deps.signal }),
  };
  await retry(() => ensureIndexes(db), {
    ...attempts,
    onRetry: ({ error, attempt }) =>
      log.warn({ attempt, reason: describeError(error) }, 'cannot reach MongoDB yet, retrying'),
  });
  const deadLetters = new DeadLetterIndex(kafka, db, {
    topic: config.kafka.topics.dlq,
    groupId: config.reader.dlqGroupId,
    log,
  });
  await retry(() => deadLetters.start(), {
    ...attempts,
    onRetry: ({ error, attempt }) =>
      log.warn({ attempt, reason: describeError(error) }, 'cannot start the dead-letter index yet, retrying'),
  });

  const app = createReaderApp({
    log,
    registry,
    db,
    readiness: {
      mongo: async () => (await db.command({ ping: 1 })).ok === 1,
      deadLetterIndex: () => deadLetters.isRunning(),
    },
  });
  const { server, port, url } = await listen(app, {
    port: deps.port ?? config.reader.port,
    http: config.http,
    ...(deps.host !== undefined && { host: deps.host }),
  });
  log.info({ port, dlq: config.kafka.topics.dlq }, 'read API listening');

  const shutdown = new Shutdown(log, { stepTimeoutMs: 10_000 })
    .add('stop accepting requests, finish those in flight', () => closeServer(server))
    .add('stop the dead-letter index', () => deadLetters.stop())
    .add('close MongoDB', () => mongo.close());
  return { url, port, stop: () => shutdown.run('stop') };
}
