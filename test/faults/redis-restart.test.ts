/**
 * Fault 4: the shared Redis restarts (stack down, 5 s away, stack up) while
 * BullMQ jobs run and while an Airflow-triggered run of kafka_pipeline waits
 * on its job. The jobs complete (BullMQ retries an attempt if it must), each
 * published event is stored once, and the DAG run ends — success, or a clear
 * failure — within a bounded time, never hangs.
 *
 * The in-process jobs use a queue of their own on the shared Redis; the DAG
 * run uses the stack as it is (Airflow :8080, the workers, API and consumer
 * services, the producer-jobs queue). Redis is brought back in afterAll
 * whatever happened.
 */
import { COLLECTIONS } from '../../lib/mongo';
import type { RunningApi } from '../../producers/service';
import type { Job } from 'bullmq';
import type { JobData, JobResult, JobName } from '../../lib/jobs/queue';
import {
  airflowClient,
  airflowHealthy,
  taskStates,
  triggerDagRun,
  waitForDagRun,
  type AirflowClient,
} from '../../harness/airflow';
import { eventually, freshName } from '../../harness/env';
import { reportScenario, seconds, sleep } from '../../harness/faults';
import { startTestApi } from '../../harness/producers';
import { useSink } from '../../harness/sink';
import { stack } from '../../harness/stack';
import { startOwnQueue, withApiUrl, type OwnQueue } from '../../harness/workers';

jest.setTimeout(300_000);

const DAG = 'kafka_pipeline';
const JOBS = 4;
const DOWN_MS = 5_000;
/**
 * How long the run may wait to start. Under `make test` / `make test-faults` the stack's DAG has
 * no schedule (KAFKA_PIPELINE_SCHEDULE=none), so it starts at once; on a stack started with the
 * default schedule it may queue behind a scheduled run (max_active_runs=1), two minutes at most.
 */
const QUEUED_MAX_MS = 180_000;
const RUN_TIMEOUT_MS = QUEUED_MAX_MS + 120_000;

const sut = useSink();
let api: RunningApi | undefined;
let own: OwnQueue | undefined;
afterAll(async () => {
  await stack('up', 'redis'); // first: everything below needs it
  await own?.close();
  await api?.stop();
}, 120_000);

type ProducerJob = Job<JobData, JobResult, JobName>;

