/**
 * Producer jobs end to end against the real Redis, Kafka and the API
 * (in-process), with the fake football-data.org upstream: what a job returns
 * is what is in Kafka, stamped with the job and the run; transient failures
 * are retried with backoff; bad jobs fail at once.
 */
import type { Config } from '../../lib/config';
import type { WorkerService } from '../../workers/worker';
import { eventually } from '../../harness/env';
import { startFakeFootballData, type FakeFootballData } from '../../harness/fake-football-data';
import { startTestApi, type TopicsUnderTest } from '../../harness/producers';
import { runTool, type ToolRun } from '../../harness/processes';
import {
  eventsOfJob,
  startOwnQueue,
  startTestWorker,
  startWorkerStack,
  withApiUrl,
  type QueueUnderTest,
  type WorkerStack,
} from '../../harness/workers';

let fake: FakeFootballData;
let stack: WorkerStack;
let topics: TopicsUnderTest;
let config: Config;
let q: QueueUnderTest;
let worker: WorkerService;

beforeAll(async () => {
  fake = await startFakeFootballData();
  stack = await startWorkerStack(
    { FOOTBALL_API_URL: fake.url, FOOT_TOKEN: fake.token, WORKER_CONCURRENCY: '4' },
    { port: 0, host: '127.0.0.1' },
  );
  ({ topics, config, q, worker } = stack);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await fake?.close();
});

describe('a somedata job', () => {
  it('publishes events stamped with job:<jobId> and its runId, and returns exactly what it published', async () => {
    const runId = 'scheduled__2026-11-24T10:00:00+00:00';
    const job = await q.add('somedata', { runId, durationSec: 30, intervalSec: 0.05, maxEvents: 12 });
    const result = await job.waitUntilFinished(q.events, 30_000);

    expect(result).toMatchObject({ published: 12, failed: 0, topic: config.kafka.topics.somedata });
    expect(result.firstOffset).toEqual({ partition: expect.any(Number), offset: expect.any(String) });
    const events = await eventsOfJob(topics, config.kafka.topics.somedata, job.id!);
    expect(events).toHaveLength(result.published);
    expect(new Set(events.map((event) => event.eventId)).size).toBe(events.length);
    for (const event of events) expect(event).toMatchObject({ type: 'somedata', source: `job:${job.id}`, runId });

    // Progress was reported while it ran, and the last report is the result.
    const reports = q.progress.get(job.id!) ?? [];
    expect(reports.length).toBeGreaterThan(0);
    expect((await q.queue.getJob(job.id!))?.progress).toMatchObject({ published: 12, failed: 0 });
  });

  it('without a runId stamps runId null and applies the defaults it was not given', async () => {
    const job = await q.add('somedata', { maxEvents: 2, intervalSec: 0 });
    await job.waitUntilFinished(q.events, 30_000);
    const stored = await q.queue.getJob(job.id!);
    expect(stored?.returnvalue).toMatchObject({ published: 2 });
    const events = await eventsOfJob(topics, config.kafka.topics.somedata, job.id!);
    expect(events.map((event) => event.runId)).toEqual([null, null]);
  });
});

