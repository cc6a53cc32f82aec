/**
 * The knobs of the sink service, beside their defaults, merged and checked
 * once at construction (KafkaJS `src/consumer/index.js`, BullMQ's
 * constructor guards): a bad value fails with a message naming the setting.
 *
 * What differs per deployment comes from the environment (`Config`); these
 * options are for tuning, tests and benchmarks.
 */
import type { Kafka } from 'kafkajs';
import type { MongoClient } from 'mongodb';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Config } from '../lib/config';
import { integerAtLeast, resolveOptions, withoutUndefined } from '../lib/options';

export interface ConsumerOptions {
  /** A kafkajs client to use. Default: one built from config (lib/kafka/client.ts). */
  kafka?: Kafka;
  /** A connected or unconnected MongoDB client to share. Default: one built from config, closed on stop(). */
  mongoClient?: MongoClient;
  /** Where the consumer's metrics go. Default: a fresh registry with the process metrics. */
  registry?: Registry;
  /** Read a topic from its first record when the group has no committed offset. Default: true. */
  fromBeginning?: boolean;
  /** Partitions handled at once (one batch each). Default: config (CONSUMER_CONCURRENCY, 3: the partitions of a topic). */
  partitionsConsumedConcurrently?: number;
  /** Most bytes fetched per partition, which bounds one batch. Default: 4 MiB. */
  maxBytesPerPartition?: number;
  /** Most bytes of one fetch over all partitions. Default: 16 MiB. */
  maxBytes?: number;
  /**
   * How long the broker may wait for `minBytes` before answering a fetch, in ms. Default: 100.
   * With two brokers and an idle topic (footdata) in the subscription, a fetch to a broker with
   * nothing new blocks this long, and kafkajs sometimes waits on it before the next fetch from the
   * other (kafkajs issues #370, #996, #1397): it shows in the tail of end-to-end latency
   * (bench/latency.ts measures it). An idle fetch every 100 ms per broker costs next to nothing.
   */
  maxWaitTimeInMs?: number;
  /** The group forgets a member silent this long, in ms. Default: config (CONSUMER_SESSION_TIMEOUT_MS, 30_000). */
  sessionTimeoutMs?: number;
  /** How often the consumer tells the group it is alive, in ms. Default: 3_000. */
  heartbeatIntervalMs?: number;
  /** First wait before a failed batch (store or DLQ down) is tried again, in ms. Default: 300. */
  retryInitialDelayMs?: number;
  /** Longest wait between two tries of a failed batch, in ms. Default: 5_000. */
  retryMaxDelayMs?: number;
  /** Largest record value accepted; larger ones are dead-lettered as `too-large`. Default: config (CONSUMER_MAX_RECORD_BYTES). */
  maxRecordBytes?: number;
  /**
   * How far a footdata `lastUpdated` may lie after its record's `producedAt`, in ms; beyond it the
   * record is dead-lettered as `future-timestamp` (it would freeze its match). Default: config
   * (CONSUMER_FUTURE_TOLERANCE_MS, 3_600_000: one hour of clock skew between upstream and producer).
   */
  futureToleranceMs?: number;
}

type ClientsAndRegistry = 'kafka' | 'mongoClient' | 'registry';
export type ResolvedConsumerOptions = Required<Omit<ConsumerOptions, ClientsAndRegistry>> &
  Pick<ConsumerOptions, ClientsAndRegistry>;

/** The defaults of the options that are not set per deployment. */
export const CONSUMER_DEFAULTS = {
  fromBeginning: true,
  maxBytesPerPartition: 4 * 1024 * 1024,
  maxBytes: 16 * 1024 * 1024,
  maxWaitTimeInMs: 100,
  heartbeatIntervalMs: 3_000,
  retryInitialDelayMs: 300,
  retryMaxDelayMs: 5_000,
} as const;

/**
 * Merge `options` over the deployment's settings (`config.consumer`) over the
 * defaults, and check every value; throws a ConfigError naming each bad setting.
 */
export function resolveConsumerOptions(
  options: ConsumerOptions,
  deployed: Pick<Config['consumer'], 'maxRecordBytes' | 'sessionTimeoutMs' | 'concurrency' | 'futureToleranceMs'>,
): ResolvedConsumerOptions {
  const o = {
    ...CONSUMER_DEFAULTS,
    maxRecordBytes: deployed.maxRecordBytes,
    sessionTimeoutMs: deployed.sessionTimeoutMs,
    partitionsConsumedConcurrently: deployed.concurrency,
    futureToleranceMs: deployed.futureToleranceMs,
    ...withoutUndefined(options),
  };
  return resolveOptions('consumer', ConsumerOptionsSchema, o, { rules: consumerRules });
}

/** What each tuning option must be; the relations between them are `consumerRules`. */
const ConsumerOptionsSchema = z.looseObject({
  fromBeginning: z.boolean({ error: 'must be true or false' }),
  partitionsConsumedConcurrently: integerAtLeast(1),
  maxBytesPerPartition: integerAtLeast(1),
  maxBytes: integerAtLeast(1),
  maxWaitTimeInMs: integerAtLeast(1),
  sessionTimeoutMs: integerAtLeast(1),
  heartbeatIntervalMs: integerAtLeast(1),
  retryInitialDelayMs: integerAtLeast(1),
  retryMaxDelayMs: integerAtLeast(1),
  maxRecordBytes: integerAtLeast(1),
  futureToleranceMs: integerAtLeast(0),
});

function consumerRules(o: ResolvedConsumerOptions): string[] {
  const problems: string[] = [];
  if (o.heartbeatIntervalMs >= o.sessionTimeoutMs)
    problems.push('heartbeatIntervalMs must be lower than sessionTimeoutMs; a third of it is recommended');
  // While a batch waits to be retried the group must keep hearing from us.
  if (o.retryMaxDelayMs >= o.sessionTimeoutMs)
    problems.push('retryMaxDelayMs must be lower than sessionTimeoutMs, or a failing batch costs the partitions');
  if (o.retryInitialDelayMs > o.retryMaxDelayMs) problems.push('retryInitialDelayMs must not exceed retryMaxDelayMs');
  if (o.maxBytesPerPartition > o.maxBytes) problems.push('maxBytesPerPartition must not exceed maxBytes');
  return problems;
}
