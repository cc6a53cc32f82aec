/**
 * The topics of the pipeline, `ensureTopics()` that creates them and
 * `verifyTopics()` that only compares them (KAFKA_TOPICS_MODE=verify), the
 * admin steps of every service's start-up. Topics are never auto-created:
 * their partitions, replication and cleanup policy are decided here, once.
 */
import { ConfigResourceTypes, type Admin, type ITopicConfig, type Kafka } from 'kafkajs';
import type { Config } from '../config';
import { describeError, PipelineError, RetriesExhaustedError } from '../errors';
import type { Logger } from '../logger';
import { retry, type RetryOptions } from '../retry';
import {
  blocksReadiness,
  describeDifference,
  topicDifferences,
  type ObservedTopic,
  type TopicDifference,
} from './topic-differences';

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
}

const WEEK_MS = String(7 * 24 * 3600 * 1000);

/** The three topics of docs/ARCHITECTURE.md §3, named and sized by config. */
export function pipelineTopics(config: Config['kafka']): TopicSpec[] {
  const sized = { numPartitions: config.partitions, replicationFactor: config.replicationFactor };
  // min.insync.replicas = replicas - 1: with acks=all, writes go on while one broker is down
  // (1 of the local stack's 2; 2 of a Kubernetes cluster's 3, deploy/platform/kafka/topics.yaml).
  const durable = { 'min.insync.replicas': String(Math.max(1, config.replicationFactor - 1)) };
  return [
    { topic: config.topics.somedata, ...sized, configs: { ...durable, 'retention.ms': WEEK_MS } },
    {
      // Keyed by match id: compaction keeps the latest state of every match, deletion bounds the rest.
      topic: config.topics.footdata,
      ...sized,
      configs: { ...durable, 'cleanup.policy': 'compact,delete', 'retention.ms': WEEK_MS },
    },
    // Dead letters wait for a human: keep them four weeks.
    { topic: config.topics.dlq, ...sized, configs: { ...durable, 'retention.ms': String(4 * Number(WEEK_MS)) } },
  ];
}

export interface EnsureTopicsResult {
  created: string[];
  existing: string[];
}

export interface EnsureTopicsOptions {
  /** How long to wait for new topics' leaders. Default: 10 retries, 100 ms doubling to 2 s. */
  leaderWait?: RetryOptions;
}

/**
 * Create the missing topics and wait for their leaders. Safe to run any number
 * of times, from any number of services at once. Fails clearly when the cluster
 * has fewer brokers than a topic's replication factor, or an existing topic has
 * fewer partitions than wanted.
 */
export async function ensureTopics(
  admin: Admin,
  specs: TopicSpec[],
  options: EnsureTopicsOptions = {},
): Promise<EnsureTopicsResult> {
  const { brokers } = await admin.describeCluster();
  const needed = Math.max(...specs.map((spec) => spec.replicationFactor));
  if (brokers.length < needed) {
    throw new PipelineError(
      `the Kafka cluster has ${brokers.length} broker(s) but topics need replication factor ${needed}: ` +
        `start every broker (make up) or lower TOPIC_REPLICATION_FACTOR`,
      { retriable: true, context: { brokers: brokers.length, replicationFactor: needed } },
    );
  }

  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !existing.has(spec.topic));
  if (missing.length > 0) {
    await admin.createTopics({
      // kafkajs's wait asks the broker that took the request once, retrying only a missing leader: under
      // load that broker's metadata may not have the new topic yet, and the wait fails on it. Ours retries both.
      waitForLeaders: false,
      topics: missing.map((spec): ITopicConfig => ({
        topic: spec.topic,
        numPartitions: spec.numPartitions,
        replicationFactor: spec.replicationFactor,
        configEntries: Object.entries(spec.configs).map(([name, value]) => ({ name, value })),
      })),
    });
    await waitForLeaders(admin, missing, options.leaderWait);
  }

  const present = specs.filter((spec) => existing.has(spec.topic));
  if (present.length > 0) {
    const metadata = await admin.fetchTopicMetadata({ topics: present.map((spec) => spec.topic) });
    for (const topic of metadata.topics) {
      const spec = present.find((candidate) => candidate.topic === topic.name);
      if (spec && topic.partitions.length < spec.numPartitions) {
        throw new PipelineError(
          `topic ${topic.name} has ${topic.partitions.length} partitions, fewer than the ${spec.numPartitions} wanted: ` +
            `add partitions with kafka-topics --alter, or delete the topic to let it be created again`,
          { context: { topic: topic.name, partitions: topic.partitions.length, wanted: spec.numPartitions } },
        );
      }
    }
  }

  return { created: missing.map((spec) => spec.topic), existing: present.map((spec) => spec.topic) };
}

/**
 * Until the cluster's metadata shows every partition of `specs` with a leader.
 * Its errors for a topic it does not know yet (UNKNOWN_TOPIC_OR_PARTITION) or
 * a partition between leaders are retriable (lib/transient.ts), as is ours.
 */
