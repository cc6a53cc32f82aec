/**
 * The worker process: takes `somedata` and `footdata` jobs from the
 * producer-jobs queue and runs them through the producer routines, with
 * retries (DEFAULT_JOB_OPTIONS in lib/jobs/queue.ts: BullMQ's jittered exponential backoff), stalled-job recovery,
 * progress, and its own /healthz, /readyz and
 * /metrics (WORKER_PORT).
 *
 * stop(): stop taking jobs, let the active ones finish for `drainTimeoutMs`,
 * then abort their signal so they return what they published; then close.
 */
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import { z } from 'zod';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import { closeServer, createMetricsRegistry, serverPort, startOpsServer } from '../lib/observability';
import { integerAtLeast, resolveOptions, withoutUndefined } from '../lib/options';
import { Shutdown } from '../lib/shutdown';
import type { JobHandlers } from './jobs';
import { createProducerHandlers, type ProducerHandlers } from './jobs/handlers';
import { createWorkerMetrics } from './metrics';
import { createProcessor } from './processor';
import {
  DEFAULT_JOB_OPTIONS,
  JOB_NAMES,
  redisConnection,
  type JobData,
  type JobName,
  type JobResult,
} from '../lib/jobs/queue';
import { closeRedis, createRedis, logEachOutageOnce, redisAnswers } from '../lib/redis';
import { WORKER_ABORT_GRACE_MS, WORKER_DRAIN_TIMEOUT_MS } from '../lib/shutdown-bounds';

export interface WorkerServiceOptions {
  /** Jobs this process runs at once. Default: WORKER_CONCURRENCY (4). */
  concurrency?: number;
  /** Port of /healthz, /readyz and /metrics; 0 picks a free one, null serves none. Default: WORKER_PORT (3001). */
  port?: number | null;
  /** Interface the ops server listens on. Default: config.http.host (HTTP_HOST, 127.0.0.1). */
  host?: string;
  /**
   * How long stop() lets active jobs run on, in ms; past it their abort signal
   * fires and they return what they published. Keep it under the supervisor's
   * kill timeout (infra/stack.sh: 20 s). Default: 10_000.
   */
  drainTimeoutMs?: number;
  /** How long an aborted job may take to return, in ms, before stop() moves on. Default: 5_000. */
  abortGraceMs?: number;
  /**
   * How often BullMQ looks for stalled jobs (their worker died or lost Redis
   * longer than lockDurationMs) to put them back in the queue, in ms. Default: 15_000.
   */
  stalledIntervalMs?: number;
  /** Times a job may stall and be restarted before it fails. Default: 2. */
  maxStalledCount?: number;
  /** A job lock not renewed for this long counts as stalled, in ms (renewed every half). Default: 30_000. */
  lockDurationMs?: number;
  /** Least time between two progress writes of one job, in ms. Default: 500. */
  progressIntervalMs?: number;
  /** The job handlers. Default: the producer routines (jobs/handlers.ts). Tests may replace some. */
  handlers?: Partial<JobHandlers>;
}

export interface WorkerService {
  worker: Worker<JobData, JobResult, JobName>;
  /** The ops server's port, when it serves one. */
  port?: number;
  /** The ops server's base URL, when it serves one. */
  url?: string;
  shutdown: Shutdown;
  /** Drain, then close everything. Calling it again returns the same promise. */
  stop(): Promise<boolean>;
}

const NO_PRODUCERS: ProducerHandlers = { handlers: {}, readiness: {}, close: async () => {} };

type Settings = Required<Omit<WorkerServiceOptions, 'handlers'>>;

function settingsFor(config: Config, options: WorkerServiceOptions): Settings {
  const { handlers: _handlers, ...rest } = withoutUndefined(options);
  return {
    concurrency: config.workers.concurrency,
    port: config.workers.port,
    host: config.http.host,
    drainTimeoutMs: WORKER_DRAIN_TIMEOUT_MS,
    abortGraceMs: WORKER_ABORT_GRACE_MS,
    stalledIntervalMs: 15_000,
    maxStalledCount: 2,
    lockDurationMs: 30_000,
    progressIntervalMs: 500,
    ...rest,
  };
}

