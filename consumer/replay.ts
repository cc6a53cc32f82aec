/**
 * Send dead letters back to the topic they came from, after the fix that
 * makes them acceptable (a schema change, a larger CONSUMER_MAX_RECORD_BYTES,
 * a store that takes the document).
 *
 * Resumable, and each letter at most once unless asked again:
 *
 *  - where the replay of each reason has got to is the committed offset of a
 *    consumer group per reason, `<CONSUMER_GROUP>.dlq-replay.<reason>`; a run
 *    reads, reason by reason, from that position up to the DLQ's end offsets
 *    as they were when it began (so it always ends), and commits after every
 *    acknowledged send, so a run stopped half way (killed, `limit`, SIGTERM)
 *    goes on from there next time;
 *  - a replayed record carries `replayed-from` and `replayed-reason`, which the
 *    sink keeps when it dead-letters it again: a letter back for the reason it
 *    was replayed for is not sent again (it is its original's second copy),
 *    so running the replay again does not double what is still bad;
 *  - `again` reads every reason from the DLQ's start and re-sends every
 *    original (not their returned copies while the original is still there).
 *
 * Only acknowledged sends (acks=all) are counted and committed. A run killed
 * between a send's acknowledgement and its commit sends those letters again
 * on resume (one send, at most 512 KiB); the sink's writes are idempotent, so
 * a record replayed twice is still stored once.
 */
import type { Admin, KafkaMessage, Message, TopicMessages } from 'kafkajs';
import type { Config } from '../lib/config';
import { PipelineError } from '../lib/errors';
import { createKafka } from '../lib/kafka/client';
import type { Logger } from '../lib/logger';
import {
  DEAD_LETTER_REASONS,
  DLQ_HEADERS,
  headerText,
  originalHeaders,
  REPLAYED_FROM_HEADER,
  REPLAYED_REASON_HEADER,
  replayGroupId,
  type DeadLetterReason,
} from '../lib/kafka/dead-letter-headers';
import type { ReplayOptions, ReplayReport } from './replay-options';

interface Pass {
  reason: DeadLetterReason;
  /** Per partition: first offset to read, and the end offset (exclusive) when the run began. */
  ranges: Map<number, { from: bigint; end: bigint }>;
}

