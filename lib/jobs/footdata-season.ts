/**
 * The `footdata-season` job: the season backfill. Each competition's season
 * through the API's /footdata/competitions/:competition/matches, published
 * like the day's poll: one Kafka record per match, keyed by match id, on the
 * footdata topic (workers/routines/footdata-season.ts).
 */
import { z } from 'zod';
import { CompetitionCode, RunId, SeasonYear } from '../schemas';
import { MaxFailedShare } from './failure-share';

/**
 * The competitions of a backfill by default: the four the simulator plays
 * (producers/football/simulated-competitions.json; producers/football/simulator.spec.ts keeps the two
 * in step), all on football-data.org's free tier.
 */
export const DEFAULT_SEASON_COMPETITIONS = ['PL', 'PD', 'BL1', 'FL1'];
/** Most competitions one job may backfill: football-data.org's free tier has 12. */
export const MAX_SEASON_COMPETITIONS = 20;

export const FootdataSeasonJobData = z.strictObject({
  /** The Airflow run this job belongs to; stamped on every record. */
  runId: RunId.optional(),
  /** The competitions whose season to publish, each once. Default: DEFAULT_SEASON_COMPETITIONS. */
  competitions: z
    .array(CompetitionCode)
    .min(1)
    .max(MAX_SEASON_COMPETITIONS)
    .refine((codes) => new Set(codes).size === codes.length, 'must name each competition once')
    .meta({ uniqueItems: true })
    .default(DEFAULT_SEASON_COMPETITIONS),
  /** The year the season starts (2026 = 2026/27). Default: each competition's current season. */
  season: SeasonYear.optional(),
  /** Share of the records that may fail before the job fails (failure-share.ts). Default: 0.05. */
  maxFailedShare: MaxFailedShare,
});

export type FootdataSeasonJobInput = z.input<typeof FootdataSeasonJobData>;
export type FootdataSeasonJobData = z.output<typeof FootdataSeasonJobData>;
