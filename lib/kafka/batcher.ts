/**
 * The publisher's batching, with no Kafka client in it: records wait here for
 * `lingerMs`, or until a batch is full (by count or by bytes), and go to the
 * sender one batch at a time; every caller is answered exactly once: by the
 * sender (acknowledged, or failed), or here when its deadline passes first.
 *
 * One batch is delivered at a time: records that arrive meanwhile form the
 * next one, sent as soon as the current one is done, so batches grow with the
 * load by themselves. Order is kept: a batch is the oldest records, and it
 * stops at the first record that does not fit, so none overtakes an earlier one.
 */
import { RECORD_BATCH_OVERHEAD } from './record-size';

export interface BatcherOptions {
  /** How long the first record of a batch waits for others, in ms; 0: the next turn of the event loop. */
  lingerMs: number;
  /** Records per batch at most; a batch this full goes at once. */
  maxBatch: number;
  /** Bytes waiting at which a batch goes at once, without lingering (a topic's own budget bounds each batch). */
  maxBatchBytes: number;
  /** How long a record may wait for its answer, from `add()`, in ms. */
  timeoutMs: number;
}

/** How a record ended, as counted by the metrics. */
export type Outcome = 'acked' | 'failed' | 'timeout' | 'too_large';

/** A record as the sender sees it. */
export interface BatchedRecord<M> {
  readonly topic: string;
  readonly message: M;
  /** What the record adds to its topic's share of the batch, at most (lib/kafka/record-size.ts). */
  readonly bytes: number;
  /** True once its caller has been answered (a record can time out while its batch is being sent). */
  readonly answered: boolean;
}

/** Answer one record's caller; a record already answered is left alone. */
export type Answer<M, R> = (record: BatchedRecord<M>, outcome: Outcome, result: R | Error) => void;

export interface BatcherHooks<M, R> {
  /** The bytes one batch may hold of `topic`'s records, framing included. */
  budgetOf(topic: string): number;
  /** False while no batch can be delivered (the sender is replacing its producer; it calls `deliverNow()` after). */
  canDeliver(): boolean;
  /** Send `batch`, answering each record with `answer`; resolves once done with the batch. */
  deliver(batch: readonly BatchedRecord<M>[], answer: Answer<M, R>): Promise<void>;
  /** The error a record whose deadline passed is rejected with. */
  deadlineError(record: BatchedRecord<M>): Error;
  /** Records were rejected for their deadline. */
  onExpired(expired: number): void;
  /** Metrics: each answer (latency only for a success), each batch handed over. */
  observer?: {
    answered(topic: string, outcome: Outcome, latencySeconds?: number): void;
    delivered(records: number, bytes: number): void;
  };
}

interface Waiting<M, R> extends BatchedRecord<M> {
  readonly deadline: number;
  readonly startedAt: bigint;
  answered: boolean;
  resolve(result: R): void;
  reject(error: Error): void;
}

export class Batcher<M, R> {
  private waiting: Waiting<M, R>[] = [];
  /** The bytes of the records in `waiting`. */
  private waitingBytes = 0;
  private inFlight: Waiting<M, R>[] = [];
  private delivering?: Promise<void>;
  private lingerTimer?: NodeJS.Timeout;
  private deadlineTimer?: NodeJS.Timeout;
  private unanswered = 0;
  private flushWaiters: (() => void)[] = [];
  /** Set by `stopLingering()`: every batch goes as soon as it can. */
  private noLinger = false;

  constructor(
    private readonly options: BatcherOptions,
    private readonly hooks: BatcherHooks<M, R>,
  ) {}

  /** Records held (waiting or in flight). */
  get size(): number {
    return this.waiting.length + this.inFlight.length;
  }

