/**
 * Prometheus gauges read from the queue at scrape time (a `collect()`
 * callback): jobs by state and job name, and the workers connected. Nothing is
 * counted in this process, so any number of admin servers report the same.
 */
import type { JobState } from 'bullmq';
import type { Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import { JOB_NAMES, type ProducerQueue } from '../queue';

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
  /**
   * Jobs whose name is read per state at most, per scrape; beyond it jobs count
   * under name="other" (the totals stay exact). Default: 10_000.
   */
  scanLimit?: number;
}

/** Count jobs of one state by name: ids from the queue, names read in one pipeline. */
async function countByName(
  queue: ProducerQueue,
  redis: Redis,
  state: JobState,
  total: number,
  scanLimit: number,
): Promise<Map<string, number>> {
  // Every known name gets a series, 0 included, so dashboards never see gaps.
  const counts = new Map<string, number>(JOB_NAMES.map((name) => [name, 0]));
  if (total === 0) return counts;
  const ids = await queue.getRanges([state], 0, scanLimit - 1);
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hget(queue.toKey(id), 'name');
  for (const [, name] of (await pipeline.exec()) ?? []) {
    if (typeof name === 'string') counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const named = [...counts.values()].reduce((sum, count) => sum + count, 0);
  if (total > named) counts.set('other', total - named);
  return counts;
}

export function registerQueueMetrics(
  registry: Registry,
  queue: ProducerQueue,
  redis: Redis,
  options: QueueMetricsOptions = {},
): void {
  const scanLimit = options.scanLimit ?? 10_000;
  if (!Number.isInteger(scanLimit) || scanLimit < 1)
    throw new RangeError(`scanLimit must be a whole number of at least 1 (got ${scanLimit})`);

  new Gauge({
    name: 'bullmq_jobs',
    help: 'Jobs in the queue, by state and job name.',
    labelNames: ['queue', 'state', 'name'] as const,
    registers: [registry],
    async collect() {
      const totals = await queue.getJobCounts(...JOB_STATES);
      const perState = await Promise.all(
        JOB_STATES.map(
          async (state) => [state, await countByName(queue, redis, state, totals[state] ?? 0, scanLimit)] as const,
        ),
      );
      this.reset();
      for (const [state, byName] of perState) {
        for (const [name, count] of byName) this.set({ queue: queue.name, state, name }, count);
      }
    },
  });

  new Gauge({
    name: 'bullmq_workers',
    help: 'Workers connected to the queue.',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      this.set({ queue: queue.name }, await queue.getWorkersCount());
    },
  });
}
