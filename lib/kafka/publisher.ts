/**
 * The publisher every producer writes through: one idempotent kafkajs producer
 * (acks=all), records gathered for a few milliseconds or up to a size bound and
 * sent together with one `sendBatch` (kafkajs has no linger of its own), and
 * each caller's promise resolved with its partition and offset once the broker
 * acknowledged its record.
 *
 * Memory is bounded: at most `maxPending` records are held, and a record not
 * acknowledged within `timeoutMs` is rejected with a retriable
 * `UnavailableError` (HTTP: 503 + Retry-After) instead of waiting on an
 * unreachable cluster. `close()` flushes what is pending, then disconnects.
 *
 * A success means "in Kafka"; a failure does not always mean "not in Kafka":
 * a record that expired while waiting is never sent, but one whose batch was
 * already handed to kafkajs may still land after its caller was told it failed
 * (at-least-once; a client that retries then makes a second event).
 *
 * Sends are serial (one `sendBatch` in flight): kafkajs idempotence allows
 * one in-flight request per broker anyway, and records that arrive during a
 * send form the next batch, so batches grow with load by themselves.
 *
 * Batches are bounded by bytes as well as by records: a partition's record
 * batch over the topic's `max.message.bytes` is refused by the broker
 * (MESSAGE_TOO_LARGE, not retriable) and fails the whole `sendBatch`. Each
 * topic's records in one send stay within its byte budget (lib/kafka/record-size.ts),
 * so every partition's record batch does too; a record that cannot fit even
 * alone is refused at once with RecordTooLargeError (HTTP 413), never sent.
 *
 * Two parts behind this facade: `batcher.ts` (linger, count and byte bounds,
 * deadlines, each caller answered once; no Kafka client in it) and `sender.ts`
 * (every kafkajs call: the sendBatch, the re-send of partitions it dropped,
 * producer replacement, offsets). This file checks the options
 * (`publisher-options.ts`) and each record, and wires the two with the metrics.
 */
import type { Kafka } from 'kafkajs';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createLogger, type Logger } from '../logger';
import { boundLabels } from '../observability';
import { resolveOptions, withoutUndefined } from '../options';
import { toKafkaMessage, type PipelineEvent } from '../schemas/envelope';
import { Batcher } from './batcher';
import {
  PublisherOverloadedError,
  PublishFailedError,
  PublishTimeoutError,
  RecordTooLargeError,
  retriablePublishError,
} from './publish-errors';
import { RECORD_BATCH_OVERHEAD, recordBytes } from './record-size';
import { toOutgoingMessage, type OutgoingMessage, type OutgoingRecord, type PublishResult } from './outgoing';
import {
  PUBLISHER_DEFAULTS,
  PublisherOptionsSchema,
  publisherRules,
  type PublisherOptions,
  type ResolvedOptions,
} from './publisher-options';
import { KafkaSender } from './sender';

export { PublisherOverloadedError, PublishFailedError, PublishTimeoutError, RecordTooLargeError };
export type { OutgoingRecord, PublisherOptions, PublishResult };

export class Publisher {
  readonly options: ResolvedOptions;
  private readonly log: Logger;
  private readonly sender: KafkaSender;
  private readonly batcher: Batcher<OutgoingMessage, PublishResult>;
  private readonly metrics?: ReturnType<typeof createPublisherMetrics>;
  private closing?: Promise<void>;

  constructor(kafka: Kafka, options: PublisherOptions = {}) {
    const { registry, log, ...rest } = options;
    this.options = resolveOptions(
      'publisher',
      PublisherOptionsSchema,
      { ...PUBLISHER_DEFAULTS, ...withoutUndefined(rest) },
      { rules: publisherRules },
    );
    const o = this.options;
    this.log = (log ?? createLogger({ service: 'publisher', level: 'silent' })).child({ component: 'publisher' });
    this.sender = new KafkaSender(kafka, {
      maxBatchBytes: o.maxBatchBytes,
      topics: o.topics,
      retryMaxWaitMs: o.retryMaxWaitMs,
      retryAfterMs: o.retryAfterMs,
      log: this.log,
      onProducerReplaced: () => this.batcher.deliverNow(),
    });
    const metrics = registry && createPublisherMetrics(registry, () => this.batcher.size);
    this.batcher = new Batcher(
      { lingerMs: o.lingerMs, maxBatch: o.maxBatch, maxBatchBytes: o.maxBatchBytes, timeoutMs: o.timeoutMs },
      {
        budgetOf: (topic) => this.sender.budgetOf(topic),
        canDeliver: () => this.sender.canSend,
        deliver: (batch, answer) => this.sender.deliver(batch, answer),
        deadlineError: ({ topic }) =>
          this.retriableError(
            PublishTimeoutError,
            `Kafka did not acknowledge the record within ${o.timeoutMs} ms`,
            topic,
          ),
        onExpired: (expired) =>
          this.sender.markStalled({ expired, pending: this.pending }, 'records expired before Kafka acknowledged them'),
        ...(metrics && {
          observer: {
            answered: (topic, outcome, latencySeconds) => {
              metrics.records(topic, outcome).inc();
              if (latencySeconds !== undefined) metrics.latency.observe(latencySeconds);
            },
            delivered: (records, bytes) => {
              metrics.batchSize.observe(records);
              metrics.batchBytes.observe(bytes);
            },
          },
        }),
      },
    );
    this.metrics = metrics;
  }

