/**
 * For a consumer test file: fresh topics (created as a service does), a
 * MongoDB client on a fresh database, and every consumer the tests start,
 * all taken down after. Read the fields inside the tests.
 */
import type { Db, MongoClient } from 'mongodb';
import { createMongoClient, ensureIndexes } from '../lib/mongo';
import { startConsumer, type ConsumerService } from '../consumer/service';
import { metricTotal } from '../consumer/metrics';
import type { ConsumerOptions } from '../consumer/options';
import type { Config } from '../lib/config';
import { testLogger } from './env';
import { freshTopics, type TopicsUnderTest } from './producers';

export interface SinkUnderTest extends TopicsUnderTest {
  mongo: MongoClient;
  db: Db;
  /** Start a consumer (stopped after the file's tests); `config` defaults to the file's. */
  start(config?: Config, options?: ConsumerOptions): Promise<ConsumerService>;
}

/** `overrides` are environment variables, or a function giving them when the tests start (e.g. a port found then). */
export function useSink(overrides: Record<string, string> | (() => Record<string, string>) = {}): SinkUnderTest {
  const context = {} as SinkUnderTest;
  const started: ConsumerService[] = [];
  beforeAll(async () => {
    const topics = await freshTopics(typeof overrides === 'function' ? overrides() : overrides);
    const mongo = createMongoClient(topics.config.mongo);
    const db = mongo.db(topics.config.mongo.db);
    await ensureIndexes(db);
    Object.assign(context, topics, { mongo, db });
    context.start = async (config = topics.config, options = {}) => {
      const sink = await startConsumer(config, testLogger(), options);
      started.push(sink);
      return sink;
    };
  });
  afterAll(async () => {
    await Promise.all(started.map((sink) => sink.stop()));
    await context.drop?.();
    await context.db?.dropDatabase().catch(() => undefined);
    await context.mongo?.close();
  });
  return context;
}

/** The total of one of a consumer's counters, over all labels. */
export function counter(sink: ConsumerService, name: string): Promise<number> {
  return metricTotal(sink.registry, name);
}

/** The errors the consumer crashes with from now on (kafkajs' CRASH event), in order. */
export function crashesOf(sink: ConsumerService): unknown[] {
  const crashes: unknown[] = [];
  sink.consumer.on(sink.consumer.events.CRASH, (event) => crashes.push(event.payload.error));
  return crashes;
}
