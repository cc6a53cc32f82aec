// A stand-in for the project's worker, built on the same Node bullmq (6.7) it
// uses: it proves jobs added by Python bullmq run on Node and that Python reads
// their results. Usage: node node_worker.mjs REDIS_URL QUEUE JOBS_TO_HANDLE
//   job "somedata": returns { published: 3, failed: 0, topic: "somedata", runId }
//   job "boom":     fails with "boom from node"
// NODE_WORKER_DELAY_MS: how long each job runs before it returns (default 0).
// Prints one JSON line per job handled; exits after JOBS_TO_HANDLE jobs (or 30 s).
import { Worker } from 'bullmq';

const [redisUrl, queueName, count] = process.argv.slice(2);
let left = Number(count);
const worker = new Worker(
  queueName,
  async (job) => {
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.NODE_WORKER_DELAY_MS ?? 0)));
    if (job.name === 'boom') throw new Error('boom from node');
    return { published: 3, failed: 0, topic: job.name, runId: job.data.runId, jobId: job.id };
  },
  {
    connection: { url: redisUrl },
    settings: { backoffStrategy: () => 10 },
  },
);
const done = async (job, outcome) => {
  console.log(JSON.stringify({ id: job.id, name: job.name, outcome, data: job.data, opts: job.opts }));
  if (--left <= 0) {
    await worker.close();
    process.exit(0);
  }
};
worker.on('completed', (job) => done(job, 'completed'));
worker.on('failed', (job) => done(job, 'failed'));
setTimeout(() => {
  console.error('node worker: timed out');
  process.exit(2);
}, 30_000).unref();
