/**
 * Redis goes away while a job runs, and comes back: the job still completes
 * (BullMQ's connections reconnect; progress and lock renewal wait in ioredis's
 * offline queue), and no attempt publishes anything twice.
 *
 * The shared Redis on :6379 is used by every other test and service, so this
 * file starts a Redis of its own (same binary, same persistence as `make up`:
 * append-only file, no RDB snapshots) on a free port and crashes THAT one.
 * `--appendfsync always` makes the crash lose nothing Redis acknowledged, as
 * a clean restart would: the test is about reconnecting, not about the
 * durability settings of Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../harness/consumer';
import { eventually } from '../../harness/env';
import { eventsOfJob, startWorkerStack, type WorkerStack } from '../../harness/workers';

let dataDir: string;
let port: number;
let redis: ChildProcess | undefined;
let stack: WorkerStack;

async function startRedis(): Promise<void> {
  redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'],
    { cwd: dataDir, stdio: 'ignore' },
  );
  // --dir is the working directory: the append-only file survives the restart there.
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await eventually(async () => {
      await probe.connect().catch(() => undefined);
      return (await probe.ping().catch(() => '')) === 'PONG';
    }, `redis-server on port ${port}`);
  } finally {
    probe.disconnect();
  }
}

async function crashRedis(): Promise<void> {
  const exited = new Promise((resolve) => redis?.once('exit', resolve));
  redis?.kill('SIGKILL');
  await exited;
  redis = undefined;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'workers-redis-'));
  port = await freePort();
  await startRedis();
  stack = await startWorkerStack({ REDIS_URL: `redis://127.0.0.1:${port}` });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  if (redis) await crashRedis();
  rmSync(dataDir, { recursive: true, force: true });
});

it('a job running while Redis crashes and restarts completes, and publishes each event once', async () => {
  const { q, topics, config } = stack;
  const job = await q.add('somedata', { runId: 'redis-restart', durationSec: 60, intervalSec: 0.1, maxEvents: 40 });
  await eventually(
    async () => (q.progress.get(job.id!) ?? []).some((report) => report.published >= 5),
    'the job under way',
  );

  await crashRedis();
  // Down for two seconds: the job goes on publishing through the API meanwhile.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  await startRedis();

  const result = await job.waitUntilFinished(q.events, 45_000);
  const finished = await q.queue.getJob(job.id!);
  expect(await finished?.getState()).toBe('completed');
  expect(result).toMatchObject({ published: 40, failed: 0 });

  const events = await eventsOfJob(topics, config.kafka.topics.somedata, job.id!);
  expect(events).toHaveLength(result.published);
  expect(new Set(events.map((event) => event.eventId)).size).toBe(events.length);
  expect(events.every((event) => event.runId === 'redis-restart')).toBe(true);
}, 90_000);
