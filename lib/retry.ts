/**
 * The one retrier of the project: exponential backoff with equal jitter (half
 * the delay fixed, half random), a `bail` for errors that must not be retried, an abort signal so shutdown
 * never waits out a backoff, and at least the wait an error asks for
 * (`retryAfterMs`, e.g. HTTP Retry-After). Modelled on KafkaJS `src/retry/index.js`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { RetriesExhaustedError } from './errors';
import { integerAtLeast, resolveOptions, withoutUndefined } from './options';
import { isTransient } from './transient';

export interface RetryOptions {
  /** Attempts after the first one. Default: 5. Use Infinity to retry until aborted. */
  retries?: number;
  /** Delay before the first retry, in ms. Default: 300. */
  initialDelayMs?: number;
  /** Upper bound of one delay, in ms. Default: 30_000. */
  maxDelayMs?: number;
  /** Growth of the delay per attempt. Default: 2. */
  factor?: number;
  /**
   * Which errors are worth another try. Default: `isTransient`: those marked
   * `retriable: true` (a PipelineError, a kafkajs error) and the known transient
   * network and driver errors; never a programming error (TypeError, ...).
   */
  shouldRetry?: (error: unknown) => boolean;
  /** Called before each wait, for logging and metrics. */
  onRetry?: (info: { error: unknown; attempt: number; delayMs: number }) => void;
  /** Stops retrying (and waiting) when aborted; the last error is thrown. */
  signal?: AbortSignal;
  /** Random source in [0, 1), injectable for tests. Default: Math.random. */
  random?: () => number;
}

/** Thrown from inside an attempt to stop at once; the retrier rethrows its `cause`. */
class Bail {
  constructor(readonly cause: unknown) {}
}
export type BailFn = (error: unknown) => never;

const DEFAULTS = { retries: 5, initialDelayMs: 300, maxDelayMs: 30_000, factor: 2 };

const RetryOptionsSchema = z.object({
  retries: z.union([integerAtLeast(0), z.literal(Infinity)], { error: 'must be an integer >= 0 or Infinity' }),
  initialDelayMs: integerAtLeast(0),
  maxDelayMs: integerAtLeast(0),
  factor: z.number({ error: 'must be a number >= 1' }).min(1, { error: 'must be a number >= 1' }),
});

type ResolvedRetryOptions = RetryOptions & typeof DEFAULTS;

/** The options over the defaults, checked once (lib/options.ts): a ConfigError names a bad setting. */
function resolveRetryOptions(options: RetryOptions): ResolvedRetryOptions {
  return resolveOptions('retry', RetryOptionsSchema, { ...DEFAULTS, ...withoutUndefined(options) });
}

/** Delay before retry number `attempt` (1-based): equal jitter (between half the exponential cap and all of it). */
export function backoffDelay(
  attempt: number,
  options: Pick<RetryOptions, 'initialDelayMs' | 'maxDelayMs' | 'factor' | 'random'> = {},
): number {
  return delayOf(attempt, resolveRetryOptions(options));
}

function delayOf(attempt: number, options: ResolvedRetryOptions): number {
  const { initialDelayMs: initial, maxDelayMs: max, factor } = options;
  const random = options.random ?? Math.random;
  const cap = Math.min(max, initial * factor ** (attempt - 1));
  // Half fixed, half random: never a zero delay, and clients that failed together spread out.
  return Math.round(cap / 2 + random() * (cap / 2));
}

/**
 * The wait an error asks for itself (`retryAfterMs`, e.g. from an HTTP
 * Retry-After header), capped at maxDelayMs; 0 when it asks for none.
 */
function requestedDelay(error: unknown, options: ResolvedRetryOptions): number {
  const asked = typeof error === 'object' && error !== null ? (error as { retryAfterMs?: unknown }).retryAfterMs : 0;
  if (typeof asked !== 'number' || !Number.isFinite(asked) || asked <= 0) return 0;
  return Math.min(asked, options.maxDelayMs);
}

export async function retry<T>(
  attemptFn: (bail: BailFn, attempt: number) => Promise<T>,
  given: RetryOptions = {},
): Promise<T> {
  const options = resolveRetryOptions(given);
  const { retries } = options;
  const shouldRetry = options.shouldRetry ?? isTransient;
  const bail: BailFn = (error) => {
    throw new Bail(error);
  };

  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptFn(bail, attempt);
    } catch (caught) {
      if (caught instanceof Bail) throw caught.cause;
      const lastAttempt = attempt > retries;
      if (!shouldRetry(caught) || options.signal?.aborted) throw caught;
      if (lastAttempt) throw new RetriesExhaustedError(attempt, caught);
      const delayMs = Math.max(delayOf(attempt, options), requestedDelay(caught, options));
      options.onRetry?.({ error: caught, attempt, delayMs });
      try {
        await sleep(delayMs, undefined, options.signal ? { signal: options.signal } : undefined);
      } catch {
        throw caught; // aborted while waiting: surface the real failure, not the abort
      }
    }
  }
}
