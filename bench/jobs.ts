/**
 * How many short producer jobs a worker runs per second, by concurrency, in
 * the same run: `somedata` jobs of one event each (`maxEvents: 1,
 * intervalSec: 0`: one HTTP request to the API, one Kafka acknowledgement),
 * so the figure is the queue's own overhead (fetch, lock, progress, complete)
 * plus one real event.
 *
 *   node --import tsx bench/jobs.ts [--jobs 500] [--concurrency 1,8]
 *
 * Needs the local Redis and Kafka (make up). The API and the worker run in this
 * process (the API on a free port); queue and topics are fresh and removed
 * after. Writes bench/results/jobs.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../lib/config';
import { createLogger } from '../lib/logger';
import { startApi } from '../producers/service';
import { freshTopics } from '../harness/producers';
import { withApiUrl } from '../harness/workers';
import { createQueue, createQueueEvents, type JobData, type JobName } from '../lib/jobs/queue';
import { startWorker } from '../workers/worker';

const log = createLogger({ service: 'bench-jobs', level: 'warn' });
const JOB = { name: 'somedata' as JobName, data: { maxEvents: 1, intervalSec: 0, durationSec: 60 } as JobData };

interface Figures {
  concurrency: number;
  jobs: number;
  seconds: number;
  jobsPerSec: number;
  /** Time one job ran in the worker (processedOn → finishedOn), ms. */
  runMs: { p50: number; p95: number };
  /** Time from being added to being finished, ms. */
  totalMs: { p50: number; p95: number };
  failed: number;
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
};

/** Add `count` jobs at once and wait until every one finished; a few warm-up jobs first. */
async function measure(base: Config, concurrency: number, count: number): Promise<Figures> {
  const config: Config = {
    ...base,
    workers: { ...base.workers, queueName: `${base.workers.queueName}-c${concurrency}` },
  };
  const queue = createQueue(config);
  const events = createQueueEvents(config);
  await events.waitUntilReady();
  const worker = await startWorker(config, log, { concurrency, port: null });
  try {
    let finished = 0;
    let target = 0;
    let done: () => void = () => {};
    const onFinished = () => {
      finished++;
      if (finished === target) done();
    };
    events.on('completed', onFinished);
    events.on('failed', onFinished);
    const run = async (n: number) => {
      finished = 0;
      target = n;
      const all = new Promise<void>((resolve) => (done = resolve));
      const started = process.hrtime.bigint();
      await queue.addBulk(Array.from({ length: n }, () => JOB));
      await all;
      return Number(process.hrtime.bigint() - started) / 1e9;
    };
    await run(20); // warm-up: JIT, connections, Kafka metadata
    await queue.clean(0, 10_000, 'completed');
    const seconds = await run(count);

    const completed = await queue.getJobs(['completed'], 0, count);
    const failed = await queue.getJobCountByTypes('failed');
    return {
      concurrency,
      jobs: count,
      seconds: Number(seconds.toFixed(2)),
      jobsPerSec: Math.round(count / seconds),
      runMs: {
        p50: quantile(
          completed.map((job) => job.finishedOn! - job.processedOn!),
          0.5,
        ),
        p95: quantile(
          completed.map((job) => job.finishedOn! - job.processedOn!),
          0.95,
        ),
      },
      totalMs: {
        p50: quantile(
          completed.map((job) => job.finishedOn! - job.timestamp),
          0.5,
        ),
        p95: quantile(
          completed.map((job) => job.finishedOn! - job.timestamp),
          0.95,
        ),
      },
      failed,
    };
  } finally {
    await worker.stop();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { jobs: { type: 'string' }, concurrency: { type: 'string' } } });
  const count = Number(values.jobs ?? 500);
  const levels = (values.concurrency ?? '1,8').split(',').map(Number);
  if (!Number.isInteger(count) || count < 1 || levels.some((level) => !Number.isInteger(level) || level < 1)) {
    console.error('usage: node --import tsx bench/jobs.ts [--jobs N] [--concurrency 1,8]');
    process.exit(2);
  }

  // Fresh topics and queue names, created like a service does (the integration tests' helper).
  const topics = await freshTopics({ FOOT_TOKEN: '' });
  const api = await startApi({ ...topics.config, api: { ...topics.config.api, port: 0 } }, log, { host: '127.0.0.1' });
  const config = withApiUrl(topics.config, api.url);
  try {
    const figures: Figures[] = [];
    for (const concurrency of levels) figures.push(await measure(config, concurrency, count));
    const result = {
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      job: JOB,
      figures,
    };
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results', 'jobs.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`${count} somedata jobs of 1 event each, ${result.machine.cpus} CPUs, worker + API in one process`);
    for (const f of figures) {
      console.log(
        `concurrency ${String(f.concurrency).padStart(2)}: ${String(f.jobsPerSec).padStart(5)} jobs/s` +
          `   run p50 ${f.runMs.p50} ms p95 ${f.runMs.p95} ms   added→finished p50 ${f.totalMs.p50} ms p95 ${f.totalMs.p95} ms   failed ${f.failed}`,
      );
    }
  } finally {
    await api.stop();
    await topics.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
