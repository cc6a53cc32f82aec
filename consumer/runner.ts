/**
 * The eachBatch loop. It reads top to bottom like KafkaJS's runner:
 *
 *   handle (decode → validate → filter → transform → bulk write → dead letters)
 *   → resolve offset → heartbeat → commit
 *
 * and on error commits what is done and rethrows. Offsets are resolved only
 * after the batch is in MongoDB and its dead letters in the DLQ, so a commit
 * never passes what was stored (eachBatchAutoResolve and autoCommit are off).
 *
 * When the store or the DLQ fails, the same batch is tried again with backoff
 * and jitter (lib/retry.ts) until it succeeds or the batch is no longer ours
 * (the consumer stops, the partition is sought or reassigned); heartbeats
 * keep going meanwhile so the group does not rebalance under a long outage.
 */
import type { Batch, EachBatchPayload } from 'kafkajs';
import type { Db } from 'mongodb';
import { describeError, PipelineError } from '../lib/errors';
import { isTransient } from '../lib/transient';
import type { Logger } from '../lib/logger';
import { retry } from '../lib/retry';
import type { DeadLetter } from './dead-letters';
import type { EventFilter } from './filter';
import type { ConsumerMetrics } from './metrics';
import type { ResolvedConsumerOptions } from './options';
import { prepareBatch, type PreparedBatch } from './prepare';
import type { SinkRoute } from './routes';
import { writeRecords, type SinkResult } from './sink';
import type { StoreGate } from './store-gate';
import type { SinkDocument } from './write-models/types';

export type Stage = 'write' | 'dead-letter';

export interface RunnerDeps {
  db: Db;
  routes: Map<string, SinkRoute>;
  filter: EventFilter;
  deadLetters: { publish(letters: DeadLetter[]): Promise<void> };
  metrics: ConsumerMetrics;
  log: Logger;
  /** Every batch write goes through it: after a failed write, none is sent until the store answers a probe. */
  storeGate: StoreGate;
  options: Pick<
    ResolvedConsumerOptions,
    'maxRecordBytes' | 'futureToleranceMs' | 'retryInitialDelayMs' | 'retryMaxDelayMs' | 'heartbeatIntervalMs'
  >;
  /** Told when a batch fails and is retried, and when a batch succeeds; drives readiness. */
  health?: { failing(stage: Stage, error: unknown): void; healthy(): void };
}

/** The batch is no longer ours to finish (stopping, sought, reassigned): leave it unresolved. */
class BatchAbandoned extends Error {}

/** How often ownership is checked and a heartbeat offered (kafkajs sends one per heartbeatInterval at most). */
const TICK_MS = 500;

export function createBatchHandler(deps: RunnerDeps): (payload: EachBatchPayload) => Promise<void> {
  const { log, options } = deps;

  return async (payload) => {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, uncommittedOffsets } = payload;
    const route = deps.routes.get(batch.topic);
    if (!route) throw new PipelineError(`no sink route for topic ${batch.topic}`, { context: { topic: batch.topic } });
    if (!payload.isRunning() || payload.isStale()) return;
    const commit = () => commitOffsetsIfNecessary(uncommittedOffsets());
    const persist = <T>(stage: Stage, work: (signal: AbortSignal) => Promise<T>) =>
      whileOwned(payload, deps, stage, work);

    try {
      const prepared = prepareBatch(batch, route, deps.filter, options);
      const collection = deps.db.collection<SinkDocument>(route.collection);
      const written = await persist('write', (signal) =>
        deps.storeGate.write(signal, () =>
          timed(deps, route.collection, () => writeRecords(collection, route.model, prepared.records)),
        ),
      );
      const deadLetters = [
        ...prepared.deadLetters,
        ...written.rejected.map(({ record, error }) => letter(batch, record.message, error)),
      ];
      if (deadLetters.length > 0) await persist('dead-letter', () => deps.deadLetters.publish(deadLetters));
      deps.health?.healthy();
      account(deps, batch, prepared, written, deadLetters);

      resolveOffset(batch.lastOffset());
      await heartbeat();
    } catch (error) {
      if (error instanceof BatchAbandoned) {
        log.info(
          { topic: batch.topic, partition: batch.partition, firstOffset: batch.firstOffset() },
          'batch left unfinished',
        );
        return;
      }
      await commit().catch(() => undefined);
      throw error;
    }
    await commit();
  };
}