async function waitForLeaders(admin: Admin, specs: readonly TopicSpec[], wait: RetryOptions = {}): Promise<void> {
  const waited = retry(
    async () => {
      const { topics } = await admin.fetchTopicMetadata({ topics: specs.map((spec) => spec.topic) });
      const leaderless = specs.filter((spec) => {
        const partitions = topics.find((topic) => topic.name === spec.topic)?.partitions ?? [];
        return partitions.length < spec.numPartitions || partitions.some((partition) => partition.leader < 0);
      });
      if (leaderless.length > 0) {
        throw new PipelineError(`new topics without a leader yet: ${leaderless.map((spec) => spec.topic).join(', ')}`, {
          retriable: true,
          context: { topics: leaderless.map((spec) => spec.topic) },
        });
      }
    },
    { retries: 10, initialDelayMs: 100, maxDelayMs: 2_000, ...wait },
  );
  // Still "not yet", not "never": a caller that retries its start-up (ensurePipelineTopics) tries again.
  await waited.catch((error: unknown) => {
    if (!(error instanceof RetriesExhaustedError)) throw error;
    throw new PipelineError(`the new topics have no leader yet: ${describeError(error.cause)}`, {
      retriable: true,
      cause: error,
      context: { topics: specs.map((spec) => spec.topic) },
    });
  });
}

/** Read `specs`' topics from the cluster (metadata, then the spec's configs) and list every difference. */
export async function verifyTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<TopicDifference[]> {
  const existing = new Set(await admin.listTopics());
  // Only topics that exist are described: a metadata request never creates one, and a missing one is a difference.
  const present = specs.filter((spec) => existing.has(spec.topic));
  return topicDifferences(specs, await describeTopics(admin, present));
}

async function describeTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<ObservedTopic[]> {
  if (specs.length === 0) return [];
  const { topics } = await admin.fetchTopicMetadata({ topics: specs.map((spec) => spec.topic) });
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: specs.map((spec) => ({
      type: ConfigResourceTypes.TOPIC,
      name: spec.topic,
      configNames: Object.keys(spec.configs),
    })),
  });
  return topics.map((topic) => {
    const resource = resources.find((candidate) => candidate.resourceName === topic.name);
    if (!resource || resource.errorCode !== 0) {
      throw new PipelineError(`cannot read the configs of topic ${topic.name}`, {
        retriable: true,
        context: { topic: topic.name, errorCode: resource?.errorCode, errorMessage: resource?.errorMessage },
      });
    }
    return {
      topic: topic.name,
      partitions: topic.partitions.length,
      // The weakest partition decides how many broker losses the topic survives.
      replicationFactor: Math.min(...topic.partitions.map((partition) => partition.replicas.length)),
      configs: Object.fromEntries(resource.configEntries.map((entry) => [entry.configName, entry.configValue])),
    };
  });
}

export interface EnsurePipelineTopicsOptions {
  /** Attempts after the first while the cluster is unreachable or short of brokers. Default: Infinity (until aborted). */
  retries?: number;
  /** Stops retrying, e.g. on SIGTERM during start-up. */
  signal?: AbortSignal;
}

/**
 * The start-up step of a one-shot command (and, in create mode, of every
 * service): connect an admin client, then per KAFKA_TOPICS_MODE create the
 * missing topics, or only verify them (a difference that blocks readiness
 * fails at once, listing each), retrying while the cluster is unreachable or short of brokers; disconnect.
 */
export async function ensurePipelineTopics(
  kafka: Kafka,
  config: Config['kafka'],
  log: Logger,
  options: EnsurePipelineTopicsOptions = {},
): Promise<EnsureTopicsResult> {
  const admin = kafka.admin();
  const specs = pipelineTopics(config);
  try {
    const result = await retry(
      async () => {
        await admin.connect();
        if (config.topicsMode === 'create') return ensureTopics(admin, specs);
        throwOnDifferences(await verifyTopics(admin, specs));
        return { created: [], existing: specs.map((spec) => spec.topic) };
      },
      {
        retries: options.retries ?? Infinity,
        maxDelayMs: 5_000,
        ...(options.signal && { signal: options.signal }),
        onRetry: ({ error, attempt, delayMs }) =>
          log.warn({ attempt, delayMs, reason: describeError(error) }, 'Kafka topics not ready yet, retrying'),
      },
    );
    log.info({ ...result, mode: config.topicsMode }, 'Kafka topics ready');
    return result;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function throwOnDifferences(found: TopicDifference[]): void {
  const differences = found.filter(blocksReadiness);
  if (differences.length === 0) return;
  throw new PipelineError(
    `the Kafka topics differ from their spec (KAFKA_TOPICS_MODE=verify creates none; fix them where they are owned): ` +
      differences.map(describeDifference).join('; '),
    { context: { differences } },
  );
}

/**
 * The `max.message.bytes` each of `topics` really has (its own setting, or the
 * broker's `message.max.bytes` it inherits): the largest record batch a
 * partition of it accepts. Fails, naming the topic, when a topic is missing or
 * the value is not a positive integer.
 */
export async function readMaxMessageBytes(admin: Admin, topics: string[]): Promise<Map<string, number>> {
  const limits = new Map<string, number>();
  if (topics.length === 0) return limits;
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['max.message.bytes'] })),
  });
  for (const topic of topics) {
    const resource = resources.find((candidate) => candidate.resourceName === topic);
    const raw = resource?.configEntries.find((entry) => entry.configName === 'max.message.bytes')?.configValue;
    const value = Number(raw);
    if (!resource || resource.errorCode !== 0 || !Number.isInteger(value) || value <= 0) {
      throw new PipelineError(`cannot read max.message.bytes of topic ${topic} (got ${raw ?? 'nothing'})`, {
        retriable: true,
        context: { topic, errorCode: resource?.errorCode, errorMessage: resource?.errorMessage },
      });
    }
    limits.set(topic, value);
  }
  return limits;
}
