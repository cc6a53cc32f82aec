/**
 * The zod schemas of the read API: they validate every request (routes.ts) and
 * generate its part of the OpenAPI description (openapi.ts). Query parameters
 * arrive as strings; each is given at most once, and an unknown one is refused.
 */
import { z } from 'zod';
import { MATCH_STATUSES, SomedataData } from '../lib/schemas';

export const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 20;

/** A query string parameter given once (Express makes a repeated one an array). */
const once = (what: string) =>
  z.string({ error: (issue) => (Array.isArray(issue.input) ? 'must be given once' : what) });

export const Limit = once(`must be a whole number from 1 to ${MAX_LIMIT}`)
  .regex(/^[0-9]{1,4}$/, `must be a whole number from 1 to ${MAX_LIMIT}`)
  .transform(Number)
  .pipe(
    z
      .int()
      .min(1, `must be a whole number from 1 to ${MAX_LIMIT}`)
      .max(MAX_LIMIT, `must be a whole number from 1 to ${MAX_LIMIT}`),
  )
  .optional()
  .default(DEFAULT_LIMIT)
  .meta({ description: `Items per page, 1 to ${MAX_LIMIT}.`, type: 'integer', default: DEFAULT_LIMIT });

export const Cursor = once('must be the nextCursor of a previous page')
  .regex(/^[A-Za-z0-9_-]{1,400}$/, 'must be the nextCursor of a previous page')
  .optional()
  .meta({ description: 'The `nextCursor` of the previous page; absent for the first page.' });

/** An instant: ISO-8601 with an offset, or a plain date (midnight UTC); years 1970 to 9999. */
export const Instant = once('must be an ISO-8601 date or date-time with an offset, e.g. 2026-11-24T10:00:00Z')
  .regex(
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/,
    'must be an ISO-8601 date or date-time with an offset, e.g. 2026-11-24T10:00:00Z',
  )
  .transform((value, ctx) => {
    const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
    // Date rolls 2026-02-30 over to March: the calendar day must exist as written.
    const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
    const calendar = new Date(Date.UTC(year, month - 1, day));
    const real = calendar.getUTCMonth() === month - 1 && calendar.getUTCDate() === day;
    if (!real || Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1970 || date.getUTCFullYear() > 9999) {
      ctx.addIssue({ code: 'custom', message: 'must be a real date between 1970 and 9999' });
      return z.NEVER;
    }
    return date;
  })
  .meta({ type: 'string', format: 'date-time', example: '2026-11-24T10:00:00Z' });

export const CompetitionCode = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be a competition code (1 to 32 letters, digits, - or _), e.g. PL')
  .meta({ description: 'A competition code (football-data.org), e.g. `PL`, or its id.', example: 'PL' });

/** `from` must come before `to` when both are given. */
function ordered(query: { from?: Date | undefined; to?: Date | undefined }, ctx: z.RefinementCtx) {
  if (query.from && query.to && query.from >= query.to)
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
}

/**
 * A query for a page of a list cut to [from, to): its own `filters`, then
 * `from` and `to` (what each bounds, in `range`), `limit` and `cursor`.
 */
function pagedRangeQuery<Filters extends z.ZodRawShape>(filters: Filters, range: { from: string; to: string }) {
  return (
    z
      .strictObject({
        ...filters,
        from: Instant.optional().meta({ description: range.from }),
        to: Instant.optional().meta({ description: range.to }),
        limit: Limit,
        cursor: Cursor,
      })
      // TypeScript cannot see `from` and `to` through the generic filters' output type.
      .superRefine((query, ctx) => ordered(query as Parameters<typeof ordered>[0], ctx))
  );
}

export const MatchesQuery = pagedRangeQuery(
  {
    competition: once('must be a competition code').pipe(CompetitionCode).optional(),
    status: once(`must be one of ${MATCH_STATUSES.join(', ')}`)
      .pipe(z.enum(MATCH_STATUSES, { error: `must be one of ${MATCH_STATUSES.join(', ')}` }))
      .optional()
      .meta({ description: 'The match status.' }),
  },
  { from: 'Kick-off at or after this instant.', to: 'Kick-off before this instant.' },
);
export type MatchesQuery = z.output<typeof MatchesQuery>;

