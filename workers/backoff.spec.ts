import type { MinimalJob } from 'bullmq';
import { jobBackoffStrategy, MAX_BACKOFF_DELAY_MS } from './backoff';

const jobWithDelay = (delay?: number) => ({ opts: { backoff: { type: 'jittered-exponential', delay } } }) as MinimalJob;

describe('jobBackoffStrategy', () => {
  it('waits about backoff.delay before the first retry, then doubles, jittered', () => {
    const first = jobBackoffStrategy(1, 'jittered-exponential', undefined, jobWithDelay(1_000)) as number;
    const third = jobBackoffStrategy(3, 'jittered-exponential', undefined, jobWithDelay(1_000)) as number;
    expect(first).toBeGreaterThanOrEqual(500);
    expect(first).toBeLessThanOrEqual(1_000);
    expect(third).toBeGreaterThanOrEqual(2_000);
    expect(third).toBeLessThanOrEqual(4_000);
  });

  it('spreads the retries of jobs that failed together', () => {
    const delays = new Set(
      Array.from({ length: 20 }, () => jobBackoffStrategy(4, undefined, undefined, jobWithDelay())),
    );
    expect(delays.size).toBeGreaterThan(1);
  });

  it('never waits longer than the cap, however many attempts failed', () => {
    expect(jobBackoffStrategy(40, undefined, undefined, jobWithDelay(1_000))).toBeLessThanOrEqual(MAX_BACKOFF_DELAY_MS);
  });
});
