/**
 * The sink service, runnable in-process (tests, benchmarks) or from main.ts:
 * one kafkajs consumer in group CONSUMER_GROUP on the somedata and footdata
 * topics, writing to MongoDB, dead letters to the DLQ topic.
 *
 *   const sink = await startConsumer(config, log);
 *   ...
 *   await sink.stop(); // finish the batch, commit, leave the group, close
 */
import type { Consumer, Producer } from 'kafkajs';
import type { MongoClient } from 'mongodb';
import type { Registry } from 'prom-client';
import type { Config } from '../lib/config';
import { createKafka } from '../lib/kafka/client';
import type { Logger } from '../lib/logger';
import { createMongoClient, DEFAULT_OPERATION_TIMEOUT_MS } from '../lib/mongo';
import { createMetricsRegistry, type ReadinessCheck } from '../lib/observability';
import { Shutdown } from '../lib/shutdown';
import { DeadLetterPublisher } from './dead-letters';
import { createFilter } from './filter';
import { createConsumerMetrics, type ConsumerMetrics } from './metrics';
import { resolveConsumerOptions, type ConsumerOptions } from './options';
import { sinkRoutes } from './routes';
import { createBatchHandler, type Stage } from './runner';
import { PROBE_COLLECTION, PROBE_TIMEOUT_FACTOR, StoreGate } from './store-gate';

export interface ConsumerService {
  /** Finish the batch in hand, commit, leave the group, close what was opened here. Twice: the same promise. */
  stop(): Promise<void>;
  /** In the group, and the last batch reached the store (no batch is waiting on a failed store or DLQ). */
  ready(): boolean;
  /** The checks behind /readyz: `kafka` (in the group), `store` (writes go through and a ping answers), `dlq`. */
  readiness: Record<string, ReadinessCheck>;
  /** Partitions held after the last rebalance, by topic. */
  assignment(): Record<string, number[]>;
  registry: Registry;
  metrics: ConsumerMetrics;
  /** The kafkajs consumer, for its instrumentation events. */
  consumer: Consumer;
}

export async function startConsumer(
  config: Config,
  parentLog: Logger,
  options: ConsumerOptions = {},
): Promise<ConsumerService> {
  const o = resolveConsumerOptions(options, config.consumer);
  const log = parentLog.child({ component: 'consumer' });
  const { topics } = config.kafka;
  const groupId = config.consumer.groupId;
  const shutdown = new Shutdown(log, { stepTimeoutMs: o.sessionTimeoutMs });

  const kafka = o.kafka ?? createKafka(config.kafka, log, { clientId: `${config.kafka.clientId}-consumer` });
  const ownsMongo = !o.mongoClient;
  const mongo: MongoClient = o.mongoClient ?? createMongoClient(config.mongo);
  const db = mongo.db(config.mongo.db);
  // The store gate's probe waits behind what the store still has to do (consumer/store-gate.ts).
  const probeTimeoutMs = PROBE_TIMEOUT_FACTOR * (config.mongo.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS);
  const probeClient = createMongoClient(config.mongo, {
    socketTimeoutMS: probeTimeoutMs,
    waitQueueTimeoutMS: probeTimeoutMs,
    maxPoolSize: 1,
  });
  const storeGate = new StoreGate({
    probes: probeClient.db(config.mongo.db).collection(PROBE_COLLECTION),
    member: groupId,
    log,
  });
  const registry = o.registry ?? createMetricsRegistry('consumer');
  const metrics = createConsumerMetrics(registry);

  const state = { joined: false, failing: undefined as Stage | undefined, assignment: {} as Record<string, number[]> };
  const health = {
    failing(stage: Stage) {
      state.failing = stage;
    },
    healthy() {
      if (state.failing) log.info({ stage: state.failing }, 'batches go through again');
      state.failing = undefined;
    },
  };

  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false });
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: o.sessionTimeoutMs,
    heartbeatInterval: o.heartbeatIntervalMs,
    maxBytesPerPartition: o.maxBytesPerPartition,
    maxBytes: o.maxBytes,
    maxWaitTimeInMs: o.maxWaitTimeInMs,
  });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    state.joined = true;
    state.assignment = payload.memberAssignment;
    log.info({ groupId, memberId: payload.memberId, assignment: payload.memberAssignment }, 'joined the group');
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    state.joined = false;
    log.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
  });
  consumer.on(consumer.events.STOP, () => {
    state.joined = false;
  });

  shutdown
    .add('kafka consumer', () => consumer.disconnect())
    .add('dead-letter producer', () => producer.disconnect())
    .add('mongo client', () => (ownsMongo ? mongo.close() : undefined))
    .add('mongo probe client', () => probeClient.close());

  try {
    await producer.connect();
    // Connected now: a client whose first connection fails is closed for good (MongoTopologyClosedError).
    await probeClient.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.somedata, topics.footdata], fromBeginning: o.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: o.partitionsConsumedConcurrently,
      eachBatch: createBatchHandler({
        db,
        routes: sinkRoutes(topics),
        filter: createFilter(config.consumer.filter),
        deadLetters: new DeadLetterPublisher(producer, topics.dlq, groupId),
        metrics,
        log,
        storeGate,
        options: o,
        health,
      }),
    });
  } catch (error) {
    await shutdown.run('start failed');
    throw error;
  }
  log.info({ groupId, topics: [topics.somedata, topics.footdata], dlq: topics.dlq }, 'consumer started');

  const ready = () => state.joined && state.failing === undefined;
  return {
    stop: async () => {
      await shutdown.run('stop');
    },
    ready,
    readiness: {
      kafka: () => state.joined,
      store: async () => state.failing !== 'write' && (await db.command({ ping: 1 })).ok === 1,
      dlq: () => state.failing !== 'dead-letter',
    },
    assignment: () => state.assignment,
    registry,
    metrics,
    consumer,
  };
}