function letter(batch: Batch, message: DeadLetter['message'], error: unknown): DeadLetter {
  return { reason: 'write-rejected', error, topic: batch.topic, partition: batch.partition, message };
}

async function timed(deps: RunnerDeps, collection: string, write: () => Promise<SinkResult>): Promise<SinkResult> {
  const end = deps.metrics.writeSeconds.startTimer({ collection });
  const result = await write();
  end();
  return result;
}

/**
 * Run `work` with retries while heartbeating; stop retrying once the batch is
 * no longer ours. A success is returned even then: a finished write is committed.
 */
async function whileOwned<T>(
  payload: EachBatchPayload,
  deps: RunnerDeps,
  stage: Stage,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const { batch } = payload;
  const controller = new AbortController();
  let lost: unknown;
  const timer = setInterval(
    () => {
      if (!payload.isRunning() || payload.isStale()) controller.abort();
      else
        payload.heartbeat().catch((error: unknown) => {
          lost = error; // e.g. a rebalance: kafkajs must rejoin, so this error goes up once the try ends
          controller.abort();
        });
    },
    Math.min(TICK_MS, deps.options.heartbeatIntervalMs),
  );
  try {
    return await retry(() => work(controller.signal), {
      retries: Infinity,
      initialDelayMs: deps.options.retryInitialDelayMs,
      maxDelayMs: deps.options.retryMaxDelayMs,
      signal: controller.signal,
      shouldRetry: isTransient,
      onRetry: ({ error, attempt, delayMs }) => {
        deps.metrics.retries.inc({ stage });
        deps.health?.failing(stage, error);
        deps.log.warn(
          {
            reason: describeError(error),
            stage,
            attempt,
            delayMs,
            topic: batch.topic,
            partition: batch.partition,
            firstOffset: batch.firstOffset(),
          },
          'batch failed, will try again',
        );
      },
    });
  } catch (error) {
    if (lost !== undefined) throw lost;
    if (controller.signal.aborted) throw new BatchAbandoned();
    throw error;
  } finally {
    clearInterval(timer);
  }
}

function account(
  deps: RunnerDeps,
  batch: Batch,
  prepared: PreparedBatch,
  written: SinkResult,
  deadLetters: DeadLetter[],
) {
  const { metrics, log } = deps;
  const { topic, partition } = batch;
  metrics.consumed.inc({ topic }, batch.messages.length);
  metrics.batchSize.observe({ topic }, batch.messages.length);
  if (written.written > 0) metrics.written.inc({ topic }, written.written);
  if (written.duplicates > 0) metrics.duplicates.inc({ topic }, written.duplicates);
  for (const [reason, count] of prepared.filtered) metrics.filtered.inc({ topic, reason }, count);
  const reasons: Record<string, number> = {};
  for (const { reason } of deadLetters) reasons[reason] = (reasons[reason] ?? 0) + 1;
  for (const [reason, count] of Object.entries(reasons)) metrics.deadLettered.inc({ topic, reason }, count);
  metrics.lag.set({ topic, partition: String(partition) }, Number(batch.offsetLag()));

  const context = { topic, partition, firstOffset: batch.firstOffset(), lastOffset: batch.lastOffset() };
  if (deadLetters.length > 0)
    log.warn(
      { ...context, reasons, offsets: deadLetters.slice(0, 10).map((d) => d.message.offset) },
      'records dead-lettered',
    );
  log.debug(
    { ...context, records: batch.messages.length, written: written.written, duplicates: written.duplicates },
    'batch written',
  );
}
