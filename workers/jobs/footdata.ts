/**
 * The `footdata` job: one poll of today's matches through the API's /footdata,
 * published as one Kafka record per match (DESIGN §6).
 */
import { z } from 'zod';
import { RunId } from '../../lib/schemas';

export const FootdataJobData = z.strictObject({
  /** The Airflow run this job belongs to; stamped on every record. */
  runId: RunId.optional(),
});

export type FootdataJobInput = z.input<typeof FootdataJobData>;
export type FootdataJobData = z.output<typeof FootdataJobData>;
