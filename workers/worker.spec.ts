import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { startWorker } from './worker';

const log = createLogger({ service: 'test', level: 'silent' });

describe('startWorker', () => {
  it('refuses bad options before connecting anything, naming each one', async () => {
    const attempt = startWorker(loadConfig({}), log, {
      concurrency: 0,
      lockDurationMs: 10,
    });
    await expect(attempt).rejects.toThrow(/concurrency must be an integer >= 1 \(got 0\); set WORKER_CONCURRENCY/);
    await expect(attempt).rejects.toThrow(/lockDurationMs must be an integer >= 1000/);
  });
});
