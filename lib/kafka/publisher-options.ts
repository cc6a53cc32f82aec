/**
 * The publisher's options: each one documented with its default, what each
 * must be, and the rules between them (lib/options.ts resolves them).
 */
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Logger } from '../logger';
import { integerAtLeast } from '../options';

export interface PublisherOptions {
  /**
   * How long the first record of a batch waits for others before the batch is
   * sent, in ms; 0 sends on the next turn of the event loop. Default: 5.
   */
  lingerMs?: number;
  /** Records per `sendBatch` at most; a batch this full is sent at once. Default: 500. */
  maxBatch?: number;
  /**
   * Bytes of one topic's records per `sendBatch` at most, counted as the broker
   * counts a record batch (header, framing, key, value, headers). A record
   * larger than this alone is refused with RecordTooLargeError. Lowered, for
   * each of `topics`, to what the topic's `max.message.bytes` allows (less a
   * margin). Default: 1_000_000 (below Kafka's default 1 MiB).
   */
  maxBatchBytes?: number;
  /**
   * Topics whose `max.message.bytes` is read (admin describeConfigs) by
   * `connect()`, so their batches stay below what the broker takes. Other
   * topics get `maxBatchBytes`. Default: none.
   */
  topics?: string[];
  /**
   * Records held at most (waiting or in flight); beyond it `publish()` rejects at
   * once with PublisherOverloadedError rather than growing memory. Must be at
   * least maxBatch. Default: 10_000.
   */
  maxPending?: number;
  /** A record not acknowledged this long after `publish()` is rejected with PublishTimeoutError, in ms. Default: 5_000. */
  timeoutMs?: number;
  /**
   * Longest wait between two kafkajs attempts of a send while the cluster is
   * unreachable, in ms: lower recovers faster after an outage. Default: 1_000.
   */
  retryMaxWaitMs?: number;
  /** The Retry-After hint carried by the errors of a failed publish, in ms. Default: 2_000. */
  retryAfterMs?: number;
  /** Where the publisher's metrics are registered. Default: none. */
  registry?: Registry;
  /** Logger (a child with `component: publisher` is used). Default: silent. */
  log?: Logger;
}

export type ResolvedOptions = Required<Omit<PublisherOptions, 'registry' | 'log'>>;

export const PUBLISHER_DEFAULTS: ResolvedOptions = {
  lingerMs: 5,
  maxBatch: 500,
  maxBatchBytes: 1_000_000,
  topics: [],
  maxPending: 10_000,
  timeoutMs: 5_000,
  retryMaxWaitMs: 1_000,
  retryAfterMs: 2_000,
};

/** What each option must be; the relations between them are `publisherRules`. */
export const PublisherOptionsSchema = z.looseObject({
  lingerMs: integerAtLeast(0),
  maxBatch: integerAtLeast(1),
  maxBatchBytes: integerAtLeast(1_024),
  topics: z.array(z.string().min(1), { error: 'must be a list of topic names' }),
  maxPending: integerAtLeast(1),
  timeoutMs: integerAtLeast(1),
  retryMaxWaitMs: integerAtLeast(1),
  retryAfterMs: integerAtLeast(0),
});

export function publisherRules(o: ResolvedOptions): string[] {
  const problems: string[] = [];
  if (o.maxPending < o.maxBatch)
    problems.push(
      `maxPending (${o.maxPending}) must be at least maxBatch (${o.maxBatch}): ` +
        'raise PUBLISH_MAX_PENDING or lower PUBLISH_MAX_BATCH',
    );
  if (o.lingerMs >= o.timeoutMs)
    problems.push(`lingerMs (${o.lingerMs}) must be lower than timeoutMs (${o.timeoutMs}); a few ms is enough`);
  return problems;
}
