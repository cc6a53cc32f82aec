/**
 * What integration tests share: a config with fresh names (topics, database,
 * consumer group, queue) so runs never interfere, a quiet logger, and helpers
 * that read outcomes back from the real services.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, type Admin, type KafkaMessage } from 'kafkajs';
import { loadConfig, type Config } from '../lib/config';
import { createKafka } from '../lib/kafka/client';
import { createLogger, type Logger } from '../lib/logger';
import { STACK_DIR } from './stack';

/** A short random suffix for names that must not collide across tests and runs. */
export function freshName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** Logs of tests are silent unless TEST_LOG_LEVEL asks for them. */
export function testLogger(service = 'test'): Logger {
  return createLogger({ service, level: process.env.TEST_LOG_LEVEL ?? 'silent' });
}

/**
 * The password of the stack's Redis (infra/services/20-redis.sh generates it),
 * unless the environment or the overrides point at another Redis.
 */
function stackRedisPassword(env: Record<string, string | undefined>): Record<string, string> {
  const file = join(STACK_DIR, 'redis-password');
  if (env.REDIS_URL || env.REDIS_PASSWORD_FILE || !existsSync(file)) return {};
  return { REDIS_PASSWORD_FILE: file };
}

/**
 * The config of the local stack with every name made fresh for this test file.
 * Overrides are environment variables, exactly as a service would receive them.
 */
export function testConfig(overrides: Record<string, string> = {}): Config {
  const id = freshName('t');
  return loadConfig({
    ...process.env,
    ...stackRedisPassword({ ...process.env, ...overrides }),
    TOPIC_SOMEDATA: `${id}.somedata`,
    TOPIC_FOOTDATA: `${id}.footdata`,
    TOPIC_DLQ: `${id}.dlq`,
    MONGO_DB: id.replace(/[^A-Za-z0-9_-]/g, '_'),
    CONSUMER_GROUP: `${id}.mongo-sink`,
    QUEUE_NAME: `${id}.producer-jobs`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides,
  });
}

export function testKafka(config: Config): Kafka {
  return createKafka(config.kafka, testLogger('kafka'), { clientId: freshName('test-client') });
}

export interface BrokersUnderTest {
  kafka: Kafka;
  /** Connected before the file's tests. */
  admin: Admin;
}

/**
 * For a test file that talks to the brokers itself: a client and a connected
 * admin for `config`; after the file's tests, the config's topics are deleted
 * and the admin disconnected. Read the fields inside the tests.
 */
export function useBrokers(config: Config): BrokersUnderTest {
  const context = {} as BrokersUnderTest;
  beforeAll(async () => {
    context.kafka = testKafka(config);
    context.admin = context.kafka.admin();
    await context.admin.connect();
  });
  afterAll(async () => {
    await context.admin?.deleteTopics({ topics: Object.values(config.kafka.topics) }).catch(() => undefined);
    await context.admin?.disconnect();
  });
  return context;
}

export interface ReadTopicOptions {
  /** Stop once this many records were read. */
  count: number;
  /** Give up (returning what was read) after this long. Default: 20_000 ms. */
  timeoutMs?: number;
}

/** Read a topic from the beginning with a fresh consumer group: the records as Kafka holds them. */
export async function readTopic(kafka: Kafka, topic: string, options: ReadTopicOptions): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: freshName('reader'), maxWaitTimeInMs: 200 });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.timeoutMs ?? 20_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          messages.push(message);
          if (messages.length >= options.count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** Poll until `probe` returns a truthy value, or fail with `what` after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}