  /** Connect the producer (and fetch its producer id). Safe to call again after a failure. */
  connect(): Promise<void> {
    return this.sender.connect();
  }

  /** The record-batch bytes allowed for `topic` in one send. */
  budgetOf(topic: string): number {
    return this.sender.budgetOf(topic);
  }

  /** Connected, not closing, and the last send went through: what /readyz reports. */
  isReady(): boolean {
    return this.sender.isConnected && !this.closing && this.sender.isAcknowledging;
  }

  /** Records held in memory (waiting or in flight). */
  get pending(): number {
    return this.batcher.size;
  }

  /**
   * Publish one record; resolves once the cluster acknowledged it (acks=all).
   * Rejects with a retriable UnavailableError when the publisher is overloaded,
   * not connected or closing, or the cluster did not answer within timeoutMs.
   */
  publish(topic: string, record: OutgoingRecord): Promise<PublishResult> {
    if (this.closing) return Promise.reject(this.retriableError(PublishFailedError, 'the publisher is closing', topic));
    if (!this.sender.isConnected)
      return Promise.reject(this.retriableError(PublishFailedError, 'not connected to Kafka', topic));
    const message = toOutgoingMessage(record);
    const bytes = recordBytes(message);
    const budget = this.sender.budgetOf(topic);
    if (RECORD_BATCH_OVERHEAD + bytes > budget) {
      this.metrics?.records(topic, 'too_large').inc();
      return Promise.reject(new RecordTooLargeError(topic, RECORD_BATCH_OVERHEAD + bytes, budget));
    }
    if (this.pending >= this.options.maxPending) {
      this.metrics?.records(topic, 'overloaded').inc();
      const why = `${this.pending} records are waiting for Kafka already`;
      return Promise.reject(this.retriableError(PublisherOverloadedError, why, topic));
    }
    return this.batcher.add(topic, message, bytes);
  }

  /** Publish a pipeline event (key, JSON value and headers from the envelope). */
  publishEvent(topic: string, event: PipelineEvent, traceId?: string): Promise<PublishResult> {
    return this.publish(topic, toKafkaMessage(event, traceId));
  }

  /** Resolves once every record accepted so far is acknowledged or has failed. */
  flush(): Promise<void> {
    return this.batcher.flush();
  }

  /** Stop accepting, flush what is pending, disconnect. Calling it again returns the same promise. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.batcher.stopLingering();
      await this.sender.stopReplacingProducer();
      await this.flush();
      this.batcher.stop();
      await this.sender.disconnect();
      this.log.info('publisher closed');
    })();
    return this.closing;
  }

  private retriableError(Kind: Parameters<typeof retriablePublishError>[0], message: string, topic: string) {
    return retriablePublishError(Kind, message, { topic, retryAfterMs: this.options.retryAfterMs });
  }
}

function createPublisherMetrics(registry: Registry, pending: () => number) {
  return {
    /** By topic and outcome, bound once each (counted per record). */
    records: boundLabels(
      new Counter({
        name: 'publisher_records_total',
        help: 'Records by outcome: acked, failed, timeout, overloaded, too_large.',
        labelNames: ['topic', 'outcome'] as const,
        registers: [registry],
      }),
    ),
    batchSize: new Histogram({
      name: 'publisher_batch_size',
      help: 'Records per sendBatch.',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000],
      registers: [registry],
    }),
    batchBytes: new Histogram({
      name: 'publisher_batch_bytes',
      help: 'Record-batch bytes per sendBatch (an upper bound, summed over its topics).',
      buckets: [1_000, 10_000, 100_000, 250_000, 500_000, 750_000, 1_000_000, 2_000_000, 5_000_000],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'publisher_ack_latency_seconds',
      help: 'From publish() to the broker acknowledgement.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    pending: new Gauge({
      name: 'publisher_pending_records',
      help: 'Records held in memory (waiting or in flight).',
      registers: [registry],
      collect() {
        this.set(pending());
      },
    }),
  };
}