it('a Redis restart during running jobs and a DAG run: jobs complete, events stored once, the run ends', async () => {
  if (!(await airflowHealthy())) throw new Error('Airflow is not healthy at :8080: bash infra/stack.sh up airflow');
  const airflow: AirflowClient = await airflowClient();
  const runId = freshName('faults_redis');
  await triggerDagRun(airflow, DAG, runId, {
    producers: ['somedata'],
    somedata_duration_sec: 10,
    somedata_interval_sec: 0.5,
    verify_timeout_sec: 60,
  });
  const triggeredAt = Date.now();

  await sut.start();
  api = await startTestApi(sut.config);
  own = await startOwnQueue(withApiUrl(sut.config, api.url));

  // The DAG's job must be running when Redis goes: produce_somedata waits on it (deferred)
  // while the workers service runs it, for 10 s.
  let dagTasks = await taskStates(airflow, DAG, runId);
  const dagWaitingAtRestart = await eventually(
    async () => {
      dagTasks = await taskStates(airflow, DAG, runId);
      return dagTasks.produce_somedata === 'deferred';
    },
    `produce_somedata of ${runId} to be deferred`,
    QUEUED_MAX_MS,
  ).catch(() => false); // reported; the jobs part goes on regardless
  const dagStartedMs = Date.now() - triggeredAt;

  // Then jobs of our own, under way when Redis goes.
  const jobs: ProducerJob[] = [];
  for (let index = 0; index < JOBS; index++)
    jobs.push(
      await own.q.add('somedata', { runId: `redis-${index}`, durationSec: 60, intervalSec: 0.05, maxEvents: 200 }),
    );
  const progressed = (job: ProducerJob, at: number) =>
    (own!.q.progress.get(job.id!) ?? []).some((report) => report.published >= at);
  await eventually(async () => jobs.every((job) => progressed(job, 5)), 'every job under way', 30_000);

  const outcomesAtRestart = jobs
    .map((job) => (own!.q.progress.get(job.id!) ?? []).at(-1)?.published ?? 0)
    .join('/')
    .concat(' events');
  const downAt = Date.now();
  await stack('down', 'redis');
  await sleep(DOWN_MS);
  await stack('up', 'redis');
  const backAt = Date.now();

  const outcomes = await Promise.all(
    jobs.map(async (job) => {
      const result = await job.waitUntilFinished(own!.q.events, 120_000).catch((error: Error) => error);
      const state = await own!.q.queue.getJob(job.id!).then((finished) => finished?.getState());
      const attempts = (await own!.q.queue.getJob(job.id!))?.attemptsMade ?? 0;
      return { job, result, state, attempts };
    }),
  );
  const finishedAt = Date.now();
  // The stack's own Redis clients (workers, dashboard) are back too.
  const services = { workers: sut.config.workers.port, admin: sut.config.admin.port };
  const servicesReady = await eventually(
    async () => {
      const answers = await Promise.all(
        Object.values(services).map((port) =>
          fetch(`http://127.0.0.1:${port}/readyz`)
            .then((r) => r.status)
            .catch(() => 0),
        ),
      );
      return answers.every((status) => status === 200) && Date.now();
    },
    'the workers and admin services ready again',
    30_000,
  ).catch(() => undefined);
  await api.stop();

  // Every event a job published is stored once: per job, documents with its source = what it reports published.
  await eventually(
    async () => {
      const stored = await sut.db.collection(COLLECTIONS.somedata).countDocuments();
      const published = outcomes.reduce((sum, { result }) => sum + (result instanceof Error ? 0 : result.published), 0);
      return stored >= published;
    },
    'the jobs’ events in MongoDB',
    60_000,
  ).catch(() => undefined);
  const perJob = await Promise.all(
    outcomes.map(async ({ job, result }) => {
      const published = result instanceof Error ? 0 : result.published;
      const stored = await sut.db.collection(COLLECTIONS.somedata).countDocuments({ source: `job:${job.id}` });
      return { published, stored };
    }),
  );

  const run = await waitForDagRun(airflow, DAG, runId, Math.max(0, RUN_TIMEOUT_MS - (Date.now() - triggeredAt)));
  const tasks = await taskStates(airflow, DAG, runId);
  const runEndedMs = run.end_date ? Date.parse(run.end_date) - triggeredAt : undefined;

  const published = perJob.reduce((sum, job) => sum + job.published, 0);
  const stored = perJob.reduce((sum, job) => sum + Math.min(job.published, job.stored), 0);
  reportScenario({
    scenario: 'redis restart',
    load: `${JOBS} somedata jobs (200 events each, 20/s) on a fresh queue + DAG run ${runId} (somedata 10 s, every 0.5 s)`,
    fault: `shared Redis stopped (stack down) ${seconds(DOWN_MS)}, back after ${seconds(backAt - downAt)}; the DAG's job was ${dagWaitingAtRestart ? `running (task deferred, ${seconds(dagStartedMs)} after the trigger)` : `not running (tasks ${JSON.stringify(dagTasks)})`}; our jobs at ${outcomesAtRestart}`,
    tally: {
      acknowledged: published,
      stored,
      lost: perJob.reduce((sum, job) => sum + Math.max(0, job.published - job.stored), 0),
      doubled: perJob.reduce((sum, job) => sum + Math.max(0, job.stored - job.published), 0),
    },
    recovery: `jobs ${outcomes.map(({ state, attempts }) => `${state}/${attempts} attempt(s)`).join(', ')}, all finished ${seconds(finishedAt - backAt)} after Redis returned; stack workers+admin ready ${servicesReady ? `${seconds(servicesReady - backAt)} after it` : 'NOT within 30 s'}; DAG run ${run.state}${runEndedMs !== undefined ? ` after ${seconds(runEndedMs)}` : ''} (tasks ${JSON.stringify(tasks)})`,
  });

  for (const { result, state } of outcomes) {
    expect(result).not.toBeInstanceOf(Error);
    expect(state).toBe('completed');
  }
  expect(perJob.filter((job) => job.published !== job.stored)).toEqual([]);
  expect(servicesReady).toBeDefined();
  expect(perJob.every((job) => job.published === 200)).toBe(true);
  // The run ended, one way or the other, within the bound: it did not hang.
  expect(dagWaitingAtRestart).toBe(true);
  expect(['success', 'failed']).toContain(run.state);
  if (run.state === 'failed') expect(Object.values(tasks)).toContain('failed'); // a failure names its task
});
