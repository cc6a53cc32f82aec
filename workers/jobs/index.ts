/**
 * The jobs a worker runs, by name: the schema of each job's data and the
 * shape of a handler (jobs/handlers.ts binds them to the producer routines).
 */
import { UnrecoverableError } from 'bullmq';
import { ValidationError } from '../../lib/errors';
import { validate } from '../../lib/validate';
import type { Logger } from '../../lib/logger';
import { JOB_DATA_SCHEMAS, type JobDataOf, type JobName, type JobProgress, type JobResult } from '../../lib/jobs/queue';
import type { RecordPosition } from '../../lib/jobs/results';

/** Counts of earlier attempts of the same job (a retry goes on from them). */
export interface Carried {
  published: number;
  failed: number;
  /** The highest offset each partition got from earlier attempts (the job's result reports them all). */
  lastOffsets?: RecordPosition[];
  /** The parts of the work earlier attempts finished (footdata-season: competitions published). */
  done?: string[];
}

export interface JobContext {
  jobId: string;
  /** `job:<jobId>`: the source stamped on every event of this job. */
  source: string;
  /** The Airflow run id, or null. */
  runId: string | null;
  /**
   * Aborted when the job must stop now (shutdown past its drain time, or this
   * worker lost the job's lock): the handler returns what it published so far.
   */
  signal: AbortSignal;
  /** What earlier attempts published, as saved in the job's progress; zeros on a first attempt. */
  carried: Carried;
  /** Report this attempt's counts (not including `carried`); cheap, call it as often as you like. */
  onProgress(progress: JobProgress): void;
  log: Logger;
}

/** Run one attempt of a job; resolve with this attempt's counts, throw to fail the attempt. */
export type JobHandler<N extends JobName> = (data: JobDataOf<N>, context: JobContext) => Promise<JobResult>;
export type JobHandlers = { [N in JobName]: JobHandler<N> };

/**
 * The job's data with its defaults applied, or an UnrecoverableError (the job
 * fails at once, no retry) whose message names the field at fault.
 */
export function parseJobData<N extends JobName>(name: N, data: unknown): JobDataOf<N> {
  try {
    return validate(JOB_DATA_SCHEMAS[name], data ?? {}, 'data') as JobDataOf<N>;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new UnrecoverableError(`invalid ${name} job data: ${error.message}`);
  }
}
