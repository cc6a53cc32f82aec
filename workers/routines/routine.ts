/**
 * What the producer routines share: their common options, progress and result
 * (`{ published, failed, topic, firstOffset?, lastOffset?, lastOffsets? }`), and the
 * check of those options. Routines are plain async functions, run from the
 * CLI (cli.ts) or from a BullMQ worker.
 */
import { z } from 'zod';
import { validate } from '../../lib/validate';
import { RunId, Source } from '../../lib/schemas';
import { JOB_NAMES, type RecordPosition, type RoutineProgress, type RoutineResult } from '../../lib/jobs/results';

/** The routines' names, as the CLI and the BullMQ jobs call them: the jobs' names. */
export const ROUTINE_NAMES = JOB_NAMES;
export type { RecordPosition, RoutineProgress, RoutineResult } from '../../lib/jobs/results';

/**
 * The command-line options that set a routine's options (`parseArgs` shape),
 * shared by `npm run produce:*` and `npm run job`.
 */
export const ROUTINE_CLI_OPTIONS = {
  duration: { type: 'string' },
  interval: { type: 'string' },
  'max-events': { type: 'string' },
  'run-id': { type: 'string' },
  competitions: { type: 'string' },
  season: { type: 'string' },
} as const;

/** `--competitions PL,BL1` and `--season 2026` as footdata-season job data (checked by its schema after). */
export function seasonCliData(values: { competitions?: string; season?: string }): Record<string, unknown> {
  return {
    ...(values.competitions !== undefined && { competitions: values.competitions.split(',').map((c) => c.trim()) }),
    ...(values.season !== undefined && { season: Number(values.season) }),
  };
}

/** The later of two offsets (Kafka offsets are int64, carried as strings). */
function later(a: string | undefined, b: string): string {
  return a !== undefined && BigInt(a) >= BigInt(b) ? a : b;
}

/** Per-partition highest offsets of both lists, by partition. */
export function mergeLastOffsets(
  a: readonly RecordPosition[] = [],
  b: readonly RecordPosition[] = [],
): RecordPosition[] {
  const highest = new Map<number, string>();
  for (const { partition, offset } of [...a, ...b]) highest.set(partition, later(highest.get(partition), offset));
  return [...highest].sort(([x], [y]) => x - y).map(([partition, offset]) => ({ partition, offset }));
}

export interface RoutineOptions {
  /** The Airflow run id stamped on every event (`runId`). Default: null. */
  runId?: string | null;
  /** Who produces: `job:<jobId>` from a worker, `job:cli` from the command line. Default: `api` (somedata) / `job:cli` (footdata). */
  source?: string;
  /** Called after each record or request; may return a promise (BullMQ `job.updateProgress`). */
  onProgress?: (progress: RoutineProgress) => void | Promise<void>;
  /** Stops the routine early; it then rejects with the abort reason. */
  signal?: AbortSignal;
}

const Origin = z.object({ runId: RunId.optional(), source: Source.optional() });

/** Check runId and source (a ValidationError names the bad one: a job with bad data must fail at once). */
export function checkOrigin(options: RoutineOptions, defaultSource: string): { runId: string | null; source: string } {
  const origin = validate(Origin, { runId: options.runId, source: options.source }, 'options');
  return { runId: origin.runId ?? null, source: origin.source ?? defaultSource };
}

/** Keeps the running totals and the first and last positions. */
export class Tally {
  published = 0;
  failed = 0;
  private first?: RecordPosition;
  private last?: RecordPosition;
  private readonly highest = new Map<number, string>();

  constructor(private topic: string) {}

  ok(position?: RecordPosition, topic?: string): void {
    this.published++;
    if (topic) this.topic = topic;
    if (position) {
      const { partition, offset } = position;
      this.first ??= { partition, offset };
      this.last = { partition, offset };
      this.highest.set(partition, later(this.highest.get(partition), offset));
    }
  }

  fail(): void {
    this.failed++;
  }

  result(): RoutineResult {
    return {
      published: this.published,
      failed: this.failed,
      topic: this.topic,
      ...(this.first && { firstOffset: this.first }),
      ...(this.last && { lastOffset: this.last }),
      ...(this.highest.size > 0 && { lastOffsets: this.lastOffsets() }),
    };
  }

  progress(percent: number): RoutineProgress {
    return {
      published: this.published,
      failed: this.failed,
      percent: Math.min(100, Math.round(percent)),
      ...(this.highest.size > 0 && { lastOffsets: this.lastOffsets() }),
    };
  }

  private lastOffsets(): RecordPosition[] {
    return mergeLastOffsets([...this.highest].map(([partition, offset]) => ({ partition, offset })));
  }
}