/** What each setting must be. */
const WorkerSettingsSchema = z.looseObject({
  concurrency: integerAtLeast(1),
  port: integerAtLeast(0).nullable(),
  drainTimeoutMs: integerAtLeast(0),
  abortGraceMs: integerAtLeast(0),
  stalledIntervalMs: integerAtLeast(100),
  maxStalledCount: integerAtLeast(0),
  lockDurationMs: integerAtLeast(1_000),
  progressIntervalMs: integerAtLeast(0),
});

/** The way out of a bad setting that comes from the environment. */
const WORKER_HINTS = {
  concurrency: 'set WORKER_CONCURRENCY',
  port: 'set WORKER_PORT',
};

export async function startWorker(
  config: Config,
  log: Logger,
  options: WorkerServiceOptions = {},
): Promise<WorkerService> {
  const settings = resolveOptions('worker', WorkerSettingsSchema, settingsFor(config, options), {
    hints: WORKER_HINTS,
  });
  const queueName = config.workers.queueName;
  const registry = createMetricsRegistry('workers');
  const shutdown = new Shutdown(log, { stepTimeoutMs: settings.drainTimeoutMs + settings.abortGraceMs });

  const redis = createRedis(config, 'worker', log);
  // Tests that replace every handler need no producer routines (and no Kafka).
  const replacesAll = JOB_NAMES.every((name) => options.handlers?.[name]);
  const producers = replacesAll ? NO_PRODUCERS : await createProducerHandlers(config, log, registry);
  const handlers = { ...producers.handlers, ...options.handlers } as JobHandlers;

  const worker = new Worker<JobData, JobResult, JobName>(
    queueName,
    createProcessor({
      handlers,
      log,
      metrics: createWorkerMetrics(registry),
      progressIntervalMs: settings.progressIntervalMs,
    }),
    {
      connection: redisConnection(config),
      name: `${hostname()}:${process.pid}`,
      concurrency: settings.concurrency,
      stalledInterval: settings.stalledIntervalMs,
      maxStalledCount: settings.maxStalledCount,
      lockDuration: settings.lockDurationMs,
      // For jobs added without options (the defaults travel with each job; these only fill the gap).
      removeOnComplete: DEFAULT_JOB_OPTIONS.removeOnComplete,
      removeOnFail: DEFAULT_JOB_OPTIONS.removeOnFail,
    },
  );
  // BullMQ's connections and ours reach the same Redis: ours being back means the outage is over.
  const onError = logEachOutageOnce(log, 'worker error');
  worker.on('error', onError);
  redis.on('ready', () => onError.reset());
  // Another worker may run this job now: stop publishing for an attempt that is no longer ours.
  worker.on('lockRenewalFailed', (jobIds) => {
    for (const jobId of jobIds) worker.cancelJob(jobId, 'lost the job lock');
    log.warn({ jobIds }, 'job locks lost: their attempts are aborted');
  });

  let server: Server | undefined;
  shutdown
    .add('worker: stop taking jobs, finish active ones', () => drain(worker, settings.drainTimeoutMs, log))
    .add('ops server', () => server && closeServer(server))
    .add('producer routines', () => producers.close())
    .add('redis', () => closeRedis(redis));
  if (settings.port !== null) {
    try {
      server = await startOpsServer({
        service: 'workers',
        registry,
        port: settings.port,
        http: config.http,
        host: settings.host,
        readiness: { redis: () => redisAnswers(redis), worker: () => worker.isRunning(), ...producers.readiness },
      });
    } catch (error) {
      await shutdown.run('the ops server could not listen');
      throw error;
    }
  }

  const port = server && serverPort(server);
  log.info({ queue: queueName, concurrency: settings.concurrency, port }, 'worker started');
  return {
    worker,
    ...(port !== undefined && { port, url: `http://127.0.0.1:${port}` }),
    shutdown,
    stop: () => shutdown.run('stop'),
  };
}

/** Close the worker: no new jobs; active ones finish, or are aborted past the drain time and return early. */
async function drain(
  worker: Pick<Worker, 'close' | 'cancelAllJobs'>,
  drainTimeoutMs: number,
  log: Logger,
): Promise<void> {
  const closing = worker.close();
  const timer = setTimeout(() => {
    log.warn({ drainTimeoutMs }, 'active jobs still running after the drain time: aborting them');
    worker.cancelAllJobs('shutdown');
  }, drainTimeoutMs);
  try {
    await closing;
  } finally {
    clearTimeout(timer);
  }
}
