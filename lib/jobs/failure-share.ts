/**
 * How many of its records a job may lose and still complete. A producer job
 * counts what Kafka acknowledged (`published`) and what failed (`failed`,
 * requests or records); when `failed / (published + failed)` is more than the
 * job's `maxFailedShare`, the job fails, unrecoverable: its counts are final
 * (a retry cannot un-lose a record), and the DAG run must not turn green on a
 * run that lost a twentieth of its data. An attempt where every record failed
 * is different: the API or Kafka is down, and it is retried (workers/processor.ts).
 */
import { z } from 'zod';

/** The default share: 5% of a job's records. */
export const DEFAULT_MAX_FAILED_SHARE = 0.05;

/** Job data field: 0 (not one record may fail) to 1 (never fail on partial failures). Default: 0.05. */
export const MaxFailedShare = z.number().min(0).max(1).default(DEFAULT_MAX_FAILED_SHARE);

/** The failed share of a job's counts, or 0 when it has none. */
export function failedShare(counts: { published: number; failed: number }): number {
  const all = counts.published + counts.failed;
  return all > 0 ? counts.failed / all : 0;
}
