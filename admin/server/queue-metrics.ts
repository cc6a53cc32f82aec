/**
 * Prometheus gauges read from the queue at scrape time (a `collect()`
 * callback): jobs by state, and the workers connected. Nothing is counted in
 * this process, so any number of admin servers report the same.
 *
 * /metrics answers anyone who reaches the port, so a scrape must stay cheap
 * whatever the queue holds: the counts come from BullMQ's `getJobCounts` (one
 * script, a ZCARD/LLEN per state: O(1) each) and the workers from one CLIENT
 * LIST; one reading serves every scrape for `cacheMs`, and scrapes that arrive
 * while it is being read wait for it instead of reading again. Jobs by name
 * are the workers' own metrics (`worker_job_attempts_total{name}`): counting
 * them here would mean reading every job.
 */
import type { JobState } from 'bullmq';
import { Gauge, type Registry } from 'prom-client';
import { z } from 'zod';
import { integerAtLeast, resolveOptions, withoutUndefined } from '../../lib/options';
import type { ProducerQueue } from '../../lib/jobs/queue';

export const JOB_STATES: JobState[] = [
  'waiting',
  'prioritized',
  'delayed',
  'active',
  'waiting-children',
  'completed',
  'failed',
];

export interface QueueMetricsOptions {
  /** How long one reading of the queue serves scrapes, in ms; 0 reads at every scrape (still shared while in flight). Default: 1_000. */
  cacheMs?: number;
}

const QueueMetricsOptionsSchema = z.object({ cacheMs: integerAtLeast(0) });

interface Reading {
  counts: Record<string, number>;
  workers: number;
}

/** `read()` at most once per `cacheMs` after it settles, one call in flight shared by every caller; a failure is not kept. */
function cached<T>(read: () => Promise<T>, cacheMs: number): () => Promise<T> {
  let current: Promise<T> | undefined;
  let settledAt: number | undefined;
  return () => {
    if (current && (settledAt === undefined || Date.now() - settledAt < cacheMs)) return current;
    const value = read();
    current = value;
    settledAt = undefined;
    value.then(
      () => {
        if (current === value) settledAt = Date.now();
      },
      () => {
        if (current === value) current = undefined;
      },
    );
    return value;
  };
}

export function registerQueueMetrics(
  registry: Registry,
  queue: ProducerQueue,
  options: QueueMetricsOptions = {},
): void {
  const { cacheMs } = resolveOptions('queue metrics', QueueMetricsOptionsSchema, {
    cacheMs: 1_000,
    ...withoutUndefined(options),
  });
  const reading = cached<Reading>(async () => {
    const [counts, workers] = await Promise.all([queue.getJobCounts(...JOB_STATES), queue.getWorkersCount()]);
    return { counts, workers };
  }, cacheMs);

  new Gauge({
    name: 'bullmq_jobs',
    help: 'Jobs in the queue, by state.',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      const { counts } = await reading();
      for (const state of JOB_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
    },
  });

  new Gauge({
    name: 'bullmq_workers',
    help: 'Workers connected to the queue.',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      this.set({ queue: queue.name }, (await reading()).workers);
    },
  });
}
