import { ConfigError } from '../lib/errors';
import { CONSUMER_DEFAULTS, resolveConsumerOptions } from './options';

/** What `config.consumer` sets for every deployment. */
const deployed = { maxRecordBytes: 1024, sessionTimeoutMs: 30_000, concurrency: 3, futureToleranceMs: 3_600_000 };

describe('consumer options', () => {
  it('fill in every default, and the deployment settings from config', () => {
    expect(resolveConsumerOptions({}, deployed)).toEqual({
      ...CONSUMER_DEFAULTS,
      maxRecordBytes: 1024,
      sessionTimeoutMs: 30_000,
      partitionsConsumedConcurrently: 3,
      futureToleranceMs: 3_600_000,
    });
    expect(resolveConsumerOptions({}, { ...deployed, sessionTimeoutMs: 10_000, concurrency: 1 })).toMatchObject({
      sessionTimeoutMs: 10_000,
      partitionsConsumedConcurrently: 1,
    });
  });

  it('keep what is given over config and defaults, and ignore undefined', () => {
    const options = resolveConsumerOptions({ partitionsConsumedConcurrently: 1, maxBytes: undefined }, deployed);
    expect(options).toMatchObject({ partitionsConsumedConcurrently: 1, maxBytes: CONSUMER_DEFAULTS.maxBytes });
  });

  it('name every bad setting and how to fix it', () => {
    const attempt = () => resolveConsumerOptions({ maxBytes: 0, partitionsConsumedConcurrently: 1.5 }, deployed);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/maxBytes must be an integer >= 1 \(got 0\)/);
    expect(attempt).toThrow(/partitionsConsumedConcurrently must be an integer >= 1 \(got 1.5\)/);
  });

  it('refuse a heartbeat or a retry wait that would cost the group membership', () => {
    expect(() => resolveConsumerOptions({ heartbeatIntervalMs: 30_000 }, deployed)).toThrow(
      /heartbeatIntervalMs must be lower than sessionTimeoutMs; a third of it is recommended/,
    );
    expect(() => resolveConsumerOptions({ retryMaxDelayMs: 60_000 }, deployed)).toThrow(
      /retryMaxDelayMs must be lower than sessionTimeoutMs/,
    );
  });
});

describe('the future tolerance of footdata timestamps', () => {
  it('comes from the deployment, may be 0, and must be a whole number of ms', () => {
    expect(resolveConsumerOptions({}, deployed).futureToleranceMs).toBe(3_600_000);
    expect(resolveConsumerOptions({ futureToleranceMs: 0 }, deployed).futureToleranceMs).toBe(0);
    expect(() => resolveConsumerOptions({ futureToleranceMs: -1 }, deployed)).toThrow(
      /futureToleranceMs must be an integer >= 0 \(got -1\)/,
    );
  });
});
