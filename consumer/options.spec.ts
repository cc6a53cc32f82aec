import { ConfigError } from '../lib/errors';
import { CONSUMER_DEFAULTS, resolveConsumerOptions } from './options';

describe('consumer options', () => {
  it('fill in every default', () => {
    expect(resolveConsumerOptions({}, 1024)).toEqual({ ...CONSUMER_DEFAULTS, maxRecordBytes: 1024 });
  });

  it('keep what is given and ignore undefined', () => {
    const options = resolveConsumerOptions({ partitionsConsumedConcurrently: 1, maxBytes: undefined }, 1024);
    expect(options).toMatchObject({ partitionsConsumedConcurrently: 1, maxBytes: CONSUMER_DEFAULTS.maxBytes });
  });

  it('name every bad setting and how to fix it', () => {
    const attempt = () => resolveConsumerOptions({ maxBytes: 0, partitionsConsumedConcurrently: 1.5 }, 1024);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/maxBytes must be a positive whole number \(got 0\)/);
    expect(attempt).toThrow(/partitionsConsumedConcurrently must be a positive whole number/);
  });

  it('refuse a heartbeat or a retry wait that would cost the group membership', () => {
    expect(() => resolveConsumerOptions({ heartbeatIntervalMs: 30_000 }, 1024)).toThrow(
      /heartbeatIntervalMs must be lower than sessionTimeoutMs; a third of it is recommended/,
    );
    expect(() => resolveConsumerOptions({ retryMaxDelayMs: 60_000 }, 1024)).toThrow(
      /retryMaxDelayMs must be lower than sessionTimeoutMs/,
    );
  });
});
