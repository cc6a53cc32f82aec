import { createLogger } from '../lib/logger';
import { ProgressReporter } from './progress';
import type { JobProgress } from '../lib/jobs/queue';

const log = createLogger({ service: 'test', level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function recorder(delayMs = 0) {
  const written: JobProgress[] = [];
  return {
    written,
    updateProgress: async (progress: JobProgress) => {
      await sleep(delayMs);
      written.push(progress);
    },
  };
}

describe('ProgressReporter', () => {
  it('coalesces a burst of reports into few writes, ending with the latest', async () => {
    const job = recorder();
    const reporter = new ProgressReporter(job, log, { minIntervalMs: 50 });
    for (let published = 1; published <= 1_000; published++) reporter.report({ published, failed: 0 });
    await sleep(120);
    await reporter.flush();
    expect(job.written.length).toBeLessThanOrEqual(4);
    expect(job.written.at(-1)).toEqual({ published: 1_000, failed: 0 });
  });

  it('never makes the routine wait for a slow Redis', async () => {
    const job = recorder(200);
    const reporter = new ProgressReporter(job, log, { minIntervalMs: 0 });
    const started = Date.now();
    for (let published = 1; published <= 100; published++) reporter.report({ published, failed: 0 });
    expect(Date.now() - started).toBeLessThan(50);
    await reporter.flush();
    expect(job.written.at(-1)).toEqual({ published: 100, failed: 0 });
  });

  it('logs a failed write and goes on', async () => {
    const reporter = new ProgressReporter({ updateProgress: () => Promise.reject(new Error('down')) }, log, {
      minIntervalMs: 0,
    });
    reporter.report({ published: 1, failed: 0 });
    await expect(reporter.flush()).resolves.toBeUndefined();
  });

  it('refuses a negative interval, naming it', () => {
    expect(() => new ProgressReporter(recorder(), log, { minIntervalMs: -1 })).toThrow(/minIntervalMs/);
  });
});
