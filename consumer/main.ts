/**
 * The consumer process: `node --import tsx consumer/main.ts`.
 *
 * config → logger → ops server (:CONSUMER_PORT, /healthz /readyz /metrics)
 * → topics (created, or only verified under KAFKA_TOPICS_MODE=verify) and
 * indexes (retried until Kafka and the store answer) → the sink
 * → on SIGTERM/SIGINT: finish the batch, commit, leave the group, close.
 */
import type { Kafka } from 'kafkajs';
import type { MongoClient } from 'mongodb';
import { loadConfigOrExit, type Config } from '../lib/config';
import { describeError } from '../lib/errors';
import { createKafka } from '../lib/kafka/client';
import { pipelineTopicsReady, startTopicCheck, type TopicCheck } from '../lib/kafka/topic-check';
import { createLogger, type Logger } from '../lib/logger';
import { createMongoClient, ensureIndexes } from '../lib/mongo';
import { closeServer, createMetricsRegistry, startOpsServer } from '../lib/observability';
import { retry } from '../lib/retry';
import { Shutdown } from '../lib/shutdown';
import { shutdownStepMs } from '../lib/shutdown-bounds';
import { startConsumer, type ConsumerService } from './service';

/** Topics and indexes, each retried until Kafka and the store answer (or SIGTERM aborts start-up). */
async function prepare(
  config: Config,
  { kafka, mongo, topicCheck }: { kafka: Kafka; mongo: MongoClient; topicCheck: TopicCheck | undefined },
  log: Logger,
  signal: AbortSignal,
) {
  await pipelineTopicsReady(kafka, config.kafka, log, topicCheck, signal);
  await retry(() => ensureIndexes(mongo.db(config.mongo.db)), {
    retries: Infinity,
    maxDelayMs: 5_000,
    signal,
    onRetry: ({ error, attempt, delayMs }) =>
      log.warn({ attempt, delayMs, reason: describeError(error) }, 'store not ready yet, retrying'),
  });
  log.info({ db: config.mongo.db }, 'indexes ready');
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger({ service: 'consumer', level: config.logLevel });
  const stepTimeoutMs = shutdownStepMs.consumer(config);
  const shutdown = new Shutdown(log, { stepTimeoutMs }).handleProcessSignals();
  const starting = new AbortController();
  shutdown.add('start-up', () => starting.abort());

  let sink: ConsumerService | undefined;
  const registry = createMetricsRegistry('consumer');
  const kafka = createKafka(config.kafka, log, { clientId: `${config.kafka.clientId}-consumer` });
  const topicCheck = startTopicCheck(kafka, config.kafka, log, { registry });
  const ops = await startOpsServer({
    service: 'consumer',
    registry,
    port: config.consumer.port,
    http: config.http,
    // Not ready until the sink runs; then whatever the sink says.
    readiness: {
      kafka: () => sink?.readiness.kafka?.() ?? false,
      store: () => sink?.readiness.store?.() ?? false,
      dlq: () => sink?.readiness.dlq?.() ?? false,
      ...(topicCheck && { topics: topicCheck.readiness }),
    },
  });
  log.info({ port: config.consumer.port }, 'ops server listening');

  const mongo = createMongoClient(config.mongo);
  shutdown
    .add('consumer', () => sink?.stop())
    .add('topic check', () => topicCheck?.stop())
    .add('mongo client', () => mongo.close())
    .add('ops server', () => closeServer(ops));

  try {
    await prepare(config, { kafka, mongo, topicCheck }, log, starting.signal);
    if (shutdown.started) return;
    sink = await startConsumer(config, log, { kafka, mongoClient: mongo, registry });
    if (shutdown.started) await sink.stop(); // SIGTERM came while starting
  } catch (error) {
    if (shutdown.started) return;
    log.fatal({ err: error }, 'consumer could not start');
    await shutdown.run('start-up failed');
    process.exit(1);
  }

  // kafkajs restarts itself after most failures; when it gives up, so do we (and a supervisor restarts us).
  sink.consumer.on(sink.consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) void shutdown.run('consumer crashed').then(() => process.exit(1));
  });
}

void main();
