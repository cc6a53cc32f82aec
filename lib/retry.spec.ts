import { PipelineError, RetriesExhaustedError } from './errors';
import { backoffDelay, retry } from './retry';

const fast = { initialDelayMs: 1, maxDelayMs: 2 };

describe('retry', () => {
  it('returns the first success', async () => {
    let calls = 0;
    const result = await retry(async () => {
      calls++;
      if (calls < 3) throw new Error('flaky');
      return 'ok';
    }, fast);
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('gives up after the allowed retries, keeping the last error as cause', async () => {
    const last = new Error('still down');
    const failure = retry(
      async () => {
        throw last;
      },
      { ...fast, retries: 2 },
    );
    await expect(failure).rejects.toBeInstanceOf(RetriesExhaustedError);
    await expect(failure).rejects.toMatchObject({ cause: last, context: { attempts: 3 } });
  });

  it('does not retry an error that says it is not retriable', async () => {
    let calls = 0;
    const permanent = new PipelineError('bad input', { retriable: false });
    await expect(
      retry(async () => {
        calls++;
        throw permanent;
      }, fast),
    ).rejects.toBe(permanent);
    expect(calls).toBe(1);
  });

  it('stops at once on bail', async () => {
    let calls = 0;
    const reason = new Error('no point');
    await expect(
      retry(async (bail) => {
        calls++;
        bail(reason);
      }, fast),
    ).rejects.toBe(reason);
    expect(calls).toBe(1);
  });

  it('waits at least as long as the error asks (retryAfterMs), capped at maxDelayMs', async () => {
    const waits: number[] = [];
    let calls = 0;
    await retry(
      async () => {
        calls++;
        if (calls === 1) throw new PipelineError('slow down', { retriable: true, retryAfterMs: 40 });
        if (calls === 2) throw new PipelineError('slow down more', { retriable: true, retryAfterMs: 60_000 });
        return 'ok';
      },
      { initialDelayMs: 1, maxDelayMs: 50, onRetry: ({ delayMs }) => waits.push(delayMs) },
    );
    expect(waits).toEqual([40, 50]);
  });

  it('stops waiting when aborted and throws the real failure', async () => {
    const controller = new AbortController();
    const failure = retry(
      async () => {
        throw new Error('down');
      },
      { retries: Infinity, initialDelayMs: 60_000, maxDelayMs: 60_000, signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 20);
    await expect(failure).rejects.toThrow('down');
  });
});

describe('backoffDelay', () => {
  it('grows exponentially up to the cap, never below half of it', () => {
    const low = () => 0;
    const high = () => 0.999_999;
    expect(backoffDelay(1, { initialDelayMs: 100, random: low })).toBe(50);
    expect(backoffDelay(3, { initialDelayMs: 100, random: high })).toBe(400);
    expect(backoffDelay(30, { initialDelayMs: 100, maxDelayMs: 1000, random: high })).toBe(1000);
    expect(backoffDelay(30, { initialDelayMs: 100, maxDelayMs: 1000, random: low })).toBe(500);
  });
});
