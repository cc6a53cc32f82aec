/**
 * The retry delay of producer jobs: BullMQ's `attempts` decide whether a job
 * runs again, and this custom strategy decides when, with the project's one
 * backoff formula (lib/retry.ts `backoffDelay`: exponential, half-jittered) so
 * jobs that failed together (the API or Kafka was down) do not retry in step.
 */
import type { BackoffStrategy, MinimalJob } from 'bullmq';
import { backoffDelay } from '../lib/retry';

/** The `backoff.type` jobs name to use this strategy (job-options.json). */
export const BACKOFF_TYPE = 'jittered-exponential';

/** Delay before the first retry when a job does not say (`backoff.delay`), in ms. */
export const DEFAULT_BACKOFF_DELAY_MS = 2_000;

/** Upper bound of one retry delay, in ms: a long outage is retried every few minutes, not hourly. */
export const MAX_BACKOFF_DELAY_MS = 5 * 60_000;

function initialDelayOf(job: MinimalJob | undefined): number {
  const backoff = job?.opts.backoff;
  const delay = typeof backoff === 'object' ? backoff.delay : backoff;
  return typeof delay === 'number' && delay > 0 ? delay : DEFAULT_BACKOFF_DELAY_MS;
}

/**
 * BullMQ calls this for every backoff type it does not know (`fixed` and
 * `exponential` are its own); `attemptsMade` counts the failed attempt, so the
 * first retry waits about `backoff.delay`.
 */
export const jobBackoffStrategy: BackoffStrategy = (attemptsMade, _type, _error, job) =>
  backoffDelay(attemptsMade, { initialDelayMs: initialDelayOf(job), maxDelayMs: MAX_BACKOFF_DELAY_MS });
