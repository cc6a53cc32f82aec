/**
 * The `footdata` job: one poll of today's matches through the API's /footdata,
 * published as one Kafka record per match.
 */
import { z } from 'zod';
import { RunId } from '../schemas';
import { MaxFailedShare } from './failure-share';

export const FootdataJobData = z.strictObject({
  /** The Airflow run this job belongs to; stamped on every record. */
  runId: RunId.optional(),
  /** Share of the records that may fail before the job fails (failure-share.ts). Default: 0.05. */
  maxFailedShare: MaxFailedShare,
});

export type FootdataJobInput = z.input<typeof FootdataJobData>;
export type FootdataJobData = z.output<typeof FootdataJobData>;
