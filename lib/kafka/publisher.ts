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
 */
import { Partitioners, type Kafka, type Message, type Producer, type RecordMetadata } from 'kafkajs';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { ConfigError, describeError, TooLargeError, UnavailableError } from '../errors';
import { createLogger, type Logger } from '../logger';
import { boundLabels } from '../observability';
import { retry } from '../retry';
import { toKafkaMessage, type PipelineEvent } from '../schemas/envelope';
import { RECORD_BATCH_OVERHEAD, recordBatchBudget, recordBytes } from './record-size';
import { readMaxMessageBytes } from './topics';

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

type ResolvedOptions = Required<Omit<PublisherOptions, 'registry' | 'log'>>;

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

/** What `publish()` takes: the key is required (docs/ARCHITECTURE.md §3: keys always set). */
export interface OutgoingRecord {
  key: string;
  value: string | Buffer;
  headers?: Record<string, string>;
}

/** Where an acknowledged record landed. */
export interface PublishResult {
  topic: string;
  partition: number;
  offset: string;
}

/** The cluster did not acknowledge the record in time. */
export class PublishTimeoutError extends UnavailableError {}
/** Too many records are waiting already; try again later. */
export class PublisherOverloadedError extends UnavailableError {}
/** The send failed, or the publisher is not connected or is closing. */
export class PublishFailedError extends UnavailableError {}
/** The record is larger than its topic takes: it is never sent, and another try cannot help. HTTP: 413. */
export class RecordTooLargeError extends TooLargeError {
  constructor(topic: string, bytes: number, budget: number) {
    super(
      `the record is ${bytes} bytes, more than the ${budget} bytes topic ${topic} takes in one record batch`,
      'record_too_large',
      { topic, bytes, budget },
    );
  }
}

interface PendingRecord {
  topic: string;
  message: Message;
  /** What the record adds to its partition's record batch (record-size.ts), at most. */
  bytes: number;
  deadline: number;
  startedAt: bigint;
  settled: boolean;
  resolve: (result: PublishResult) => void;
  reject: (error: Error) => void;
}

/** Validate merged options; every problem names the setting and the way out. */
function validateOptions(options: ResolvedOptions): void {
  const problems: string[] = [];
  const intAtLeast = (name: Exclude<keyof ResolvedOptions, 'topics'>, min: number) => {
    const value = options[name];
    if (!Number.isInteger(value) || value < min) problems.push(`${name} must be an integer >= ${min} (got ${value})`);
  };
  intAtLeast('lingerMs', 0);
  intAtLeast('maxBatch', 1);
  intAtLeast('maxBatchBytes', 1_024);
  if (!Array.isArray(options.topics) || options.topics.some((topic) => typeof topic !== 'string' || topic === ''))
    problems.push('topics must be a list of topic names');
  intAtLeast('maxPending', 1);
  intAtLeast('timeoutMs', 1);
  intAtLeast('retryMaxWaitMs', 1);
  intAtLeast('retryAfterMs', 0);
  if (options.maxPending < options.maxBatch) {
    problems.push(
      `maxPending (${options.maxPending}) must be at least maxBatch (${options.maxBatch}): ` +
        'raise PUBLISH_MAX_PENDING or lower PUBLISH_MAX_BATCH',
    );
  }
  if (options.lingerMs >= options.timeoutMs) {
    problems.push(
      `lingerMs (${options.lingerMs}) must be lower than timeoutMs (${options.timeoutMs}); a few ms is enough`,
    );
  }
  if (problems.length > 0)
    throw new ConfigError(`invalid publisher options:\n  - ${problems.join('\n  - ')}`, problems);
}

export class Publisher {
  readonly options: ResolvedOptions;
  private readonly log: Logger;
  private readonly kafka: Kafka;
  private producer: Producer;
  /** The partition kafkajs chose for each message object, read back to compute offsets. */
  private readonly partitionOf = new WeakMap<Message, number>();
  private readonly metrics?: ReturnType<typeof createPublisherMetrics>;

