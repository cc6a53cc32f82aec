/**
 * The job handlers of a worker process, bound to the producer routines
 * (workers/routines): somedata sends traffic to the API (API_URL), footdata
 * polls the API's /footdata (footdata-season: a season of each competition,
 * /footdata/competitions/:competition/matches) and publishes through this process's own Kafka
 * publisher, connected in the background so the worker starts (and somedata
 * jobs run) while Kafka is still on its way.
 */
import type { Registry } from 'prom-client';
import type { Config } from '../../lib/config';
import { describeError, UnavailableError } from '../../lib/errors';
import { createKafka } from '../../lib/kafka/client';
import { Publisher } from '../../lib/kafka/publisher';
import { pipelineTopicsReady, startTopicCheck } from '../../lib/kafka/topic-check';
import type { Logger } from '../../lib/logger';
import type { ReadinessCheck } from '../../lib/observability';
import { retry } from '../../lib/retry';
import { produceFootdata } from '../routines/footdata';
import { produceFootdataSeason } from '../routines/footdata-season';
import type { RoutineProgress, RoutineResult } from '../routines/routine';
import { produceSomedata } from '../routines/somedata';
import type { JobResult } from '../../lib/jobs/queue';
import type { JobContext, JobHandlers } from './index';

export interface ProducerHandlers {
  handlers: Partial<JobHandlers>;
  /** Readiness checks of what the handlers need (Kafka, for footdata; the topics under KAFKA_TOPICS_MODE=verify). */
  readiness: Record<string, ReadinessCheck>;
  /** Stop connecting, flush and close the publisher. */
  close(): Promise<void>;
}

/**
 * Run a routine for a job. The routines reject when their signal aborts; a job
 * cut short must instead return what it published, so the last progress
 * becomes the result (without offsets, which progress does not carry).
 */
export async function runRoutine(
  context: JobContext,
  topic: string,
  routine: (onProgress: (progress: RoutineProgress) => void) => Promise<RoutineResult>,
): Promise<JobResult> {
  let last = { published: 0, failed: 0 };
  try {
    return await routine((progress) => {
      last = progress;
      context.onProgress(progress);
    });
  } catch (error) {
    if (!context.signal.aborted) throw error;
    context.log.warn(
      { reason: describeError(context.signal.reason), ...last },
      'job aborted: returning what it published',
    );
    return { published: last.published, failed: last.failed, topic, interrupted: true };
  }
}

/** How long a footdata job waits for the publisher to connect before it fails (and is retried), in ms. */
const KAFKA_WAIT_MS = 15_000;

/** Resolve when `promise` does, or after `ms`, or when `signal` aborts, whichever comes first. */
async function waitFor(promise: Promise<unknown>, ms: number, signal: AbortSignal): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort = () => {};
  await Promise.race([
    promise,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      onAbort = resolve;
      signal.addEventListener('abort', onAbort, { once: true });
    }),
  ]);
  clearTimeout(timer);
  signal.removeEventListener('abort', onAbort);
}

export async function createProducerHandlers(
  config: Config,
  log: Logger,
  registry: Registry,
): Promise<ProducerHandlers> {
  const kafka = createKafka(config.kafka, log, { clientId: `${config.kafka.clientId}-workers` });
  const publisher = new Publisher(kafka, { ...config.api.publish, registry, log });
  const stopConnecting = new AbortController();
  const topicCheck = startTopicCheck(kafka, config.kafka, log, { registry });
  let kafkaReady = false;
  let connected: () => void = () => {};
  const whenConnected = new Promise<void>((resolve) => (connected = resolve));
  const connecting = (async () => {
    await pipelineTopicsReady(kafka, config.kafka, log, topicCheck, stopConnecting.signal);
    await retry(() => publisher.connect(), {
      retries: Infinity,
      maxDelayMs: 5_000,
      signal: stopConnecting.signal,
      onRetry: ({ error, attempt, delayMs }) =>
        log.warn({ attempt, delayMs, reason: describeError(error) }, 'cannot connect to Kafka yet, retrying'),
    });
    kafkaReady = true;
    connected();
  })().catch((error: unknown) => {
    if (!stopConnecting.signal.aborted) log.error({ err: error }, 'Kafka publisher not connected');
  });

  /** A worker just started may still be connecting: wait a little rather than spend an attempt. */
  const kafkaConnected = async (context: JobContext) => {
    if (kafkaReady) return;
    await waitFor(whenConnected, KAFKA_WAIT_MS, context.signal);
    if (!kafkaReady)
      throw new UnavailableError('not connected to Kafka yet', { context: { topic: config.kafka.topics.footdata } });
  };

  const somedataTopic = config.kafka.topics.somedata;
  const footdataTopic = config.kafka.topics.footdata;
  return {
    handlers: {
      somedata: async (data, context) => {
        // A retry sends only the requests earlier attempts did not make.
        const done = context.carried.published + context.carried.failed;
        const maxEvents = data.maxEvents === undefined ? undefined : data.maxEvents - done;
        if (maxEvents !== undefined && maxEvents <= 0) return { published: 0, failed: 0, topic: somedataTopic };
        return runRoutine(context, somedataTopic, (onProgress) =>
          produceSomedata({
            apiUrl: config.api.url,
            durationSec: data.durationSec,
            intervalSec: data.intervalSec,
            ...(maxEvents !== undefined && { maxEvents }),
            runId: context.runId,
            source: context.source,
            signal: context.signal,
            onProgress,
          }),
        );
      },
      footdata: async (_data, context) => {
        await kafkaConnected(context);
        return runRoutine(context, footdataTopic, (onProgress) =>
          produceFootdata({
            apiUrl: config.api.url,
            publisher,
            topic: footdataTopic,
            runId: context.runId,
            source: context.source,
            signal: context.signal,
            onProgress,
            log: context.log,
          }),
        );
      },
      'footdata-season': async (data, context) => {
        await kafkaConnected(context);
        return runRoutine(context, footdataTopic, (onProgress) =>
          produceFootdataSeason({
            apiUrl: config.api.url,
            publisher,
            topic: footdataTopic,
            competitions: data.competitions,
            ...(data.season !== undefined && { season: data.season }),
            ...(context.carried.done && { done: context.carried.done }),
            runId: context.runId,
            source: context.source,
            signal: context.signal,
            onProgress,
            log: context.log,
          }),
        );
      },
    },
    readiness: { kafka: () => publisher.isReady(), ...(topicCheck && { topics: topicCheck.readiness }) },
    close: async () => {
      stopConnecting.abort();
      await connecting;
      await topicCheck?.stop();
      await publisher.close();
    },
  };
}
