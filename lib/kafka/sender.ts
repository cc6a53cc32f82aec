/**
 * The publisher's side that talks to Kafka, and the only one: every kafkajs
 * call of the publisher is in this file. One idempotent producer (acks=all, one
 * request in flight), the topics' byte budgets (topic-budgets.ts), and two guards against kafkajs 2.2.4 acknowledging
 * records it never wrote, both found by the fault tests:
 *
 * - a `sendBatch` that resolves without the partitions whose leader moved
 *   mid-send: those records are sent again, unchanged (`deliver`);
 * - sequence numbers reused after a failed send, which a broker takes for a
 *   duplicate: the producer is replaced after any failed send (`replaceProducer`).
 *
 * Offsets: a sendBatch answers each partition's base offset; the partition of
 * each record is what the partitioner chose for it, read back by identity.
 */
import { Partitioners, type Kafka, type Message, type Producer, type RecordMetadata } from 'kafkajs';
import { describeError } from '../errors';
import type { Logger } from '../logger';
import { retry } from '../retry';
import type { Answer, BatchedRecord } from './batcher';
import type { OutgoingMessage, PublishResult } from './outgoing';
import { PublishFailedError, RecordTooLargeError, retriablePublishError } from './publish-errors';
import { RECORD_BATCH_OVERHEAD } from './record-size';
import { isMessageTooLarge, TopicBudgets, type TopicBudgetsOptions } from './topic-budgets';

export interface SenderOptions extends TopicBudgetsOptions {
  /** Longest wait between two kafkajs attempts, and between two connects of a new producer, in ms. */
  retryMaxWaitMs: number;
  /** The Retry-After hint of the errors of a failed send, in ms. */
  retryAfterMs: number;
  log: Logger;
  /** Called once a replaced producer is connected: batches may go again. */
  onProducerReplaced(): void;
}

type Acknowledgements = RecordMetadata[];

