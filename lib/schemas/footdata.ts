/**
 * The `footdata` event: one match as football-data.org v4 `/matches` returns
 * it. Only the fields the pipeline relies on are required; the rest of the
 * upstream object is kept as it comes (and checked for unsafe keys by the envelope).
 */
import { z } from 'zod';

export const MATCH_STATUSES = [
  'SCHEDULED',
  'TIMED',
  'IN_PLAY',
  'PAUSED',
  'EXTRA_TIME',
  'PENALTY_SHOOTOUT',
  'FINISHED',
  'SUSPENDED',
  'POSTPONED',
  'CANCELLED',
  'AWARDED',
  'LIVE',
] as const;

const isoDateTime = z.iso.datetime({ offset: true });

const Team = z.looseObject({
  // Teams of a knock-out match not yet drawn come with null fields.
  id: z.int().nullable(),
  name: z.string().nullable(),
  shortName: z.string().nullable().optional(),
  tla: z.string().nullable().optional(),
  crest: z.string().nullable().optional(),
});

const Goals = z.object({ home: z.int().min(0).nullable(), away: z.int().min(0).nullable() });

export const Match = z.looseObject({
  id: z.int().positive(),
  utcDate: isoDateTime,
  status: z.enum(MATCH_STATUSES),
  lastUpdated: isoDateTime,
  minute: z.int().min(0).max(200).nullable().optional(),
  matchday: z.int().nullable().optional(),
  stage: z.string().optional(),
  competition: z.looseObject({ id: z.int(), name: z.string(), code: z.string().nullable().optional() }),
  area: z.looseObject({ id: z.int(), name: z.string(), code: z.string().nullable().optional() }),
  homeTeam: Team,
  awayTeam: Team,
  score: z.looseObject({
    winner: z.enum(['HOME_TEAM', 'AWAY_TEAM', 'DRAW']).nullable(),
    duration: z.string().optional(),
    fullTime: Goals,
    halfTime: Goals.optional(),
  }),
});
export type Match = z.infer<typeof Match>;

/** The answer of `GET /v4/matches`. */
export const MatchesResponse = z.looseObject({
  filters: z.record(z.string(), z.unknown()).optional(),
  resultSet: z.looseObject({ count: z.int().min(0) }).optional(),
  matches: z.array(Match),
});
export type MatchesResponse = z.infer<typeof MatchesResponse>;

export const FootdataPayload = Match;
export type FootdataPayload = Match;
