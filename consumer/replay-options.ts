/**
 * What a dead-letter replay (replay.ts, `npm run dlq:replay`) takes and
 * reports. The consumer group that keeps how far the replay of each reason has
 * got is named in lib/kafka/dead-letter-headers.ts (`replayGroupId`).
 */
import type { Kafka } from 'kafkajs';
import type { DeadLetterReason } from '../lib/kafka/dead-letter-headers';

export interface ReplayOptions {
  /** Replay only dead letters with one of these reasons. Default: every reason. */
  reasons?: DeadLetterReason[];
  /** Count what would be replayed; send nothing, commit nothing. Default: false. */
  dryRun?: boolean;
  /** Read from the DLQ's start and send letters replayed before once more. Default: false. */
  again?: boolean;
  /** Send at most this many letters in this run, then stop (the next run goes on). Default: no limit. */
  limit?: number;
  /** Stop after the send in flight (committed) when aborted. Default: none. */
  signal?: AbortSignal;
  /** Give up when a reason's pass has not read the DLQ to its end offsets after this long, in ms. Default: 120_000. */
  timeoutMs?: number;
  /** Most bytes of records in one send (and so between two commits). Default: 512 KiB. */
  maxSendBytes?: number;
  /** A kafkajs client to use. Default: one built from config. */
  kafka?: Kafka;
}

export interface ReplayReport {
  /** Dead letters read (each once, however many reasons were replayed). */
  read: number;
  /** Sent and acknowledged (or, with dryRun, that would be), by original topic. */
  replayed: Record<string, number>;
  /**
   * Left alone, by why: `reason` (not asked for), `replayed-before` (behind the reason's position),
   * `returned` (back for the reason it was replayed for), `unknown-topic` (origin is not a sink topic),
   * `value-omitted`.
   */
  skipped: Record<string, number>;
  dryRun: boolean;
  again: boolean;
  /** False when the run stopped before the end offsets (limit reached, aborted): the next run goes on. */
  complete: boolean;
}
