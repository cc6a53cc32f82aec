/**
 * The queue of producer jobs (docs/ARCHITECTURE.md §5a) in one place: its name (QUEUE_NAME,
 * default `producer-jobs`), the job names, what a job returns and reports, the
 * default job options, and the factories every client uses: the worker, the
 * admin server, the CLI, the benchmark and the tests.
 *
 * The queue name's default and the default job options are emitted into
 * contracts/queue.json (scripts/contracts.ts, `npm run contracts`), so the
 * Airflow operator (Python `bullmq`, which has no access to these defaults)
 * sends the very same ones with its jobs:
 *
 *   attempts          5      a transient failure (API, Kafka or upstream down) is tried 5 times in all
 *   backoff           BullMQ's exponential, delay 2 s, jitter 0.5: ~1-2 s, 2-4 s, 4-8 s, 8-16 s,
 *                     so jobs that failed together (the API or Kafka was down) do not retry in step
 *   removeOnComplete  { age: 7 days, count: 1000 }   results stay readable for a week, bounded
 *   removeOnFail      { age: 14 days, count: 5000 }  failures stay longer, for post-mortems
 */
import { Queue, QueueEvents, type ConnectionOptions, type DefaultJobOptions, type JobsOptions } from 'bullmq';
import type { z } from 'zod';
import type { Config } from '../config';
import { FootdataJobData, type FootdataJobInput } from './footdata';
import { FootdataSeasonJobData, type FootdataSeasonJobInput } from './footdata-season';
import { JOB_NAMES, type PublishedMatch, type RoutineProgress, type RoutineResult } from './results';
import { SomedataJobData, type SomedataJobInput } from './somedata';

export { JOB_NAMES };
export type JobName = (typeof JOB_NAMES)[number];

/** The schema of each job's data (the worker validates with it; contracts/job-data/ carries it to Airflow). */
export const JOB_DATA_SCHEMAS = {
  somedata: SomedataJobData,
  footdata: FootdataJobData,
  'footdata-season': FootdataSeasonJobData,
} satisfies Record<JobName, z.ZodType>;

/** A job's data as the worker runs it (defaults applied). */
export type JobDataOf<N extends JobName> = z.output<(typeof JOB_DATA_SCHEMAS)[N]>;

/** What each job accepts (before defaults are applied); validated by the worker (workers/jobs/index.ts). */
export interface JobDataByName {
  somedata: SomedataJobInput;
  footdata: FootdataJobInput;
  'footdata-season': FootdataSeasonJobInput;
}
export type JobData = JobDataByName[JobName];

/**
 * A job's return value (docs/ARCHITECTURE.md §5a): the producer routine's result —
 * `{ published, failed, topic, firstOffset?, lastOffset?, lastOffsets? }`, offsets as
 * `{ partition, offset }` — counting every attempt of the job.
 */
export type JobResult = RoutineResult & {
  /**
   * Set by a handler cut short by its abort signal (shutdown, lost lock): the counts are what it
   * published until then. The processor never completes such a job: it fails the attempt, to retry.
   */
  interrupted?: true;
  /** footdata, footdata-season: the matches published, `{ id, lastUpdated }`, so verify_sink can check each one. */
  matches?: PublishedMatch[];
  /** footdata-season: the competitions published (all attempts). */
  done?: string[];
  /** footdata-season: matches the API left out of its answers. */
  rejected?: number;
};

/** What a running job reports through `job.updateProgress`: the routine's progress, all attempts counted. */
export type JobProgress = RoutineProgress | { published: number; failed: number; [detail: string]: unknown };

/** The default options of every producer job (see the table above; contracts/queue.json carries them to Airflow). */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 1_000 },
  removeOnFail: { age: 14 * 24 * 3600, count: 5_000 },
} as const satisfies DefaultJobOptions;

/**
 * Where BullMQ connects (REDIS_URL). BullMQ opens and closes its own ioredis
 * clients from these options (so `close()` releases them), and ioredis
 * reconnects by itself after a Redis restart.
 */
export function redisConnection(config: Config): ConnectionOptions {
  return { url: config.redis.url };
}

export function isJobName(name: string): name is JobName {
  return (JOB_NAMES as readonly string[]).includes(name);
}

export type ProducerQueue = Queue<JobData, JobResult, JobName>;

export interface ProducerQueueOptions {
  /** Options merged over DEFAULT_JOB_OPTIONS for every job this client adds. Default: none. */
  defaultJobOptions?: DefaultJobOptions;
}

/** The producer-jobs queue (a client: adding, reading and counting jobs). Close it with `queue.close()`. */
export function createQueue(config: Config, options: ProducerQueueOptions = {}): ProducerQueue {
  return new Queue<JobData, JobResult, JobName>(config.workers.queueName, {
    connection: redisConnection(config),
    defaultJobOptions: { ...DEFAULT_JOB_OPTIONS, ...options.defaultJobOptions },
  });
}

/** Add one job with the project's defaults; `opts` overrides them for this job only. */
export function addJob<N extends JobName>(
  queue: ProducerQueue,
  name: N,
  data: JobDataByName[N],
  opts: JobsOptions = {},
): ReturnType<ProducerQueue['add']> {
  return queue.add(name, data, opts);
}

/** Events of the queue (progress, completed, failed), for waiting on a job. Close it with `events.close()`. */
export function createQueueEvents(config: Config): QueueEvents {
  return new QueueEvents(config.workers.queueName, { connection: redisConnection(config) });
}
