/**
 * What the workers' integration tests share: the queue, its events and a
 * worker started in-process against the config under test, and the records a
 * job published read back from Kafka.
 */
import type { JobsOptions, QueueEvents } from 'bullmq';
import type { Config } from '../lib/config';
import type { PipelineEvent } from '../lib/schemas';
import type { RunningApi } from '../producers/service';
import {
  addJob,
  createQueue,
  createQueueEvents,
  type JobDataByName,
  type JobName,
  type JobProgress,
  type ProducerQueue,
} from '../lib/jobs/queue';
import { startWorker, type WorkerService, type WorkerServiceOptions } from '../workers/worker';
import { freshName, testLogger } from './env';
import { freshTopics, readEvents, startTestApi, type TopicsUnderTest } from './producers';

export interface QueueUnderTest {
  queue: ProducerQueue;
  /**
   * Add a job with a unique id: job ids count from 1 in every queue, and the
   * tests of a file share topics, so `job:<id>` alone would not tell their events apart.
   */
  add<N extends JobName>(name: N, data: JobDataByName[N], opts?: JobsOptions): ReturnType<typeof addJob<N>>;
  events: QueueEvents;
  /** Every progress report seen, by job id. */
  progress: Map<string, JobProgress[]>;
  /** Every `delayed` event (retry or rate budget), by job id: how long the job was to wait, in ms. */
  delays: Map<string, number[]>;
  /** Remove the queue's keys from Redis and close. */
  close(): Promise<void>;
}

export async function openQueue(config: Config): Promise<QueueUnderTest> {
  const queue = createQueue(config);
  const events = createQueueEvents(config);
  // Without listeners BullMQ prints connection errors (a test may stop Redis on purpose).
  const log = testLogger('queue');
  queue.on('error', (error) => log.warn({ err: error }, 'queue error'));
  events.on('error', (error) => log.warn({ err: error }, 'queue events error'));
  await events.waitUntilReady();
  const progress = new Map<string, JobProgress[]>();
  const delays = new Map<string, number[]>();
  const push = <T>(map: Map<string, T[]>, key: string, value: T) => map.set(key, [...(map.get(key) ?? []), value]);
  events.on('progress', ({ jobId, data }) => push(progress, jobId, data as JobProgress));
  events.on('delayed', ({ jobId, delay }) => push(delays, jobId, Number(delay) - Date.now()));
  return {
    queue,
    add: (name, data, opts = {}) => addJob(queue, name, data, { jobId: freshName(name), ...opts }),
    events,
    progress,
    delays,
    close: async () => {
      await events.close();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    },
  };
}

/** A worker in-process: no ops port unless asked, quick stalled checks. */
export function startTestWorker(config: Config, options: WorkerServiceOptions = {}): Promise<WorkerService> {
  return startWorker(config, testLogger('workers'), { port: null, progressIntervalMs: 100, ...options });
}

/** The events in `topic` that the job `jobId` produced (source `job:<jobId>`). */
export async function eventsOfJob(topics: TopicsUnderTest, topic: string, jobId: string): Promise<PipelineEvent[]> {
  const all = await readEvents(topics, topic);
  return all.map(({ event }) => event).filter((event) => event.source === `job:${jobId}`);
}

/** The config a worker gets when the API under test listens on `url` (API_URL). */
export function withApiUrl(config: Config, url: string): Config {
  return { ...config, api: { ...config.api, url } };
}

/** The same config with a fresh queue name, so a test's jobs go to its own worker. */
export function withFreshQueue(config: Config): Config {
  return { ...config, workers: { ...config.workers, queueName: freshName(config.workers.queueName) } };
}

export interface OwnQueue {
  config: Config;
  q: QueueUnderTest;
  worker: WorkerService;
  /** Stop the worker (draining as configured), then close the queue. */
  close(): Promise<void>;
}

/** A fresh queue and a worker of its own on it, for a test that needs other worker settings or another API. */
export async function startOwnQueue(base: Config, workerOptions: WorkerServiceOptions = {}): Promise<OwnQueue> {
  const config = withFreshQueue(base);
  const q = await openQueue(config);
  const worker = await startTestWorker(config, workerOptions);
  return {
    config,
    q,
    worker,
    close: async () => {
      await worker.stop();
      await q.close();
    },
  };
}

export interface WorkerStack {
  topics: TopicsUnderTest;
  api: RunningApi;
  /** The config under test, with the API's URL as API_URL. */
  config: Config;
  q: QueueUnderTest;
  worker: WorkerService;
  /** Stop the worker, the queue, the API; drop the topics. */
  stop(): Promise<void>;
}

/** Fresh topics and queue, the API and a worker in-process: what a job needs to run for real. */
export async function startWorkerStack(
  overrides: Record<string, string> = {},
  workerOptions: WorkerServiceOptions = {},
): Promise<WorkerStack> {
  const topics = await freshTopics(overrides);
  const api = await startTestApi(topics.config);
  const config = withApiUrl(topics.config, api.url);
  const q = await openQueue(config);
  const worker = await startTestWorker(config, workerOptions);
  return {
    topics,
    api,
    config,
    q,
    worker,
    stop: async () => {
      await worker.stop();
      await q.close();
      await api.stop();
      await topics.drop();
    },
  };
}
