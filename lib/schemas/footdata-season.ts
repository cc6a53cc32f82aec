/**
 * A competition's season, as the API's `GET /footdata/competitions/:competition/matches?season=YYYY`
 * serves it (producers/football/feed.ts, from football-data.org v4's call of the
 * same path, or the simulator) and the workers' footdata-season routine reads it:
 * a contract between them, so it lives here. The bounds are written once here and
 * reach the Airflow side through contracts/job-data/footdata-season.schema.json.
 */
import { z } from 'zod';
import { Match } from './footdata';
import { FOOTDATA_SOURCES } from './footdata-response';

/** A competition code as football-data.org v4 spells it: PL, BL1, FL1, PD, CL, ELC, ... */
export const CompetitionCode = z
  .string()
  .regex(/^[A-Z][A-Z0-9]{1,4}$/, 'must be a football-data.org competition code: 2 to 5 capital letters or digits')
  .meta({ description: 'A football-data.org competition code, e.g. PL, BL1.', example: 'PL' });

/** The seasons asked for, by the year each starts (football-data.org's `season` filter). */
export const FIRST_SEASON = 2000;
export const LAST_SEASON = 2100;
export const SeasonYear = z
  .int()
  .min(FIRST_SEASON)
  .max(LAST_SEASON)
  .meta({ description: 'The year the season starts (2026 = 2026/27).', example: 2026 });

/**
 * Most matches one season answer may hold, before each is checked: the longest
 * real league season has about 600; a longer list is no season, and is refused whole.
 */
export const MAX_SEASON_MATCHES = 10_000;

/**
 * Where a match of a season answer may kick off: from January of its start year
 * to the end of the next year, which covers autumn-to-spring seasons and
 * calendar-year ones alike. A match dated elsewhere (year 9999) is left out.
 */
export function seasonWindow(season: number): { from: number; to: number } {
  return { from: Date.UTC(season, 0, 1), to: Date.UTC(season + 2, 0, 1) };
}

export const FootdataSeasonResponse = z
  .object({
    source: z.enum(FOOTDATA_SOURCES),
    competition: CompetitionCode,
    season: SeasonYear.nullable().meta({ description: 'The season asked for; null: the current one.' }),
    fetchedAt: z.iso.datetime({ offset: true }),
    count: z.int().min(0),
    rejected: z.int().min(0).meta({ description: 'Matches of the upstream answer left out (see X-Matches-Rejected).' }),
    matches: z.array(Match),
  })
  .meta({ id: 'FootdataSeasonResponse' });
export type FootdataSeasonResponse = z.infer<typeof FootdataSeasonResponse>;