export const MatchParams = z.object({
  id: z
    .string()
    .regex(/^[1-9][0-9]{0,14}$/, 'must be a match id (a positive whole number)')
    .transform(Number)
    .meta({ description: 'The match id (football-data.org).', type: 'integer', example: 498231 }),
});

export const StandingsParams = z.object({ competition: CompetitionCode });
export const StandingsQuery = z.strictObject({
  season: once('must be a season year, e.g. 2026')
    .regex(/^[0-9]{4}$/, 'must be a season year, e.g. 2026')
    .optional()
    .meta({ description: 'The year the season starts; absent: the latest season computed.' }),
});

export const SomedataInsightsQuery = pagedRangeQuery(
  { term: once('must be 1 to 64 characters, each a letter, digit, - or _').pipe(SomedataData).optional() },
  { from: 'Hours starting at or after this instant.', to: 'Hours starting before this instant.' },
);
export type SomedataInsightsQuery = z.output<typeof SomedataInsightsQuery>;

export const EventParams = z.object({
  eventId: z
    .string()
    .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a UUID')
    .transform((id) => id.toLowerCase())
    .meta({
      description: 'The event id, as `X-Event-Id` of the 200 answer.',
      example: '019ad1f0-6a7b-7c3d-9e2f-0123456789ab',
    }),
});

// ---------------------------------------------------------------- answers (documentation)

const Kafka = z.object({ topic: z.string(), partition: z.int(), offset: z.int() });
const page = <T extends z.ZodType>(item: T, id: string) =>
  z
    .object({
      items: z.array(item),
      nextCursor: z
        .string()
        .nullable()
        .meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
    })
    .meta({ id });

export const StoredMatch = z
  .looseObject({
    id: z.int(),
    utcDate: z.string(),
    status: z.enum(MATCH_STATUSES),
    competition: z.looseObject({ id: z.int(), name: z.string(), code: z.string().nullable().optional() }),
    homeTeam: z.looseObject({ id: z.int().nullable(), name: z.string().nullable() }),
    awayTeam: z.looseObject({ id: z.int().nullable(), name: z.string().nullable() }),
    score: z.looseObject({}),
    lastUpdated: z.string(),
    eventId: z.string(),
    runId: z.string().nullable(),
    storedAt: z.string(),
    _kafka: Kafka,
  })
  .meta({ id: 'StoredMatch', description: 'A match as stored: its latest state (football-data.org v4 fields).' });
export const MatchesPage = page(StoredMatch, 'MatchesPage');

const TableRow = z.object({
  position: z.int(),
  team: z.object({ id: z.int().nullable(), name: z.string().nullable() }),
  played: z.int(),
  won: z.int(),
  drawn: z.int(),
  lost: z.int(),
  goalsFor: z.int(),
  goalsAgainst: z.int(),
  goalDifference: z.int(),
  points: z.int(),
});
export const Standings = z
  .object({
    competition: z.string(),
    competitionName: z.string().nullable(),
    season: z.string(),
    asOf: z.string().meta({ description: 'The end of the interval the table was computed for.' }),
    interval: z.object({ start: z.string(), end: z.string() }),
    matches: z.int().meta({ description: 'How many finished matches the table rests on.' }),
    table: z.array(TableRow),
  })
  .meta({ id: 'Standings' });

export const SomedataHour = z
  .object({
    hour: z.string(),
    term: z.string(),
    events: z.int(),
    bySource: z.array(z.object({ source: z.string(), events: z.int() })),
  })
  .meta({ id: 'SomedataHour' });
export const SomedataInsightsPage = page(SomedataHour, 'SomedataInsightsPage');

export const EventLocation = z
  .object({
    eventId: z.string(),
    status: z.enum(['stored', 'dead-lettered']),
    stored: z
      .object({
        collection: z.enum(['somedata', 'footdata']),
        kafka: Kafka,
        runId: z.string().nullable(),
        storedAt: z.string(),
        document: z.looseObject({}),
      })
      .optional(),
    deadLetters: z
      .array(
        z.object({
          reason: z.string().nullable(),
          errorClass: z.string().nullable(),
          errorMessage: z.string().nullable(),
          failedAt: z.string().nullable(),
          origin: z.object({ topic: z.string().nullable(), partition: z.int().nullable(), offset: z.int().nullable() }),
          dlq: Kafka,
        }),
      )
      .meta({ description: 'Every time the event was dead-lettered, newest first (at most 10).' }),
  })
  .meta({ id: 'EventLocation' });
