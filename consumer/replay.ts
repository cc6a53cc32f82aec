/**
 * Send dead letters back to the topic they came from, after the fix that
 * makes them acceptable (a schema change, a larger CONSUMER_MAX_RECORD_BYTES,
 * a store that takes the document). Reads the DLQ topic from its start up to
 * its end offsets as they were when the replay began, so it always ends, and
 * replays only the reasons asked for. The sink's writes are idempotent, so a
 * record replayed twice is still stored once.
 */
import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage, Message } from 'kafkajs';
import type { Config } from '../lib/config';
import { PipelineError } from '../lib/errors';
import { createKafka } from '../lib/kafka/client';
import type { Logger } from '../lib/logger';
import { chunkBySize, DLQ_HEADERS, headerText, originalHeaders, type DeadLetterReason } from './dead-letters';

export interface ReplayOptions {
  /** Replay only dead letters with one of these reasons. Default: every reason. */
  reasons?: DeadLetterReason[];
  /** Count what would be replayed and send nothing. Default: false. */
  dryRun?: boolean;
  /** Give up when the DLQ has not been read to its end offsets after this long, in ms. Default: 120_000. */
  timeoutMs?: number;
  /** A kafkajs client to use. Default: one built from config. */
  kafka?: Kafka;
}

export interface ReplayReport {
  /** Dead letters read (every one up to the end offsets). */
  read: number;
  /** Replayed (or, with dryRun, that would be), by original topic. */
  replayed: Record<string, number>;
  /** Left alone, by why: `reason` (not asked for), `unknown-topic` (origin is not a sink topic), `value-omitted`. */
  skipped: Record<string, number>;
  dryRun: boolean;
}

/** Header naming the DLQ record a replayed record came from (`<dlq topic>/<partition>/<offset>`). */
export const REPLAYED_FROM_HEADER = 'replayed-from';

export async function replayDeadLetters(
  config: Config,
  log: Logger,
  options: ReplayOptions = {},
): Promise<ReplayReport> {
  const { dlq } = config.kafka.topics;
  const sinkTopics = new Set([config.kafka.topics.somedata, config.kafka.topics.footdata]);
  const reasons = options.reasons && options.reasons.length > 0 ? new Set<string>(options.reasons) : undefined;
  const report: ReplayReport = { read: 0, replayed: {}, skipped: {}, dryRun: options.dryRun ?? false };
  const kafka = options.kafka ?? createKafka(config.kafka, log, { clientId: `${config.kafka.clientId}-dlq-replay` });

  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${config.consumer.groupId}.dlq-replay.${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  try {
    // Where the DLQ ends now: the replay stops there, whatever arrives meanwhile.
    const remaining = new Map<number, bigint>();
    for (const { partition, high, low } of await admin.fetchTopicOffsets(dlq))
      if (BigInt(high) > BigInt(low)) remaining.set(partition, BigInt(high));
    log.info(
      { dlq, partitions: Object.fromEntries(remaining), reasons: options.reasons, dryRun: report.dryRun },
      'replay starts',
    );
    if (remaining.size === 0) return report;

    await Promise.all([consumer.connect(), producer.connect()]);
    await consumer.subscribe({ topic: dlq, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new PipelineError(`the DLQ was not read to its end within ${options.timeoutMs ?? 120_000} ms`)),
        options.timeoutMs ?? 120_000,
      );
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            const end = remaining.get(batch.partition);
            if (end === undefined) return;
            const wanted = batch.messages.filter((message) => BigInt(message.offset) < end);
            report.read += wanted.length;
            await send(wanted.map((message) => pick(message, batch.partition)).filter((m) => m !== undefined));
            if (BigInt(batch.lastOffset()) + 1n >= end) remaining.delete(batch.partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
  log.info(report, 'replay done');
  return report;

  function pick(message: KafkaMessage, partition: number): { topic: string; message: Message } | undefined {
    const header = (name: string) => headerText(message.headers, name);
    const skip = (why: string) => {
      report.skipped[why] = (report.skipped[why] ?? 0) + 1;
      return undefined;
    };
    if (reasons && !reasons.has(header(DLQ_HEADERS.reason) ?? '')) return skip('reason');
    const topic = header(DLQ_HEADERS.topic);
    if (!topic || !sinkTopics.has(topic)) return skip('unknown-topic');
    if (header(DLQ_HEADERS.valueOmitted) !== undefined) return skip('value-omitted');
    report.replayed[topic] = (report.replayed[topic] ?? 0) + 1;
    const headers = {
      ...originalHeaders(message.headers),
      [REPLAYED_FROM_HEADER]: `${dlq}/${partition}/${message.offset}`,
    };
    return { topic, message: { key: message.key, value: message.value, headers } };
  }

  async function send(records: { topic: string; message: Message }[]): Promise<void> {
    if (report.dryRun || records.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const { topic, message } of records) byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
    for (const [topic, messages] of byTopic)
      for (const chunk of chunkBySize(messages, 512 * 1024)) await producer.send({ topic, acks: -1, messages: chunk });
  }
}
