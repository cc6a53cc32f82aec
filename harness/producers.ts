/**
 * What the producers' integration tests share: fresh topics created like a
 * service does, the API started in-process on a free port, and the events the
 * API published read back from Kafka.
 */
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import type { Config } from '../lib/config';
import { ensurePipelineTopics } from '../lib/kafka/topics';
import { PipelineEvent } from '../lib/schemas';
import { startApi, type ApiDeps, type RunningApi } from '../producers/service';
import { endOffsetTotal } from './consumer';
import { readTopic, testConfig, testKafka, testLogger } from './env';

export interface TopicsUnderTest {
  config: Config;
  kafka: Kafka;
  admin: Admin;
  /**
   * Delete the topics and the config's consumer groups (the sink's, and those
   * named after it: the DLQ replay's), then disconnect the admin. Nothing may
   * use `admin` after it: a kafkajs admin reconnects on its next call, and
   * that connection would keep jest from exiting (scripts/jest-project.sh).
   */
  drop(): Promise<void>;
}

/** A config with fresh topic names (environment overrides as a service gets them), and those topics created. */
export async function freshTopics(overrides: Record<string, string> = {}): Promise<TopicsUnderTest> {
  const config = testConfig(overrides);
  const kafka = testKafka(config);
  // Retried: another test may have a broker down for a moment (the stack is shared).
  await ensurePipelineTopics(kafka, config.kafka, testLogger('topics'), { retries: 20 });
  const admin = kafka.admin();
  await admin.connect();
  return {
    config,
    kafka,
    admin,
    drop: async () => {
      const group = config.consumer.groupId;
      const ours = await admin
        .listGroups()
        .then(({ groups }) =>
          groups.map(({ groupId }) => groupId).filter((id) => id === group || id.startsWith(`${group}.`)),
        )
        .catch(() => []);
      if (ours.length > 0) await admin.deleteGroups(ours).catch(() => undefined);
      await admin.deleteTopics({ topics: Object.values(config.kafka.topics) }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

/** The API in-process on a free port. */
export function startTestApi(config: Config, deps: ApiDeps = {}): Promise<RunningApi> {
  return startApi(config, testLogger('producers'), { port: 0, host: '127.0.0.1', connectRetries: 3, ...deps });
}

/** Every record of `topic` (the end offsets say how many to wait for), decoded and checked as pipeline events. */
export async function readEvents(
  topics: TopicsUnderTest,
  topic: string,
): Promise<{ message: KafkaMessage; event: PipelineEvent }[]> {
  const count = await endOffsetTotal(topics.admin, topic);
  if (count === 0) return [];
  const messages = await readTopic(topics.kafka, topic, { count, timeoutMs: 30_000 });
  return messages.map((message) => ({ message, event: PipelineEvent.parse(JSON.parse(String(message.value))) }));
}

/** The environment a child `producers/main.ts` needs to use the names of `config`. */
export function producersEnv(config: Config, port: number): Record<string, string> {
  return {
    KAFKA_BROKERS: config.kafka.brokers.join(','),
    TOPIC_SOMEDATA: config.kafka.topics.somedata,
    TOPIC_FOOTDATA: config.kafka.topics.footdata,
    TOPIC_DLQ: config.kafka.topics.dlq,
    API_PORT: String(port),
    PUBLISH_LINGER_MS: String(config.api.publish.lingerMs),
    PUBLISH_MAX_BATCH: String(config.api.publish.maxBatch),
    PUBLISH_TIMEOUT_MS: String(config.api.publish.timeoutMs),
    FOOT_TOKEN: '',
  };
}

/**
 * For a test file: fresh topics and the API started before its tests, both
 * taken down after. Read `.topics` and `.api` inside the tests.
 */
export function useTestApi(overrides: Record<string, string> = {}): { topics: TopicsUnderTest; api: RunningApi } {
  const context = {} as { topics: TopicsUnderTest; api: RunningApi };
  beforeAll(async () => {
    context.topics = await freshTopics(overrides);
    context.api = await startTestApi(context.topics.config);
  });
  afterAll(async () => {
    await context.api?.stop();
    await context.topics?.drop();
  });
  return context;
}
