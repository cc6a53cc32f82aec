import { KafkaJSProtocolError, KafkaJSSASLAuthenticationError } from 'kafkajs';
import { ConfigError, PipelineError, RetriesExhaustedError } from './errors';
import { backoffDelay, retry } from './retry';

const fast = { initialDelayMs: 1, maxDelayMs: 2 };

describe('retry', () => {
  it('returns the first success', async () => {
    let calls = 0;
    const result = await retry(async () => {
      calls++;
      if (calls < 3) throw new PipelineError('flaky', { retriable: true });
      return 'ok';
    }, fast);
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('gives up after the allowed retries, keeping the last error as cause', async () => {
    const last = new PipelineError('still down', { retriable: true });
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
        throw new PipelineError('down', { retriable: true });
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

describe('what the retrier retries by default', () => {
  /** How often `error` is tried with the default policy and 3 retries. */
  async function attemptsFor(error: unknown): Promise<number> {
    let calls = 0;
    await retry(
      async () => {
        calls++;
        throw error;
      },
      { ...fast, retries: 3 },
    ).catch(() => undefined);
    return calls;
  }

  it('does not retry a programming error (a TypeError fails the same way every time)', async () => {
    expect(await attemptsFor(new TypeError("Cannot read properties of undefined (reading 'collection')"))).toBe(1);
    expect(await attemptsFor(new RangeError('Invalid array length'))).toBe(1);
    expect(await attemptsFor(new Error('an error nobody marked'))).toBe(1);
    expect(await attemptsFor('a string thrown')).toBe(1);
  });

  it('does not retry Kafka refusing the client: an ACL it lacks, or a failed SASL login', async () => {
    // As kafkajs throws them (test/integration/kafka-sasl.test.ts sees the same from the brokers).
    for (const [type, code] of [
      ['TOPIC_AUTHORIZATION_FAILED', 29],
      ['GROUP_AUTHORIZATION_FAILED', 30],
      ['CLUSTER_AUTHORIZATION_FAILED', 31],
    ] as const) {
      const refused = new KafkaJSProtocolError(
        Object.assign(new Error('Not authorized'), { type, code, retriable: false }),
      );
      expect({ type, attempts: await attemptsFor(refused) }).toEqual({ type, attempts: 1 });
    }
    // kafkajs's typings declare no argument; at run time it takes the broker's message.
    const SaslError = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
    const login = new SaslError('SASL SCRAM SHA512 authentication failed: invalid credentials');
    expect(await attemptsFor(login)).toBe(1);
  });

  it('retries errors marked retriable, and the known transient network and driver errors', async () => {
    expect(await attemptsFor(new PipelineError('store away', { retriable: true }))).toBe(4);
    expect(
      await attemptsFor(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:27017'), { code: 'ECONNREFUSED' })),
    ).toBe(4);
    // Node's fetch: a TypeError whose cause is the network error.
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5000'), { code: 'ECONNREFUSED' });
    expect(await attemptsFor(new TypeError('fetch failed', { cause: refused }))).toBe(4);
    const selection = Object.assign(new Error('Server selection timed out after 5000 ms'), {
      name: 'MongoServerSelectionError',
    });
    expect(await attemptsFor(selection)).toBe(4);
    expect(await attemptsFor(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))).toBe(4);
  });
});

describe("the retrier's options", () => {
  it('are checked once, before the first attempt: a ConfigError names the setting', async () => {
    let attempts = 0;
    const attempt = async () => {
      attempts += 1;
    };
    await expect(retry(attempt, { initialDelayMs: -1 })).rejects.toThrow(ConfigError);
    await expect(retry(attempt, { retries: 1.5 })).rejects.toThrow(/retries must be an integer >= 0 or Infinity/);
    await expect(retry(attempt, { factor: 0.5 })).rejects.toThrow(/factor must be a number >= 1 \(got 0.5\)/);
    expect(attempts).toBe(0);
    await expect(retry(async () => 'done', { retries: Infinity, initialDelayMs: undefined })).resolves.toBe('done');
  });
});