  private queue: PendingRecord[] = [];
  /** The bytes of the records in `queue`. */
  private queuedBytes = 0;
  /** Record-batch bytes allowed per topic, when lower than maxBatchBytes (read from the topic, or learnt). */
  private readonly budgets = new Map<string, number>();
  /** Whether the `topics`' max.message.bytes still needs reading (at the next connect). */
  private limitsUnread = true;
  private inFlight: PendingRecord[] = [];
  private sending?: Promise<void>;
  private lingerTimer?: NodeJS.Timeout;
  private expiryTimer?: NodeJS.Timeout;
  private unsettled = 0;
  private idleWaiters: (() => void)[] = [];
  private connected = false;
  private connecting?: Promise<void>;
  private closing?: Promise<void>;
  /** Set while a failed producer is being replaced (see `renewProducer`). */
  private renewing?: Promise<void>;
  private readonly stopRenewing = new AbortController();
  /** True from the first failed or expired record until the next successful send. */
  private stalled = false;

  constructor(kafka: Kafka, options: PublisherOptions = {}) {
    const { registry, log, ...rest } = options;
    const defined = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
    this.options = { ...PUBLISHER_DEFAULTS, ...defined };
    validateOptions(this.options);
    this.log = (log ?? createLogger({ service: 'publisher', level: 'silent' })).child({ component: 'publisher' });
    this.kafka = kafka;
    this.producer = this.newProducer();
    if (registry) this.metrics = createPublisherMetrics(registry, () => this.queue.length + this.inFlight.length);
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

  /** Connect the producer (and fetch its producer id). Safe to call again after a failure. */
  connect(): Promise<void> {
    this.connecting ??= (async () => {
      // A topic just created may not be known to every broker yet: the publisher still connects,
      // within PUBLISH_MAX_BATCH_BYTES (below Kafka's default limit), and reads the limits again
      // when a broker refuses a batch as too large.
      await this.readTopicLimits().catch((error: unknown) =>
        this.log.warn(
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

  /** The record-batch bytes allowed for `topic` in one send. */
  budgetOf(topic: string): number {
    return this.budgets.get(topic) ?? this.options.maxBatchBytes;
  }

  /** Read the `topics`' max.message.bytes (once, and again after the broker refused a batch as too large). */
  private async readTopicLimits(): Promise<void> {
    if (!this.limitsUnread || this.options.topics.length === 0) return;
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const limits = await readMaxMessageBytes(admin, this.options.topics);
      for (const [topic, maxMessageBytes] of limits) {
        // Budgets only go down: one learnt from a refused batch stays until the process restarts.
        const budget = Math.min(this.budgetOf(topic), recordBatchBudget(maxMessageBytes));
        this.budgets.set(topic, budget);
        this.log.info({ topic, maxMessageBytes, budget }, 'record batches of the topic bounded');
      }
      this.limitsUnread = false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Connected, not closing, and the last send went through: what /readyz reports. */
  isReady(): boolean {
    return this.connected && !this.closing && !this.stalled;
  }

  /** Records held in memory (waiting or in flight). */
  get pending(): number {
    return this.queue.length + this.inFlight.length;
  }

  /**
   * Publish one record; resolves once the cluster acknowledged it (acks=all).
   * Rejects with a retriable UnavailableError when the publisher is overloaded,
   * not connected or closing, or the cluster did not answer within timeoutMs.
   */
  publish(topic: string, record: OutgoingRecord): Promise<PublishResult> {
    if (this.closing) return Promise.reject(this.failure(PublishFailedError, 'the publisher is closing', topic));
    if (!this.connected) return Promise.reject(this.failure(PublishFailedError, 'not connected to Kafka', topic));
    // A fresh object per record: kafkajs hands it back to the partitioner by identity.
    const message: Message = {
      key: record.key,
      value: record.value,
      ...(record.headers && { headers: record.headers }),
    };
    const bytes = recordBytes(message);
    if (RECORD_BATCH_OVERHEAD + bytes > this.budgetOf(topic)) {
      this.metrics?.records(topic, 'too_large').inc();
      return Promise.reject(new RecordTooLargeError(topic, RECORD_BATCH_OVERHEAD + bytes, this.budgetOf(topic)));
    }
    if (this.pending >= this.options.maxPending) {
      this.metrics?.records(topic, 'overloaded').inc();
      return Promise.reject(
        this.failure(PublisherOverloadedError, `${this.pending} records are waiting for Kafka already`, topic),
      );
    }
    return new Promise<PublishResult>((resolve, reject) => {
      this.queue.push({
        topic,
        message,
        bytes,
        deadline: Date.now() + this.options.timeoutMs,
        startedAt: process.hrtime.bigint(),
        settled: false,
        resolve,
        reject,
      });
      this.unsettled++;
      this.queuedBytes += bytes;
      this.armExpiry();
      this.schedule();
    });
  }

  /** Publish a pipeline event (key, JSON value and headers from the envelope). */
  publishEvent(topic: string, event: PipelineEvent, traceId?: string): Promise<PublishResult> {
    return this.publish(topic, toKafkaMessage(event, traceId));
  }

  /** Resolves once every record accepted so far is acknowledged or has failed. */
  flush(): Promise<void> {
    if (this.unsettled === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.schedule(true);
    });
  }

  /** Stop accepting, flush what is pending, disconnect. Calling it again returns the same promise. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopRenewing.abort();
      await this.renewing;
      await this.flush();
      clearTimeout(this.lingerTimer);
      clearTimeout(this.expiryTimer);
      await this.producer.disconnect();
      this.log.info('publisher closed');
    })();
    return this.closing;
  }

  /** Send now when a batch is full (or `now`), else after the linger; never two sends at once. */
  private schedule(now = false): void {
    if (this.sending || this.queue.length === 0) return;
    if (
      now ||
      this.closing ||
      this.queue.length >= this.options.maxBatch ||
      this.queuedBytes >= this.options.maxBatchBytes
    ) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
      this.sendNext();
    } else {
      this.lingerTimer ??= setTimeout(() => {
        this.lingerTimer = undefined;
        if (!this.sending) this.sendNext();
      }, this.options.lingerMs);
    }
  }

  private sendNext(): void {
    if (this.renewing) return; // sent once the new producer is connected
    const { batch, bytes } = this.takeBatch();
    if (batch.length === 0) return;
    this.inFlight = batch;
    this.metrics?.batchSize.observe(batch.length);
    this.metrics?.batchBytes.observe(bytes);
    this.sending = this.send(batch).finally(() => {
      this.inFlight = [];
      this.sending = undefined;
      // Records that arrived during the send have waited long enough: send them at once.
      if (this.queue.length > 0) this.schedule(true);
      this.notifyIfIdle();
    });
  }

  /**
   * The next batch, in arrival order: at most maxBatch records, and per topic
   * at most its budget of record-batch bytes (a partition's records are some of
   * its topic's, so each partition's record batch fits too). Stops at the first
   * record that does not fit, so no record overtakes an earlier one. A record
   * over its budget alone (the budget was lowered after it was queued) goes alone.
   */
  private takeBatch(): { batch: PendingRecord[]; bytes: number } {
    const batch: PendingRecord[] = [];
    const bytesOfTopic = new Map<string, number>();
    let taken = 0;
    let takenBytes = 0;
    for (; taken < this.queue.length && batch.length < this.options.maxBatch; taken++) {
      const record = this.queue[taken]!;
      if (!record.settled) {
        const used = bytesOfTopic.get(record.topic) ?? RECORD_BATCH_OVERHEAD;
        if (batch.length > 0 && used + record.bytes > this.budgetOf(record.topic)) break;
        bytesOfTopic.set(record.topic, used + record.bytes);
        batch.push(record);
      }
      takenBytes += record.bytes;
    }
    this.queue.splice(0, taken);
    this.queuedBytes -= takenBytes;
    let bytes = 0;
    for (const topicBytes of bytesOfTopic.values()) bytes += topicBytes;
    return { batch, bytes };
  }

  /**
   * Send `batch` and settle each record with its position. A partition the
   * answer does not mention was not written: kafkajs 2.2.4 drops it when its
   * leader moved, during the send's own retries, to a broker that had already
   * answered for other partitions (its sendMessages keeps those answers across
   * retries and sends only to brokers without one; tulios/kafkajs#1798). Those
   * records are sent again, the same records in the same order, so the
   * idempotent producer's sequence numbers match the first try: a record the
   * old leader did write before it died is recognised as a duplicate, not
   * appended twice. Until every one of them is acknowledged or past its deadline.
   */
  private async send(batch: PendingRecord[]): Promise<void> {
    let toSend = batch;
    for (let round = 1; toSend.some((record) => !record.settled); round++) {
      const acknowledged = await this.sendOnce(toSend);
      if (!acknowledged) return;
      toSend = this.settleAcknowledged(toSend, acknowledged);
      if (toSend.length > 0)
        this.log.warn(
          { records: toSend.length, partitions: [...new Set(toSend.map((record) => this.slotOf(record)))], round },
          'Kafka did not acknowledge every partition of a send (a leader moved): sending those records again',
        );
    }
  }

  /** One sendBatch; undefined (every record of `batch` rejected) when it fails. */
  private async sendOnce(batch: PendingRecord[]): Promise<RecordMetadata[] | undefined> {
    const byTopic = new Map<string, Message[]>();
    for (const record of batch) {
      const messages = byTopic.get(record.topic) ?? [];
      messages.push(record.message);
      byTopic.set(record.topic, messages);
    }
    let acknowledged: RecordMetadata[];
    try {
      acknowledged = await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (error) {
      this.markStalled({ err: error, batchSize: batch.length }, 'send failed');
      const tooLarge = isMessageTooLarge(error);
      if (tooLarge) this.shrinkBudgets(batch);
      this.renewing ??= this.renewProducer();
      for (const record of batch) {
        // Alone and still too large for the broker: another try cannot help.
        const failure =
          tooLarge && batch.length === 1
            ? new RecordTooLargeError(record.topic, RECORD_BATCH_OVERHEAD + record.bytes, this.budgetOf(record.topic))
            : this.failure(PublishFailedError, `send failed: ${describeError(error)}`, record.topic, error);
        this.settle(record, failure instanceof RecordTooLargeError ? 'too_large' : 'failed', failure);
      }
      return undefined;
    }
    if (this.stalled) this.log.info({ batchSize: batch.length }, 'Kafka acknowledges again');
    this.stalled = false;
    return acknowledged;
  }

  /**
   * The broker refused a record batch as too large although each topic's
   * records were within budget: the topic's max.message.bytes was lowered since
   * start-up, or the size estimate is off. Halve the budget of each topic of the
   * batch and read the limits again with the new producer, so the records,
   * tried again by their callers (a retriable 503), go in smaller batches.
   */
  private shrinkBudgets(batch: PendingRecord[]): void {
    const bytesOfTopic = new Map<string, number>();
    for (const record of batch)
      bytesOfTopic.set(record.topic, (bytesOfTopic.get(record.topic) ?? RECORD_BATCH_OVERHEAD) + record.bytes);
    for (const [topic, bytes] of bytesOfTopic) {
      const budget = Math.max(RECORD_BATCH_OVERHEAD + 1, Math.min(this.budgetOf(topic), Math.floor(bytes / 2)));
      this.budgets.set(topic, budget);
      this.log.error(
        { topic, batchBytes: bytes, budget },
        'the broker refused a record batch as too large: budget lowered',
      );
    }
    this.limitsUnread = true;
  }

  /** Settle the records whose partition was acknowledged; return the others, in order. */
  private settleAcknowledged(batch: PendingRecord[], acknowledged: RecordMetadata[]): PendingRecord[] {
    // Offsets within a partition follow the order of the messages sent to it.
    const nextOffset = new Map<string, bigint>();
    for (const meta of acknowledged) {
      nextOffset.set(`${meta.topicName}\u0000${meta.partition}`, BigInt(meta.baseOffset ?? meta.offset ?? '-1'));
    }
    const unacknowledged: PendingRecord[] = [];
    for (const record of batch) {
      const slot = this.slotOf(record);
      const offset = nextOffset.get(slot);
      if (offset === undefined || offset < 0n) {
        unacknowledged.push(record);
        continue;
      }
      nextOffset.set(slot, offset + 1n);
      const partition = this.partitionOf.get(record.message)!;
      this.settle(record, 'acked', { topic: record.topic, partition, offset: String(offset) });
    }
    return unacknowledged;
  }

  private slotOf(record: PendingRecord): string {
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
   * (not connected); connecting is retried until it works or `close()`.
   */
  private async renewProducer(): Promise<void> {
    const old = this.producer;
    this.producer = this.newProducer();
    this.connected = false;
    this.connecting = undefined;
    this.log.warn('a send failed: replacing the Kafka producer, so no sequence number is reused');
    old.disconnect().catch(() => undefined);
    try {
      await retry(() => this.connect(), {
        retries: Infinity,
        initialDelayMs: 100,
        maxDelayMs: this.options.retryMaxWaitMs,
        // Whatever kafkajs says (its own retries spent is "not retriable"): nothing else would reconnect.
        shouldRetry: () => true,
        signal: this.stopRenewing.signal,
        onRetry: ({ error, attempt, delayMs }) =>
          this.log.warn(
            { attempt, delayMs, reason: describeError(error) },
            'cannot connect the new producer yet, retrying',
          ),
      });
    } catch {
      // close() stopped the retries; it disconnects this producer
    } finally {
      this.renewing = undefined;
      this.schedule(true);
    }
  }

  /** Resolve or reject a record once; a record that already timed out is left alone. */
  private settle(
    record: PendingRecord,
    outcome: 'acked' | 'failed' | 'timeout' | 'too_large',
    result: PublishResult | Error,
  ): void {
    if (record.settled) return;
    record.settled = true;
    this.unsettled--;
    this.metrics?.records(record.topic, outcome).inc();
    if (result instanceof Error) {
      record.reject(result);
    } else {
      this.metrics?.latency.observe(Number(process.hrtime.bigint() - record.startedAt) / 1e9);
      record.resolve(result);
    }
  }

  /** One timer, set for the oldest unsettled record: in flight first, then waiting (both in arrival order). */
  private armExpiry(): void {
    if (this.expiryTimer) return;
    const oldest = this.inFlight.find((record) => !record.settled) ?? this.queue[0];
    if (!oldest) return;
    this.expiryTimer = setTimeout(() => this.expire(), Math.max(0, oldest.deadline - Date.now()));
  }

  private expire(): void {
    this.expiryTimer = undefined;
    const now = Date.now();
    let expired = 0;
    const timeout = (record: PendingRecord) => {
      expired++;
      const message = `Kafka did not acknowledge the record within ${this.options.timeoutMs} ms`;
      this.settle(record, 'timeout', this.failure(PublishTimeoutError, message, record.topic));
    };
    for (const record of this.inFlight) if (!record.settled && record.deadline <= now) timeout(record);
    // Waiting records that expired are never sent: their callers were told they failed.
    while (this.queue[0] && this.queue[0].deadline <= now) {
      const record = this.queue.shift()!;
      this.queuedBytes -= record.bytes;
      timeout(record);
    }
    if (expired > 0)
      this.markStalled({ expired, pending: this.pending }, 'records expired before Kafka acknowledged them');
    this.armExpiry();
    this.notifyIfIdle();
  }

  private markStalled(context: Record<string, unknown>, message: string): void {
    if (!this.stalled) this.log.warn(context, message);
    this.stalled = true;
  }

  private notifyIfIdle(): void {
    if (this.unsettled > 0) return;
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private failure(
    Kind: new (message: string, options: ConstructorParameters<typeof UnavailableError>[1]) => UnavailableError,
    message: string,
    topic: string,
    cause?: unknown,
  ): UnavailableError {
    return new Kind(message, { context: { topic }, retryAfterMs: this.options.retryAfterMs, cause });
  }
}

/** Whether a kafkajs error (or one it wraps) is the broker's MESSAGE_TOO_LARGE. */
function isMessageTooLarge(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const { type, cause, originalError, errors } = error as {
    type?: unknown;
    cause?: unknown;
    originalError?: unknown;
    errors?: unknown;
  };
  if (type === 'MESSAGE_TOO_LARGE') return true;
  return (
    isMessageTooLarge(cause, depth + 1) ||
    isMessageTooLarge(originalError, depth + 1) ||
    (Array.isArray(errors) && errors.some((inner) => isMessageTooLarge(inner, depth + 1)))
  );
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
