/**
 * How many record-batch bytes one send may carry per topic: PUBLISH_MAX_BATCH_BYTES,
 * lowered to what each topic's `max.message.bytes` takes (read at connect), and
 * halved when a broker refuses a batch as too large anyway (read again then).
 */
import type { Kafka } from 'kafkajs';
import type { Logger } from '../logger';
import type { BatchedRecord } from './batcher';
import type { OutgoingMessage } from './outgoing';
import { RECORD_BATCH_OVERHEAD, recordBatchBudget } from './record-size';
import { readMaxMessageBytes } from './topics';

export interface TopicBudgetsOptions {
  /** Record-batch bytes of one topic per send, for topics whose limit is not (yet) read. */
  maxBatchBytes: number;
  /** Topics whose `max.message.bytes` is read at connect. */
  topics: string[];
  log: Logger;
}

export class TopicBudgets {
  /** Record-batch bytes allowed per topic, when lower than maxBatchBytes (read from the topic, or learnt). */
  private readonly budgets = new Map<string, number>();
  /** Whether the `topics`' max.message.bytes still needs reading (at the next connect). */
  private limitsUnread = true;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: TopicBudgetsOptions,
  ) {}

  /** The record-batch bytes allowed for `topic` in one send. */
  of(topic: string): number {
    return this.budgets.get(topic) ?? this.options.maxBatchBytes;
  }

  /** Read the `topics`' max.message.bytes (once, and again after the broker refused a batch as too large). */
  async readLimits(): Promise<void> {
    if (!this.limitsUnread || this.options.topics.length === 0) return;
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const limits = await readMaxMessageBytes(admin, this.options.topics);
      for (const [topic, maxMessageBytes] of limits) {
        // Budgets only go down: one learnt from a refused batch stays until the process restarts.
        const budget = Math.min(this.of(topic), recordBatchBudget(maxMessageBytes));
        this.budgets.set(topic, budget);
        this.options.log.info({ topic, maxMessageBytes, budget }, 'record batches of the topic bounded');
      }
      this.limitsUnread = false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /**
   * The broker refused a record batch as too large although each topic's
   * records were within budget: the topic's max.message.bytes was lowered since
   * start-up, or the size estimate is off. Halve the budget of each topic of the
   * batch and read the limits again with the new producer, so the records,
   * tried again by their callers (a retriable 503), go in smaller batches.
   */
  shrink(batch: readonly BatchedRecord<OutgoingMessage>[]): void {
    const bytesOfTopic = new Map<string, number>();
    for (const record of batch)
      bytesOfTopic.set(record.topic, (bytesOfTopic.get(record.topic) ?? RECORD_BATCH_OVERHEAD) + record.bytes);
    for (const [topic, bytes] of bytesOfTopic) {
      const budget = Math.max(RECORD_BATCH_OVERHEAD + 1, Math.min(this.of(topic), Math.floor(bytes / 2)));
      this.budgets.set(topic, budget);
      this.options.log.error(
        { topic, batchBytes: bytes, budget },
        'the broker refused a record batch as too large: budget lowered',
      );
    }
    this.limitsUnread = true;
  }
}

/** Whether a kafkajs error (or one it wraps) is the broker's MESSAGE_TOO_LARGE. */
export function isMessageTooLarge(error: unknown, depth = 0): boolean {
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