  /** Queue one record; the promise settles with the sender's answer, or the deadline error. */
  add(topic: string, message: M, bytes: number): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({
        topic,
        message,
        bytes,
        deadline: Date.now() + this.options.timeoutMs,
        startedAt: process.hrtime.bigint(),
        answered: false,
        resolve,
        reject,
      });
      this.unanswered++;
      this.waitingBytes += bytes;
      this.armDeadlineTimer();
      this.scheduleDelivery();
    });
  }

  /** Resolves once every record added so far is answered; sends what waits without lingering. */
  flush(): Promise<void> {
    if (this.unanswered === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.flushWaiters.push(resolve);
      this.scheduleDelivery(true);
    });
  }

  /** Deliver what waits now (the sender can deliver again). */
  deliverNow(): void {
    this.scheduleDelivery(true);
  }

  /** From now on no batch lingers (the publisher is closing). */
  stopLingering(): void {
    this.noLinger = true;
  }

  /** Clear the timers (after the last flush). */
  stop(): void {
    clearTimeout(this.lingerTimer);
    clearTimeout(this.deadlineTimer);
  }

  /** Deliver now when a batch is full (or `now`), else after the linger; never two batches at once. */
  private scheduleDelivery(now = false): void {
    if (this.delivering || this.waiting.length === 0) return;
    if (
      now ||
      this.noLinger ||
      this.waiting.length >= this.options.maxBatch ||
      this.waitingBytes >= this.options.maxBatchBytes
    ) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
      this.deliverNextBatch();
    } else {
      this.lingerTimer ??= setTimeout(() => {
        this.lingerTimer = undefined;
        if (!this.delivering) this.deliverNextBatch();
      }, this.options.lingerMs);
    }
  }

  private deliverNextBatch(): void {
    if (!this.hooks.canDeliver()) return; // delivered once the sender calls deliverNow()
    const { batch, bytes } = this.takeNextBatch();
    if (batch.length === 0) return;
    this.inFlight = batch;
    this.hooks.observer?.delivered(batch.length, bytes);
    this.delivering = this.hooks.deliver(batch, this.answer).finally(() => {
      this.inFlight = [];
      this.delivering = undefined;
      // Records that arrived during the delivery have waited long enough: send them at once.
      if (this.waiting.length > 0) this.scheduleDelivery(true);
      this.resolveFlushesIfIdle();
    });
  }

  /**
   * The next batch, in arrival order: at most maxBatch records, and per topic
   * at most its budget of bytes (a partition's records are some of its
   * topic's, so each partition's record batch fits too). Stops at the first
   * record that does not fit, so no record overtakes an earlier one. A record
   * over its budget alone (the budget was lowered after it was queued) goes alone.
   */
  private takeNextBatch(): { batch: Waiting<M, R>[]; bytes: number } {
    const batch: Waiting<M, R>[] = [];
    const bytesOfTopic = new Map<string, number>();
    let taken = 0;
    let takenBytes = 0;
    for (; taken < this.waiting.length && batch.length < this.options.maxBatch; taken++) {
      const record = this.waiting[taken]!;
      if (!record.answered) {
        const used = bytesOfTopic.get(record.topic) ?? RECORD_BATCH_OVERHEAD;
        if (batch.length > 0 && used + record.bytes > this.hooks.budgetOf(record.topic)) break;
        bytesOfTopic.set(record.topic, used + record.bytes);
        batch.push(record);
      }
      takenBytes += record.bytes;
    }
    this.waiting.splice(0, taken);
    this.waitingBytes -= takenBytes;
    let bytes = 0;
    for (const topicBytes of bytesOfTopic.values()) bytes += topicBytes;
    return { batch, bytes };
  }

  /** Resolve or reject a record's caller once; a record already answered (timed out) is left alone. */
  private readonly answer: Answer<M, R> = (view, outcome, result) => {
    const record = view as Waiting<M, R>;
    if (record.answered) return;
    record.answered = true;
    this.unanswered--;
    const observer = this.hooks.observer;
    if (result instanceof Error) {
      observer?.answered(record.topic, outcome);
      record.reject(result);
    } else {
      observer?.answered(record.topic, outcome, Number(process.hrtime.bigint() - record.startedAt) / 1e9);
      record.resolve(result);
    }
  };

  /** One timer, set for the oldest unanswered record: in flight first, then waiting (both in arrival order). */
  private armDeadlineTimer(): void {
    if (this.deadlineTimer) return;
    const oldest = this.inFlight.find((record) => !record.answered) ?? this.waiting[0];
    if (!oldest) return;
    this.deadlineTimer = setTimeout(() => this.rejectExpired(), Math.max(0, oldest.deadline - Date.now()));
  }

  private rejectExpired(): void {
    this.deadlineTimer = undefined;
    const now = Date.now();
    let expired = 0;
    const reject = (record: Waiting<M, R>) => {
      expired++;
      this.answer(record, 'timeout', this.hooks.deadlineError(record));
    };
    for (const record of this.inFlight) if (!record.answered && record.deadline <= now) reject(record);
    // Waiting records that expired are never sent: their callers were told they failed.
    while (this.waiting[0] && this.waiting[0].deadline <= now) {
      const record = this.waiting.shift()!;
      this.waitingBytes -= record.bytes;
      reject(record);
    }
    if (expired > 0) this.hooks.onExpired(expired);
    this.armDeadlineTimer();
    this.resolveFlushesIfIdle();
  }

  private resolveFlushesIfIdle(): void {
    if (this.unanswered > 0) return;
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    for (const resolve of this.flushWaiters.splice(0)) resolve();
  }
}
