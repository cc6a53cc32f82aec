/**
 * What a worker process measures about the jobs it runs (the admin server
 * reports the queue as a whole): attempts by outcome, their durations, the
 * events they published, and the jobs running now.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export function createWorkerMetrics(registry: Registry) {
  return {
    attempts: new Counter({
      name: 'worker_job_attempts_total',
      help: 'Job attempts by job name and outcome: completed, failed (retried or not).',
      labelNames: ['name', 'outcome'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'worker_job_duration_seconds',
      help: 'Time one job attempt ran, by job name and outcome.',
      labelNames: ['name', 'outcome'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers: [registry],
    }),
    events: new Counter({
      name: 'worker_job_events_total',
      help: 'Events the jobs of this worker published (or failed to), by job name.',
      labelNames: ['name', 'result'] as const,
      registers: [registry],
    }),
    active: new Gauge({
      name: 'worker_jobs_active',
      help: 'Jobs this worker runs now, by job name.',
      labelNames: ['name'] as const,
      registers: [registry],
    }),
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
