import { Registry } from 'prom-client';
import { loadConfig } from '../../lib/config';
import { ConfigError } from '../../lib/errors';
import type { ProducerQueue } from '../../lib/jobs/queue';
import { createLogger } from '../../lib/logger';
import { registerQueueMetrics } from './queue-metrics';
import { startAdmin } from './server';

// The admin server's option objects resolve the one way (lib/options.ts): a ConfigError that names the setting,
// raised before anything connects.
describe("the admin server's options", () => {
  const config = loadConfig({ ADMIN_PASSWORD: 'options-spec-password' });
  const log = createLogger({ service: 'test', level: 'silent' });

  it.each([
    [{ port: 70_000 }, /port must be a port, 0 to 65535 \(got 70000\); set ADMIN_PORT/],
    [{ basePath: '/admin/' }, /basePath must start with \/ and not end with \//],
    [{ stopStepTimeoutMs: 0 }, /stopStepTimeoutMs must be an integer >= 1 \(got 0\)/],
  ])('startAdmin refuses %j, naming the setting', async (options, message) => {
    const failure = startAdmin(config, log, { port: 0, ...options });
    await expect(failure).rejects.toThrow(ConfigError);
    await expect(failure).rejects.toThrow(message);
  });

  it('the queue metrics refuse a negative cache time, naming it', () => {
    const register = () => registerQueueMetrics(new Registry(), {} as ProducerQueue, { cacheMs: -1 });
    expect(register).toThrow(ConfigError);
    expect(register).toThrow(/cacheMs must be an integer >= 0 \(got -1\)/);
  });
});