export async function replayDeadLetters(
  config: Config,
  log: Logger,
  options: ReplayOptions = {},
): Promise<ReplayReport> {
  const { dlq } = config.kafka.topics;
  const sinkTopics = new Set([config.kafka.topics.somedata, config.kafka.topics.footdata]);
  const wanted: DeadLetterReason[] =
    options.reasons && options.reasons.length > 0 ? [...new Set(options.reasons)] : [...DEAD_LETTER_REASONS];
  const again = options.again ?? false;
  const dryRun = options.dryRun ?? false;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const maxSendBytes = options.maxSendBytes ?? 512 * 1024;
  const limit = options.limit ?? Infinity;
  if (!(limit === Infinity || (Number.isInteger(limit) && limit >= 0)))
    throw new PipelineError(`limit must be a whole number ≥ 0 (got ${limit})`);
  const report: ReplayReport = { read: 0, replayed: {}, skipped: {}, dryRun, again, complete: true };
  const seen = new Set<string>();
  let sent = 0;
  // Where the DLQ starts and ends now: the replay stops at the end, whatever arrives meanwhile.
  const low = new Map<number, bigint>();
  const high = new Map<number, bigint>();
  const kafka = options.kafka ?? createKafka(config.kafka, log, { clientId: `${config.kafka.clientId}-dlq-replay` });

  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  let producerConnected = false;
  try {
    for (const offsets of await admin.fetchTopicOffsets(dlq)) {
      low.set(offsets.partition, BigInt(offsets.low));
      high.set(offsets.partition, BigInt(offsets.high));
    }
    log.info({ dlq, end: Object.fromEntries(high), reasons: wanted, dryRun, again }, 'replay starts');

    for (const reason of wanted) {
      if (sent >= limit || options.signal?.aborted) {
        report.complete = false;
        break;
      }
      const pass = await planPass(admin, reason);
      if (pass.ranges.size === 0) continue;
      if (!dryRun && !producerConnected) {
        await producer.connect();
        producerConnected = true;
      }
      await runPass(pass);
    }
  } finally {
    if (producerConnected) await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
  log.info(report, 'replay done');
  return report;

  /** From each partition's position for `reason` (the DLQ's start with `again`) to its end; partitions with nothing left out. */
  async function planPass(admin: Admin, reason: DeadLetterReason): Promise<Pass> {
    const [committed] = await admin.fetchOffsets({ groupId: replayGroupId(config, reason), topics: [dlq] });
    const position = new Map((committed?.partitions ?? []).map(({ partition, offset }) => [partition, BigInt(offset)]));
    const ranges = new Map<number, { from: bigint; end: bigint }>();
    for (const [partition, end] of high) {
      const start = low.get(partition) ?? 0n;
      const at = position.get(partition) ?? -1n;
      const from = again || at < start ? start : at;
      if (from < end) ranges.set(partition, { from, end });
    }
    return { reason, ranges };
  }

  async function runPass({ reason, ranges }: Pass): Promise<void> {
    const groupId = replayGroupId(config, reason);
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500, allowAutoTopicCreation: false });
    const remaining = new Map([...ranges].map(([partition, { end }]) => [partition, end]));
    log.info({ reason, groupId, from: Object.fromEntries([...ranges].map(([p, r]) => [p, r.from])) }, 'replay pass');
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: dlq, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        let settled = false;
        const finish = (error?: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else resolve();
        };
        const onAbort = () => {
          report.complete = false;
          finish();
        };
        const timer = setTimeout(
          () =>
            finish(
              new PipelineError(`the DLQ was not read to its end within ${timeoutMs} ms`, { context: { reason } }),
            ),
          timeoutMs,
        );
        options.signal?.addEventListener('abort', onAbort);
        consumer
          .run({
            autoCommit: false,
            eachBatchAutoResolve: false,
            eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, uncommittedOffsets, isRunning }) => {
              const end = remaining.get(batch.partition);
              if (end === undefined || settled) return;
              const from = ranges.get(batch.partition)!.from;
              const letters = batch.messages.filter((m) => BigInt(m.offset) >= from && BigInt(m.offset) < end);
              // Consecutive letters, in sends of at most maxSendBytes; each committed once acknowledged.
              let chunk: { topic: string; message: Message }[] = [];
              let chunkBytes = 0;
              let last: string | undefined;
              const flush = async () => {
                await send(chunk);
                if (last !== undefined) {
                  resolveOffset(last);
                  if (!dryRun) await commitOffsetsIfNecessary(uncommittedOffsets());
                }
                chunk = [];
                chunkBytes = 0;
              };
              for (const message of letters) {
                if (settled || !isRunning()) return;
                if (sent >= limit || options.signal?.aborted) {
                  await flush();
                  report.complete = false;
                  return finish();
                }
                const record = pick(message, batch.partition, reason);
                if (record) {
                  const size = Buffer.byteLength(record.message.value ?? '') + 1024;
                  if (chunk.length > 0 && chunkBytes + size > maxSendBytes) await flush();
                  chunk.push(record);
                  chunkBytes += size;
                  sent += 1;
                }
                last = message.offset;
              }
              await flush();
              if (BigInt(batch.lastOffset()) + 1n >= end) remaining.delete(batch.partition);
              if (remaining.size === 0) finish();
            },
          })
          .catch(finish);
        if (again)
          for (const [partition, { from }] of ranges) consumer.seek({ topic: dlq, partition, offset: String(from) });
      });
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
  }

  /** The record to send for this letter in the pass of `reason`, or undefined (counted as skipped when it is the letter's own pass). */
  function pick(message: KafkaMessage, partition: number, reason: DeadLetterReason) {
    const header = (name: string) => headerText(message.headers, name);
    const id = `${partition}/${message.offset}`;
    const first = !seen.has(id);
    if (first) {
      seen.add(id);
      report.read += 1;
    }
    const letterReason = header(DLQ_HEADERS.reason) ?? '';
    if (letterReason !== reason) {
      if (first && !(wanted as string[]).includes(letterReason)) skip('reason');
      return undefined;
    }
    if (returnedCopy(message)) return skip('returned');
    const topic = header(DLQ_HEADERS.topic);
    if (!topic || !sinkTopics.has(topic)) return skip('unknown-topic');
    if (header(DLQ_HEADERS.valueOmitted) !== undefined) return skip('value-omitted');
    const headers = {
      ...originalHeaders(message.headers),
      [REPLAYED_FROM_HEADER]: `${dlq}/${partition}/${message.offset}`,
      [REPLAYED_REASON_HEADER]: reason,
    };
    return { topic, message: { key: message.key, value: message.value, headers } };
  }

  /**
   * A letter back in the DLQ for the very reason it was replayed for is a second copy of its original:
   * not sent again, unless `again` and its original is gone from the DLQ (then it is the only copy left).
   */
  function returnedCopy(message: KafkaMessage): boolean {
    const from = headerText(message.headers, REPLAYED_FROM_HEADER);
    if (
      !from ||
      headerText(message.headers, REPLAYED_REASON_HEADER) !== headerText(message.headers, DLQ_HEADERS.reason)
    )
      return false;
    if (!again) return true;
    const [topic, partition, offset] = from.split('/');
    const start = low.get(Number(partition));
    return topic === dlq && start !== undefined && /^\d+$/.test(offset ?? '') && BigInt(offset!) >= start;
  }

  function skip(why: string): undefined {
    report.skipped[why] = (report.skipped[why] ?? 0) + 1;
    return undefined;
  }

  /** Send with acks=all; count only once acknowledged. */
  async function send(records: { topic: string; message: Message }[]): Promise<void> {
    if (records.length === 0) return;
    if (!dryRun) {
      const byTopic = new Map<string, Message[]>();
      for (const { topic, message } of records) byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
      const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
      await producer.sendBatch({ acks: -1, topicMessages });
    }
    for (const { topic } of records) report.replayed[topic] = (report.replayed[topic] ?? 0) + 1;
  }
}