export class KafkaSender {
  private producer: Producer;
  /** The partition kafkajs chose for each message object, read back to compute offsets. */
  private readonly partitionOf = new WeakMap<Message, number>();
  /** Record-batch bytes allowed per topic: read from the topics, or learnt from a refusal. */
  private readonly budgets: TopicBudgets;
  private connected = false;
  private connecting?: Promise<void>;
  /** Set while a failed producer is being replaced. */
  private replacing?: Promise<void>;
  private readonly stopReplacing = new AbortController();
  /** True from the first failed or expired record until the next successful send. */
  private stalled = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: SenderOptions,
  ) {
    this.budgets = new TopicBudgets(kafka, options);
    this.producer = this.newProducer();
  }

  /** The current producer is connected (false while a failed one is being replaced). */
  get isConnected(): boolean {
    return this.connected;
  }

  /** False while a failed producer is being replaced: nothing can be sent. */
  get canSend(): boolean {
    return !this.replacing;
  }

  /** False from a failed send or an expired record until Kafka acknowledges again. */
  get isAcknowledging(): boolean {
    return !this.stalled;
  }

  /** The record-batch bytes allowed for `topic` in one send. */
  budgetOf(topic: string): number {
    return this.budgets.of(topic);
  }

  /** Connect the producer (and fetch its producer id). Safe to call again after a failure. */
  connect(): Promise<void> {
    this.connecting ??= (async () => {
      // A topic just created may not be known to every broker yet: the publisher still connects,
      // within PUBLISH_MAX_BATCH_BYTES (below Kafka's default limit), and reads the limits again
      // when a broker refuses a batch as too large.
      await this.budgets
        .readLimits()
        .catch((error: unknown) =>
          this.options.log.warn(
            { topics: this.options.topics, budget: this.options.maxBatchBytes, reason: describeError(error) },
            "cannot read the topics' max.message.bytes yet; batches stay within PUBLISH_MAX_BATCH_BYTES",
          ),
        );
      await this.producer.connect();
    })().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  /** Log once, and report not ready until the next acknowledged send. */
  markStalled(context: Record<string, unknown>, message: string): void {
    if (!this.stalled) this.options.log.warn(context, message);
    this.stalled = true;
  }

  /**
   * Send `batch` and answer each record with its position. A partition the
   * answer does not mention was not written: kafkajs 2.2.4 drops it when its
   * leader moved, during the send's own retries, to a broker that had already
   * answered for other partitions (its sendMessages keeps those answers across
   * retries and sends only to brokers without one; tulios/kafkajs#1798). Those
   * records are sent again, the same records in the same order, so the
   * idempotent producer's sequence numbers match the first try: a record the
   * old leader did write before it died is recognised as a duplicate, not
   * appended twice. Until every one of them is acknowledged or past its deadline.
   */
  async deliver(
    batch: readonly BatchedRecord<OutgoingMessage>[],
    answer: Answer<OutgoingMessage, PublishResult>,
  ): Promise<void> {
    let toSend = batch;
    for (let round = 1; toSend.some((record) => !record.answered); round++) {
      const acknowledgements = await this.sendBatchOnce(toSend, answer);
      if (!acknowledgements) return;
      toSend = this.answerAcknowledged(toSend, acknowledgements, answer);
      if (toSend.length > 0)
        this.options.log.warn(
          {
            records: toSend.length,
            partitions: [...new Set(toSend.map((record) => this.partitionKey(record)))],
            round,
          },
          'Kafka did not acknowledge every partition of a send (a leader moved): sending those records again',
        );
    }
  }

  /** Stop replacing a failed producer (closing) and wait for a replacement under way to stop. */
  async stopReplacingProducer(): Promise<void> {
    this.stopReplacing.abort();
    await this.replacing;
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }

  private newProducer(): Producer {
    const partitionOf = this.partitionOf;
    const producer = this.kafka.producer({
      idempotent: true,
      // kafkajs idempotence requires one in-flight request per broker.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // An idempotent producer must keep retrying (kafkajs warns otherwise); our own
      // deadline answers callers, kafkajs keeps the batch until the cluster is back.
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: this.options.retryMaxWaitMs },
      createPartitioner: () => {
        const choose = Partitioners.DefaultPartitioner();
        return (args) => {
          const partition = choose(args);
          partitionOf.set(args.message, partition);
          return partition;
        };
      },
    });
    // A replaced producer's events say nothing about the current one.
    producer.on(producer.events.CONNECT, () => {
      if (producer === this.producer) this.connected = true;
    });
    producer.on(producer.events.DISCONNECT, () => {
      if (producer === this.producer) this.connected = false;
    });
    return producer;
  }

  /** One sendBatch; undefined (every record of `batch` answered with the failure) when it fails. */
  private async sendBatchOnce(
    batch: readonly BatchedRecord<OutgoingMessage>[],
    answer: Answer<OutgoingMessage, PublishResult>,
  ): Promise<Acknowledgements | undefined> {
    const byTopic = new Map<string, Message[]>();
    for (const record of batch) {
      const messages = byTopic.get(record.topic) ?? [];
      messages.push(record.message);
      byTopic.set(record.topic, messages);
    }
    let acknowledgements: Acknowledgements;
    try {
      acknowledgements = await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (error) {
      this.markStalled({ err: error, batchSize: batch.length }, 'send failed');
      const tooLarge = isMessageTooLarge(error);
      if (tooLarge) this.budgets.shrink(batch);
      this.replacing ??= this.replaceProducer();
      for (const record of batch) {
        // Alone and still too large for the broker: another try cannot help.
        if (tooLarge && batch.length === 1) {
          const bytes = RECORD_BATCH_OVERHEAD + record.bytes;
          answer(record, 'too_large', new RecordTooLargeError(record.topic, bytes, this.budgetOf(record.topic)));
        } else {
          const failure = retriablePublishError(PublishFailedError, `send failed: ${describeError(error)}`, {
            topic: record.topic,
            retryAfterMs: this.options.retryAfterMs,
            cause: error,
          });
          answer(record, 'failed', failure);
        }
      }
      return undefined;
    }
    if (this.stalled) this.options.log.info({ batchSize: batch.length }, 'Kafka acknowledges again');
    this.stalled = false;
    return acknowledgements;
  }

  /**
   * Answer the records whose partition was acknowledged, with their offsets
   * (within a partition, they follow the order of the messages sent to it);
   * return the others, in order.
   */
  private answerAcknowledged(
    batch: readonly BatchedRecord<OutgoingMessage>[],
    acknowledgements: Acknowledgements,
    answer: Answer<OutgoingMessage, PublishResult>,
  ): BatchedRecord<OutgoingMessage>[] {
    const nextOffset = new Map<string, bigint>();
    for (const meta of acknowledgements) {
      nextOffset.set(`${meta.topicName}\u0000${meta.partition}`, BigInt(meta.baseOffset ?? meta.offset ?? '-1'));
    }
    const unacknowledged: BatchedRecord<OutgoingMessage>[] = [];
    for (const record of batch) {
      const key = this.partitionKey(record);
      const offset = nextOffset.get(key);
      if (offset === undefined || offset < 0n) {
        unacknowledged.push(record);
        continue;
      }
      nextOffset.set(key, offset + 1n);
      const partition = this.partitionOf.get(record.message)!;
      answer(record, 'acked', { topic: record.topic, partition, offset: String(offset) });
    }
    return unacknowledged;
  }

  /** "topic NUL partition", the key of a record's partition in the acknowledgements. */
  private partitionKey(record: BatchedRecord<OutgoingMessage>): string {
    return `${record.topic}\u0000${this.partitionOf.get(record.message) ?? -1}`;
  }

  /**
   * After a failed send, the producer is replaced: a new producer id, sequence
   * numbers from 0. kafkajs rolls a partition's sequence number back when a
   * produce request fails, even when the failure is ambiguous (the connection
   * broke after the broker had written the records); the next batch then
   * reuses those numbers for other records, and a broker that recognises the
   * numbers answers "duplicate" with the earlier records' offsets — the new
   * records are acknowledged and never written. Seen under a network cut
   * (test/faults/kafka-outage.test.ts). Meanwhile `publish()` refuses at once
   * (not connected); connecting is retried until it works or the publisher closes.
   */
  private async replaceProducer(): Promise<void> {
    const old = this.producer;
    this.producer = this.newProducer();
    this.connected = false;
    this.connecting = undefined;
    this.options.log.warn('a send failed: replacing the Kafka producer, so no sequence number is reused');
    old.disconnect().catch(() => undefined);
    try {
      await retry(() => this.connect(), {
        retries: Infinity,
        initialDelayMs: 100,
        maxDelayMs: this.options.retryMaxWaitMs,
        // Whatever kafkajs says (its own retries spent is "not retriable"): nothing else would reconnect.
        shouldRetry: () => true,
        signal: this.stopReplacing.signal,
        onRetry: ({ error, attempt, delayMs }) =>
          this.options.log.warn(
            { attempt, delayMs, reason: describeError(error) },
            'cannot connect the new producer yet, retrying',
          ),
      });
    } catch {
      // the publisher is closing: it disconnects this producer
    } finally {
      this.replacing = undefined;
      this.options.onProducerReplaced();
    }
  }
}
