/**
 * The DLQ topic copied into the `dead_letters` collection, so GET /events/:eventId
 * finds a dead letter by its event id with one indexed read instead of a scan of
 * the topic. Its own consumer group (READER_DLQ_GROUP) reads the DLQ from the
 * beginning; one document per DLQ record, `_id` "<partition>:<offset>", so a
 * record read twice (a rebalance, a restart) is inserted once. The copy lags the
 * topic by a batch (milliseconds); the topic stays the source of truth
 * (`npm run dlq:replay` reads the topic, not this).
 *
 * Why here and not in the sink: the read API owns what it needs, the sink's
 * commit path gains no second store write, and the copy can be rebuilt from the
 * topic at any time (drop the collection, reset the group).
 */
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { MongoBulkWriteError, type Db } from 'mongodb';
import { DLQ_HEADERS, headerText } from '../lib/kafka/dead-letter-headers';
import { describeError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { COLLECTIONS, countChange } from '../lib/mongo';
import { retry } from '../lib/retry';

export interface DeadLetterIndexOptions {
  /** The DLQ topic. */
  topic: string;
  /** The consumer group of the copy. */
  groupId: string;
  log: Logger;
}

const UUID = /"eventId"\s*:\s*"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"/;
/** Values up to this size are parsed as JSON for their eventId; larger ones are searched in their first bytes. */
const MAX_PARSE_BYTES = 1024 * 1024;

/** The eventId of a dead letter's value, when it has one (a decode failure may not). */
export function eventIdOf(value: Buffer | null): string | null {
  if (!value || value.length === 0) return null;
  if (value.length <= MAX_PARSE_BYTES) {
    try {
      const parsed = JSON.parse(value.toString('utf8')) as unknown;
      const id = (parsed as { eventId?: unknown } | null)?.eventId;
      if (typeof id === 'string' && UUID.test(`"eventId":"${id}"`)) return id.toLowerCase();
    } catch {
      // not JSON: fall through to the textual search
    }
  }
  return UUID.exec(value.subarray(0, 4096).toString('utf8'))?.[1]?.toLowerCase() ?? null;
}

const intOrNull = (text: string | undefined) => (text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : null);
const dateOrNull = (text: string | undefined) => {
  const time = text === undefined ? NaN : Date.parse(text);
  return Number.isNaN(time) ? null : new Date(time);
};

/** The `dead_letters` document of one DLQ record. */
export function deadLetterDocument(topic: string, partition: number, message: KafkaMessage) {
  const h = (name: string) => headerText(message.headers, name) ?? null;
  return {
    _id: `${partition}:${message.offset}`,
    eventId: eventIdOf(message.value),
    reason: h(DLQ_HEADERS.reason),
    errorClass: h(DLQ_HEADERS.errorClass),
    errorMessage: h(DLQ_HEADERS.errorMessage),
    failedAt: dateOrNull(h(DLQ_HEADERS.failedAt) ?? undefined),
    consumerGroup: h(DLQ_HEADERS.group),
    origin: {
      topic: h(DLQ_HEADERS.topic),
      partition: intOrNull(h(DLQ_HEADERS.partition) ?? undefined),
      offset: intOrNull(h(DLQ_HEADERS.offset) ?? undefined),
    },
    dlq: { topic, partition, offset: Number(message.offset) },
    key: message.key?.toString('utf8').slice(0, 256) ?? null,
  };
}

const DUPLICATE_KEY = 11000;

export class DeadLetterIndex {
  private readonly consumer: Consumer;
  private running = false;
  private readonly stopping = new AbortController();

  constructor(
    kafka: Kafka,
    private readonly db: Db,
    private readonly options: DeadLetterIndexOptions,
  ) {
    this.consumer = kafka.consumer({ groupId: options.groupId, allowAutoTopicCreation: false });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      options.log.warn({ reason: describeError(payload.error), restart: payload.restart }, 'dead-letter index crashed');
      if (!payload.restart) this.running = false;
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    await this.consumer.run({
      eachBatch: async ({ batch, heartbeat }) => {
        const docs = batch.messages.map((message) => deadLetterDocument(batch.topic, batch.partition, message));
        if (docs.length === 0) return;
        // Retried while the store is away (heartbeating), so the batch is never skipped.
        await retry(() => this.insert(docs), {
          retries: Infinity,
          maxDelayMs: 5_000,
          signal: this.stopping.signal,
          onRetry: ({ error, attempt }) => {
            this.options.log.warn({ attempt, reason: describeError(error) }, 'cannot copy dead letters yet, retrying');
            void heartbeat().catch(() => undefined);
          },
        });
      },
    });
    this.running = true;
  }

  private async insert(docs: ReturnType<typeof deadLetterDocument>[]): Promise<void> {
    try {
      await this.db.collection(COLLECTIONS.deadLetters).insertMany(docs as never[], { ordered: false });
    } catch (error) {
      // Already copied (a redelivery): fine. Anything else is retried.
      const writeErrors = error instanceof MongoBulkWriteError ? error.writeErrors : undefined;
      const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
      if (!(list.length > 0 && list.every((e) => e.code === DUPLICATE_KEY))) throw error;
    }
    // The read API's views re-read dead_letters when this count moves (reader/views.ts).
    await countChange(this.db, COLLECTIONS.deadLetters);
  }

  isRunning(): boolean {
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.running = false;
    await this.consumer.disconnect();
  }
}
