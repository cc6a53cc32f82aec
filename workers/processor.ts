/**
 * One attempt of one job, top to bottom: check the name, the id and the data
 * (unrecoverable when wrong: no retry can fix them) → run the handler with progress and an
 * abort signal → add what earlier attempts published → return the result.
 * A failure the handler says is not retriable fails the job at once; any other
 * failure, an attempt where every record failed (the API or Kafka is down), or
 * an attempt cut short by its abort signal (shutdown, lost lock) spends one of
 * the job's attempts (BullMQ retries with its exponential backoff): an interrupted job is
 * never completed. A retry goes on from the counts the earlier attempts saved
 * in the job's progress. A job whose failures, all attempts counted, pass its
 * `maxFailedShare` (lib/jobs/failure-share.ts, default 5%) fails, unrecoverable.
 */
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { describeError, UnavailableError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { isTransient } from '../lib/transient';
import { Source } from '../lib/schemas';
import { mergeLastOffsets, type RecordPosition } from './routines/routine';
import { parseJobData, type Carried, type JobHandlers } from './jobs';
import { failedShare } from '../lib/jobs/failure-share';
import type { WorkerMetrics } from './metrics';
import { ProgressReporter } from './progress';
import { isJobName, JOB_NAMES, type JobData, type JobName, type JobResult } from '../lib/jobs/queue';

export type ProducerJob = Job<JobData, JobResult, JobName>;

export interface ProcessorOptions {
  handlers: JobHandlers;
  log: Logger;
  metrics?: WorkerMetrics;
  /** Least time between two progress writes of one job, in ms. Default: 500. */
  progressIntervalMs?: number;
}

/** What earlier attempts of this job published, as their last saved progress says. */
export function carriedFrom(job: Pick<ProducerJob, 'attemptsMade' | 'attemptsStarted' | 'progress'>): Carried {
  const earlier = job.attemptsMade > 0 || (job.attemptsStarted ?? 1) > 1;
  const progress = job.progress as Partial<Record<keyof Carried, unknown>> | number | undefined;
  if (!earlier || typeof progress !== 'object' || progress === null) return { published: 0, failed: 0 };
  const count = (value: unknown) => (typeof value === 'number' && value >= 0 ? value : 0);
  const lastOffsets = Array.isArray(progress.lastOffsets) ? progress.lastOffsets.filter(isPosition) : [];
  const done = Array.isArray(progress.done) ? progress.done.filter((part) => typeof part === 'string') : [];
  return {
    published: count(progress.published),
    failed: count(progress.failed),
    ...(lastOffsets.length > 0 && { lastOffsets: mergeLastOffsets(lastOffsets) }),
    ...(done.length > 0 && { done }),
  };
}

function isPosition(value: unknown): value is RecordPosition {
  const { partition, offset } = (value ?? {}) as Partial<RecordPosition>;
  return Number.isInteger(partition) && typeof offset === 'string' && /^\d{1,19}$/.test(offset);
}

/** This attempt's counts plus those of earlier attempts (and the highest offsets of both). */
function withCarried<T extends Carried>(own: T, carried: Carried): T {
  const lastOffsets = mergeLastOffsets(own.lastOffsets, carried.lastOffsets);
  return {
    ...own,
    published: own.published + carried.published,
    failed: own.failed + carried.failed,
    ...(lastOffsets.length > 0 && { lastOffsets }),
  };
}

/** An error to hand to BullMQ: unrecoverable unless the handler's error is worth another attempt. */
function toJobError(error: unknown): Error {
  if (error instanceof UnrecoverableError || error instanceof DelayedError) return error;
  const message = error instanceof Error ? error.message : describeError(error);
  if (isTransient(error)) return error instanceof Error ? error : new Error(message);
  return Object.assign(new UnrecoverableError(message), { cause: error });
}

const NEVER = new AbortController().signal;

/** 0.0512 -> "5.1%", 0.05 -> "5%". */
function percent(share: number): string {
  return `${Number((share * 100).toFixed(1))}%`;
}

export function createProcessor(options: ProcessorOptions) {
  const { handlers, metrics } = options;

  // Three declared parameters: BullMQ passes the abort signal only to processors that take one.
  return async function processJob(job: ProducerJob, token?: string, signal?: AbortSignal): Promise<JobResult> {
    const started = process.hrtime.bigint();
    const name = job.name;
    const log = options.log.child({ jobId: job.id, job: name, attempt: job.attemptsMade + 1 });
    const observe = (outcome: 'completed' | 'failed') => {
      metrics?.attempts.inc({ name, outcome });
      metrics?.duration.observe({ name, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    };

    if (!isJobName(name)) {
      throw new UnrecoverableError(`unknown job name "${name}": this worker runs ${JOB_NAMES.join(', ')}`);
    }
    const source = `job:${job.id}`;
    const sourceCheck = Source.safeParse(source);
    if (!sourceCheck.success) {
      throw new UnrecoverableError(
        `job id ${JSON.stringify(job.id)} cannot name an event source: ${sourceCheck.error.issues[0]?.message}`,
      );
    }
    const data = parseJobData(name, job.data);

    const carried = carriedFrom(job);
    const progress = new ProgressReporter(job, log, { minIntervalMs: options.progressIntervalMs ?? 500 });
    const abort = signal ?? NEVER;
    metrics?.active.inc({ name });
    log.info({ data, carried }, 'job started');
    try {
      const own = await handlers[name](data as never, {
        jobId: String(job.id),
        source,
        runId: data.runId ?? null,
        signal: abort,
        carried,
        onProgress: (attempt) => progress.report(withCarried(attempt, carried)),
        log,
      });
      const { interrupted: _interrupted, ...counts } = own;
      const result: JobResult = withCarried(counts, carried);
      metrics?.events.inc({ name, result: 'published' }, own.published);
      metrics?.events.inc({ name, result: 'failed' }, own.failed);
      const interrupted = abort.aborted || own.interrupted === true;
      if (own.published === 0 && own.failed > 0 && !interrupted) {
        // The routines count failed requests and records and go on; when nothing at all got
        // through, the API or Kafka is down: a transient failure, worth another attempt, which
        // sends these records again (so they are not carried as failures).
        progress.report({ ...carried });
        throw new UnavailableError(`nothing published: all ${own.failed} of this attempt's records failed`, {
          context: { jobId: job.id, failed: own.failed },
        });
      }
      progress.report({ ...result });
      if (interrupted) {
        // Shutdown past the drain time, or the lock lost to another worker: the job is not done.
        // A retriable failure: BullMQ retries it (on any worker), going on from the saved counts;
        // once its attempts are spent it fails with this reason.
        const reason = abort.reason instanceof Error ? abort.reason.message : String(abort.reason ?? 'aborted');
        throw new UnavailableError(
          `interrupted (${reason}) after ${result.published} record(s): not complete; ` +
            'a retry of the job goes on from there',
          { context: { jobId: job.id, published: result.published, failed: result.failed } },
        );
      }
      const share = failedShare(result);
      if (share > data.maxFailedShare) {
        throw new UnrecoverableError(
          `${result.failed} of ${result.published + result.failed} record(s) failed (${percent(share)}), ` +
            `more than the ${percent(data.maxFailedShare)} a job may lose (maxFailedShare)`,
        );
      }
      await progress.flush();
      observe('completed');
      log.info({ result, ms: Math.round(Number(process.hrtime.bigint() - started) / 1e6) }, 'job completed');
      return result;
    } catch (error) {
      await progress.flush();
      observe('failed');
      const jobError = toJobError(error);
      log.warn({ err: error, retry: !(jobError instanceof UnrecoverableError) }, 'job attempt failed');
      throw jobError;
    } finally {
      metrics?.active.dec({ name });
    }
  };
}
