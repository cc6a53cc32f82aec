/**
 * `make test-chaos`: load at ~1,000 events/s through the API for CHAOS_SECONDS
 * (default 300; `make test` runs 60) while a seeded scheduler injects random
 * faults, one at a time, each restored before the next: a broker killed
 * (SIGKILL) and restarted, the consumer killed (SIGKILL) and restarted, the
 * store paused (SIGSTOP of FerretDB's process group) and resumed (SIGCONT),
 * Redis stopped and started while BullMQ somedata jobs run through a worker.
 *
 * At the end: acknowledged (the load's 200s by event id, and what each job
 * published) against stored (documents in MongoDB), lost, doubled, the longest
 * stall (the longest time during the load in which nothing new was stored),
 * and the seed that replays the schedule (CHAOS_SEED). Any loss or doubling
 * fails the test. The line goes to `.stack/test-results/chaos.txt`.
 *
 * The API and the consumer run as processes of their own (the consumer is
 * killed; the API keeps its event loop free of the load generator); the load
 * and the BullMQ worker run here. Fresh topics, database, group and queue.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Job } from 'bullmq';
import type { JobData, JobName, JobResult } from '../../lib/jobs/queue';
import { consumerEnv, freePort, waitForCommitted } from '../../harness/consumer';
import { eventually } from '../../harness/env';
import { seconds, sleep } from '../../harness/faults';
import { formatStatuses, startLoad } from '../../harness/load';
import { killServices, startService, waitUntilAnswers, type ServiceProcess } from '../../harness/processes';
import { producersEnv } from '../../harness/producers';
import { useSink } from '../../harness/sink';
import { STACK_DIR } from '../../harness/stack';
import { startOwnQueue, withApiUrl, type OwnQueue } from '../../harness/workers';
import { describeInjected, healEverything, injectFault, type ChaosTargets, type InjectedFault } from './faults';
import { countChaos, type JobOutcome } from './ledger';
import { describeFault, FAULT_KINDS, planFaults } from './schedule';

/** A whole number from the environment, checked: the message names the variable. */
function envInt(name: string, fallback: number, min: number, max: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} must be a whole number from ${min} to ${max} (got "${text}")`);
  return value;
}

const CHAOS_SECONDS = envInt('CHAOS_SECONDS', 300, 20, 3_600);
const SEED = envInt('CHAOS_SEED', Date.now() % 2 ** 31, 0, 2 ** 32 - 1);
const RATE = 1_000;
const PREFIX = 'chaos';
/** Load without faults first, so the first fault hits a pipeline at work. */
const WARMUP_MS = 5_000;
const JOBS = 2;
const JOB_INTERVAL_SEC = 0.1;
export const CHAOS_REPORT = join(STACK_DIR, 'test-results', 'chaos.txt');

jest.setTimeout(CHAOS_SECONDS * 1_000 + 360_000);

// A killed consumer's partitions go to its successor after 10 s, not the default 30 s.
const sut = useSink({ FOOT_TOKEN: '', CONSUMER_SESSION_TIMEOUT_MS: '10000' });
let own: OwnQueue | undefined;
afterAll(async () => {
  await healEverything(); // first: everything below needs the store, the brokers and Redis
  await killServices();
  await own?.close();
}, 240_000);

it('a seed replays the same fault schedule, and every kind of fault comes in each round', () => {
  expect(planFaults(SEED, 12)).toEqual(planFaults(SEED, 12));
  expect(planFaults(SEED, 12)).not.toEqual(planFaults(SEED + 1, 12));
  for (let round = 0; round < 3; round++)
    expect(
      new Set(
        planFaults(SEED, 12)
          .slice(round * 4, round * 4 + 4)
          .map((fault) => fault.kind),
      ),
    ).toEqual(new Set(FAULT_KINDS));
});

it(`${CHAOS_SECONDS} s at ~${RATE} events/s under random faults (seed ${SEED}): nothing acknowledged is lost or doubled`, async () => {
  const { config, admin, db } = sut;
  const topic = config.kafka.topics.somedata;

  const consumerPort = await freePort();
  const consumerOps = `http://127.0.0.1:${consumerPort}`;
  const consumerProcessEnv = consumerEnv(config, consumerPort);
  let consumer: ServiceProcess = startService('consumer/main.ts', consumerProcessEnv);
  await waitUntilAnswers(`${consumerOps}/readyz`, consumer, 90_000);

  const apiPort = await freePort();
  const url = `http://127.0.0.1:${apiPort}`;
  const api = startService('producers/main.ts', { ...producersEnv(config, apiPort), LOG_LEVEL: 'warn' });
  await waitUntilAnswers(`${url}/readyz`, api);

  own = await startOwnQueue(withApiUrl(config, url));
  const jobs: Job<JobData, JobResult, JobName>[] = [];
  for (let index = 0; index < JOBS; index++)
    jobs.push(
      await own.q.add('somedata', {
        runId: `chaos-${SEED}-${index}`,
        // As long as the load if nothing stops it; a retried attempt goes on from the count its predecessor saved.
        maxEvents: Math.round(CHAOS_SECONDS / JOB_INTERVAL_SEC),
        durationSec: CHAOS_SECONDS + 60,
        intervalSec: JOB_INTERVAL_SEC,
      }),
    );

  const targets: ChaosTargets = {
    killConsumer: async () => {
      await consumer.stop('SIGKILL');
    },
    startConsumer: async () => {
      consumer = startService('consumer/main.ts', consumerProcessEnv);
      await waitUntilAnswers(`${consumerOps}/readyz`, consumer, 90_000);
    },
    replicasWhole: async () => {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      return topics[0]!.partitions.every((partition) => partition.isr.length === 2);
    },
  };

  const loadStartedAt = Date.now();
  const load = startLoad({ url, ratePerSec: RATE, concurrency: 64, prefix: PREFIX });
  const durationMs = CHAOS_SECONDS * 1_000;
  const plan = planFaults(SEED);
  const injected: InjectedFault[] = [];
  await sleep(WARMUP_MS);
  // A fault is injected only if its own time ends within the run; its restore may run over (the load goes on until it is done).
  for (const fault of plan) {
    if (load.elapsedMs() + fault.gapMs + fault.downMs > durationMs) break;
    await sleep(fault.gapMs);
    injected.push(await injectFault(fault, targets, () => load.elapsedMs()));
  }
  await sleep(Math.max(0, durationMs - load.elapsedMs()));
  const loadStoppedAt = Date.now();
  const figures = await load.stop();

  const outcomes = await Promise.all(
    jobs.map(async (job): Promise<JobOutcome & { state: string; attempts: number }> => {
      const result = await job
        .waitUntilFinished(own!.q.events, 120_000 + CHAOS_SECONDS * 500)
        .catch((error: Error) => error);
      const finished = await own!.q.queue.getJob(job.id!);
      const lastProgress = (own!.q.progress.get(job.id!) ?? []).at(-1);
      return {
        id: job.id!,
        published: result instanceof Error ? (lastProgress?.published ?? 0) : result.published,
        failed: result instanceof Error ? (lastProgress?.failed ?? 0) : result.failed,
        state: (await finished?.getState()) ?? 'gone',
        attempts: finished?.attemptsMade ?? 0,
      };
    }),
  );

  const apiExit = await api.stop(); // SIGTERM: flushes what is pending

  // The stack's own Redis clients (workers, dashboard) are back.
  const workersReady = await eventually(
    async () => {
      const statuses = await Promise.all(
        [config.workers.port, config.admin.port].map((port) =>
          fetch(`http://127.0.0.1:${port}/readyz`).then(
            (response) => response.status,
            () => 0,
          ),
        ),
      );
      return statuses.every((status) => status === 200);
    },
    'the stack’s workers and admin ready',
    60_000,
  ).catch(() => false);

  await waitUntilAnswers(`${consumerOps}/readyz`, consumer, 90_000);
  const drainStarted = Date.now();
  const drained = await waitForCommitted(admin, config.consumer.groupId, topic, 180_000).then(
    () => true,
    (error: Error) => error.message,
  );
  const drainMs = Date.now() - drainStarted;
  const count = await countChaos(db, {
    acknowledged: figures.acknowledged,
    jobs: outcomes,
    prefix: PREFIX,
    loadStartedAt,
    loadStoppedAt,
  });
  const consumerExit = await consumer.stop('SIGTERM');

  const stallFrom = count.longestStallEndedAtMs - count.longestStallMs;
  const during = injected
    .filter(({ atMs, restoredAtMs }) => atMs <= count.longestStallEndedAtMs && restoredAtMs + 15_000 >= stallFrom)
    .map(({ fault }) => fault.kind);
  const line = [
    `[chaos] seed ${SEED}`,
    `load: ${RATE} req/s target × ${seconds(figures.durationMs)}, ${figures.acknowledgedPerSec}/s acknowledged (${formatStatuses(figures.statuses, figures.errors)}), longest wait between 200s ${seconds(figures.longestGapMs)}; ${JOBS} somedata jobs every ${JOB_INTERVAL_SEC} s`,
    `faults: ${injected.length === 0 ? 'none fitted' : injected.map(describeInjected).join(', ')}`,
    `acknowledged ${count.acknowledged}`,
    `stored ${count.stored}`,
    `lost ${count.lost}`,
    `doubled ${count.doubled} (same event id ${count.sameEventIdTwice}, same request ${count.sameRequestTwice})`,
    `longest stall ${seconds(count.longestStallMs)} (${seconds(stallFrom)}–${seconds(count.longestStallEndedAtMs)}${during.length ? `, during ${during.join('+')}` : ''})`,
    `jobs ${outcomes.map((job) => `${job.state}/${job.attempts} attempt(s)`).join(', ')}, published/failed/stored ${count.jobs.map((job) => `${job.published}/${job.failed}/${job.stored}`).join(', ')}; stack workers+admin ${workersReady ? 'ready' : 'NOT ready within 60 s'}`,
    `recovery: all committed ${drained === true ? `${seconds(drainMs)} after the load` : `NOT: ${drained}`}; ${count.unacknowledgedStored} stored without a 200; exits: api ${apiExit}, last consumer ${consumerExit}`,
    `replay: CHAOS_SEED=${SEED} CHAOS_SECONDS=${CHAOS_SECONDS} make test-chaos`,
  ].join(' | ');
  console.log(line);
  mkdirSync(join(STACK_DIR, 'test-results'), { recursive: true });
  appendFileSync(CHAOS_REPORT, `${line}\n`);
  if (count.lost > 0) console.log(`lost event ids (first 20): ${count.lostIds.join(' ')}`);
  console.log(
    `planned next: ${plan
      .slice(injected.length, injected.length + 4)
      .map(describeFault)
      .join(', ')}`,
  );

  expect(count.lost).toBe(0);
  expect(count.doubled).toBe(0);
  expect(drained).toBe(true);
  expect(injected.length).toBeGreaterThan(0);
  expect(figures.acknowledged.size).toBeGreaterThan(figures.durationMs * 0.1); // a real stream, not a trickle
  expect(outcomes.map((job) => job.state)).toEqual(jobs.map(() => 'completed'));
  expect(workersReady).toBe(true);
  expect(consumerExit).toBe(0);
});
