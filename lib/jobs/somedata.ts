/**
 * The `somedata` job: simulated user traffic against the API for a while
 * (docs/ARCHITECTURE.md §5a; the seed sent one request every 10 s for 2 min). Each request
 * makes the API publish one event stamped with this job as its source.
 */
import { z } from 'zod';
import { RunId } from '../schemas';
import { MaxFailedShare } from './failure-share';

/** Longest traffic one job may generate: an hour. Longer runs are several jobs. */
export const MAX_DURATION_SEC = 3_600;
/** Most events one job may ask for. */
export const MAX_EVENTS = 1_000_000;

export const SomedataJobData = z.strictObject({
  /** The Airflow run this job belongs to; stamped on every event. */
  runId: RunId.optional(),
  /** How long to send traffic, in seconds. Default: 120 (the seed's 2 minutes). */
  durationSec: z.number().int().min(1).max(MAX_DURATION_SEC).default(120),
  /** Pause between two requests, in seconds; 0 sends as fast as the API answers. Default: 10. */
  intervalSec: z.number().min(0).max(MAX_DURATION_SEC).default(10),
  /** Stop after this many events even if time remains. Default: no limit but the duration. */
  maxEvents: z.number().int().min(1).max(MAX_EVENTS).optional(),
  /** Share of the records that may fail before the job fails (failure-share.ts). Default: 0.05. */
  maxFailedShare: MaxFailedShare,
});

/** The data as a client sends it (defaults not applied). */
export type SomedataJobInput = z.input<typeof SomedataJobData>;
/** The data as the worker runs it (defaults applied). */
export type SomedataJobData = z.output<typeof SomedataJobData>;