describe("the worker's ops server", () => {
  it('is ready (Redis, Kafka, the worker) and reports job attempts, durations and events', async () => {
    const ready = await fetch(`${worker.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { redis: true, worker: true, kafka: true } });
    const metrics = await (await fetch(`${worker.url}/metrics`)).text();
    expect(metrics).toMatch(/worker_job_attempts_total\{[^}]*name="somedata",outcome="completed"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/worker_job_duration_seconds_count\{[^}]*name="somedata",outcome="completed"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/worker_job_events_total\{[^}]*name="somedata",result="published"[^}]*\} [1-9]/);
  });
});

describe('a footdata job', () => {
  it('publishes one record per match of the upstream, keyed by match id', async () => {
    const job = await q.add('footdata', { runId: 'manual__1' });
    const result = await job.waitUntilFinished(q.events, 30_000);

    expect(result).toMatchObject({ published: fake.matches.length, failed: 0, topic: config.kafka.topics.footdata });
    const events = await eventsOfJob(topics, config.kafka.topics.footdata, job.id!);
    expect(events).toHaveLength(fake.matches.length);
    expect(events.map((event) => (event.payload as { id: number }).id).sort()).toEqual(
      fake.matches.map((match) => match.id).sort(),
    );
    for (const event of events)
      expect(event).toMatchObject({ type: 'footdata', source: `job:${job.id}`, runId: 'manual__1' });
  });
});

describe('failures', () => {
  it('retries while the football upstream fails, with growing backoff, then fails with the reason', async () => {
    // A fresh API: no cached matches to fall back on, so /footdata answers 502 while the upstream fails.
    const failingApi = await startTestApi(topics.config);
    const own = await startOwnQueue(withApiUrl(config, failingApi.url));
    const failing = own.q;
    fake.setMode('fail');
    try {
      const job = await failing.add(
        'footdata',
        {},
        { attempts: 3, backoff: { type: 'exponential', delay: 300, jitter: 0.5 } },
      );
      await expect(job.waitUntilFinished(failing.events, 30_000)).rejects.toThrow(/502/);

      const failed = await failing.queue.getJob(job.id!);
      expect(await failed?.getState()).toBe('failed');
      expect(failed?.attemptsMade).toBe(3);
      expect(failed?.failedReason).toMatch(/GET \/footdata answered 502/);
      // Two retries, each delayed by the jittered backoff: ~300 ms (150..300), then ~600 ms (300..600).
      const [first, second, ...more] = failing.delays.get(job.id!) ?? [];
      expect(more).toEqual([]);
      expect(first).toBeGreaterThanOrEqual(100);
      expect(first).toBeLessThanOrEqual(300);
      expect(second).toBeGreaterThanOrEqual(250);
      expect(second).toBeLessThanOrEqual(600);
      expect(await eventsOfJob(topics, config.kafka.topics.footdata, job.id!)).toEqual([]);

      // The CLI says so too: exit 1 and the reason.
      const { code, stderr } = await cli(own.config.workers.queueName, 'footdata', '--attempts', '1');
      expect(code).toBe(1);
      expect(stderr).toMatch(/failed after 1 attempt\(s\): GET \/footdata answered 502/);
    } finally {
      fake.setMode('ok');
      await own.close();
      await failingApi.stop();
    }
  });

  it('recovers when the upstream comes back before the attempts run out', async () => {
    const freshApi = await startTestApi(topics.config);
    const own = await startOwnQueue(withApiUrl(config, freshApi.url));
    const recovering = own.q;
    // The API's client tries the upstream 3 times per /footdata: the first attempt of the job fails, the second succeeds.
    fake.setMode('fail', { times: 3 });
    try {
      const job = await recovering.add(
        'footdata',
        {},
        { attempts: 3, backoff: { type: 'exponential', delay: 200, jitter: 0.5 } },
      );
      const result = await job.waitUntilFinished(recovering.events, 30_000);
      expect(result.published).toBe(fake.matches.length);
      expect((await recovering.queue.getJob(job.id!))?.attemptsMade).toBeGreaterThanOrEqual(1);
    } finally {
      fake.setMode('ok');
      await own.close();
      await freshApi.stop();
    }
  });

  it.each([
    ['durationSec out of bounds', 'somedata', { durationSec: 0 }, /invalid somedata job data: durationSec/],
    ['a misspelt field', 'somedata', { duration: 10 }, /invalid somedata job data: duration: is not a known field/],
    ['a bad runId', 'footdata', { runId: 'x'.repeat(300) }, /invalid footdata job data: runId/],
  ])('fails at once, without retries, on %s', async (_, name, data, reason) => {
    const job = await q.queue.add(name as 'somedata', data as never, { attempts: 5 });
    await expect(job.waitUntilFinished(q.events, 10_000)).rejects.toThrow(reason);
    const failed = await q.queue.getJob(job.id!);
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.failedReason).toMatch(reason);
  });

  it('fails an unknown job name at once', async () => {
    const job = await q.queue.add('otherdata' as 'somedata', {}, { attempts: 5 });
    await expect(job.waitUntilFinished(q.events, 10_000)).rejects.toThrow(/unknown job name "otherdata"/);
    expect((await q.queue.getJob(job.id!))?.attemptsMade).toBe(1);
  });
});

describe('the football budget', () => {
  it("is the API's alone: footdata jobs beyond FOOTBALL_CALLS_PER_MINUTE run at once, served from its cache", async () => {
    const tight = { ...config, football: { ...config.football, callsPerMinute: 1 } };
    const own = await startOwnQueue(tight);
    try {
      const jobs = [await own.q.add('footdata', {}), await own.q.add('footdata', {})];
      const started = Date.now();
      await Promise.all(jobs.map((job) => job.waitUntilFinished(own.q.events, 15_000)));
      expect(Date.now() - started).toBeLessThan(10_000);
      for (const job of jobs) {
        const done = await own.q.queue.getJob(job.id!);
        expect(done?.attemptsMade).toBe(1);
        expect(own.q.delays.get(job.id!) ?? []).toEqual([]);
        expect(done?.returnvalue.published).toBeGreaterThan(0);
      }
    } finally {
      await own.close();
    }
  });
});

describe('stop()', () => {
  it('lets a running job finish when it ends within the drain time', async () => {
    const { q: draining, worker: drainingWorker, close } = await startOwnQueue(config, { drainTimeoutMs: 10_000 });
    const job = await draining.add('somedata', { durationSec: 30, intervalSec: 0.1, maxEvents: 10 });
    await waitForProgress(draining, job.id!, 1);
    await drainingWorker.stop();
    const finished = await draining.queue.getJob(job.id!);
    expect(await finished?.getState()).toBe('completed');
    expect(finished?.returnvalue).toMatchObject({ published: 10 });
    expect(finished?.returnvalue.interrupted).toBeUndefined();
    await close();
  });

  it('past the drain time, aborts the job, which is not completed: it waits for a retry that goes on from there', async () => {
    const {
      config: qc,
      q: draining,
      worker: drainingWorker,
      close,
    } = await startOwnQueue(config, { drainTimeoutMs: 500 });
    const job = await draining.add('somedata', { durationSec: 60, intervalSec: 0.1, maxEvents: 40 });
    await waitForProgress(draining, job.id!, 2);
    const stopping = Date.now();
    await drainingWorker.stop();
    expect(Date.now() - stopping).toBeLessThan(5_000);

    const interrupted = await draining.queue.getJob(job.id!);
    expect(['delayed', 'waiting']).toContain(await interrupted?.getState());
    expect(interrupted?.failedReason).toMatch(/^interrupted \(shutdown\) after \d+ record\(s\): not complete/);
    expect(interrupted?.attemptsMade).toBe(1);

    // The next worker takes the retry and sends only what the first attempt did not.
    const next = await startTestWorker(qc);
    try {
      const result = await job.waitUntilFinished(draining.events, 30_000);
      expect(result).toMatchObject({ published: 40, failed: 0 });
      expect(result.interrupted).toBeUndefined();
      // An event whose request was in flight at the abort may be in Kafka without being counted.
      const events = await eventsOfJob(topics, config.kafka.topics.somedata, job.id!);
      expect(events.length - result.published).toBeGreaterThanOrEqual(0);
      expect(events.length - result.published).toBeLessThanOrEqual(1);
    } finally {
      await next.stop();
      await close();
    }
  });
});

describe('a worker that dies mid-job', () => {
  it('leaves a stalled job that another worker takes over, going on from the saved progress', async () => {
    // Short locks and stalled checks, so the takeover happens within seconds.
    const quick = { lockDurationMs: 1_000, stalledIntervalMs: 500, progressIntervalMs: 0 };
    const { config: qc, q: queue, worker: doomed, close } = await startOwnQueue(config, quick);
    const job = await queue.add('somedata', { durationSec: 60, intervalSec: 0.1, maxEvents: 30 });
    await waitForProgress(queue, job.id!, 5);

    // A crash, as far as Redis can tell: the attempt stops, nothing is finished, the lock is no longer renewed.
    doomed.worker.cancelAllJobs('crash');
    await doomed.worker.close(true);
    const rescuer = await startTestWorker(qc, quick);
    try {
      const result = await job.waitUntilFinished(queue.events, 30_000);
      const finished = await queue.queue.getJob(job.id!);
      expect(finished?.attemptsStarted).toBeGreaterThanOrEqual(2);
      // The second attempt sent only what the first had not: 30 in all, as saved progress counts.
      expect(result).toMatchObject({ published: 30, failed: 0 });
      const events = await eventsOfJob(topics, config.kafka.topics.somedata, job.id!);
      expect(new Set(events.map((event) => event.eventId)).size).toBe(events.length);
      // The crashed attempt may have published an event or two after its last saved progress.
      expect(events.length).toBeGreaterThanOrEqual(30);
      expect(events.length).toBeLessThanOrEqual(32);
    } finally {
      await rescuer.stop();
      await close();
    }
  });
});

describe('npm run job', () => {
  it('enqueues a job, prints its progress, and ends with its result as JSON', async () => {
    const { code, stdout } = await cli(
      config.workers.queueName,
      'somedata',
      '--duration',
      '10',
      '--interval',
      '0.1',
      '--max-events',
      '5',
      '--run-id',
      'cli-run',
    );
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/job \d+ \(somedata\) added to/);
    expect(lines.some((line) => /progress: published \d+, failed 0/.test(line))).toBe(true);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ published: 5, failed: 0, topic: config.kafka.topics.somedata });
  }, 30_000);

  it('refuses bad arguments with exit 2, naming the problem', async () => {
    const bad = await cli(config.workers.queueName, 'somedata', '--duration', '0');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/durationSec/);
    expect((await cli(config.workers.queueName, 'otherdata')).code).toBe(2);
    expect((await cli(config.workers.queueName, 'footdata', '--interval', '1')).stderr).toMatch(/for somedata jobs/);
  }, 30_000);
});

/** `npm run job -- ...` as a child process, against the queue `queueName`. */
function cli(queueName: string, ...args: string[]): Promise<ToolRun> {
  return runTool('workers/cli.ts', args, { QUEUE_NAME: queueName, REDIS_URL: config.redis.url });
}

/** Wait until the job reported at least `published` events. */
function waitForProgress(queue: QueueUnderTest, jobId: string, published: number): Promise<boolean> {
  return eventually(
    async () => (queue.progress.get(jobId) ?? []).some((report) => report.published >= published),
    `job ${jobId} to report ${published} published`,
  );
}
