/**
 * The zod schemas of the HTTP API: they validate requests in the routes and
 * generate `/openapi.json` (openapi.ts), so the documentation cannot drift from
 * what the server accepts. Field rules come from the event schemas in lib/.
 */
import { z } from 'zod';
import {
  CompetitionCode,
  FOOTDATA_SOURCES,
  SeasonYear,
  RunId,
  Source,
  SomedataData,
  SomedataItems,
  SomedataNumber,
  MAX_NUMBER,
} from '../lib/schemas';

/** `:data` of GET /somedata/:data. */
export const SomedataParams = z.object({ data: SomedataData });

/**
 * `?number=N`: exactly one decimal integer 1..100, 1 when absent. Written out
 * as digits on purpose: no `1e9`, `0x10`, `1.5`, ` 5` or repeated `number`.
 */
const NumberParam = z
  .string({
    error: (issue) =>
      Array.isArray(issue.input) ? 'must be given once' : `must be a whole number from 1 to ${MAX_NUMBER}`,
  })
  .regex(/^[0-9]{1,9}$/, `must be a whole number from 1 to ${MAX_NUMBER}`)
  .transform(Number)
  .pipe(SomedataNumber)
  .meta({
    description: `How many items to answer with, 1 to ${MAX_NUMBER}.`,
    type: 'integer',
    minimum: 1,
    maximum: MAX_NUMBER,
    default: 1,
    example: 3,
  });

/** The query string: `number` only; an unknown parameter is refused, not ignored. */
export const SomedataQuery = z.strictObject({ number: NumberParam.optional().default(1) });

/** The JSON body of POST /somedata; unknown fields are refused. */
export const SomedataBody = z
  .strictObject(
    { data: SomedataData, number: SomedataNumber.optional().default(1) },
    { error: (issue) => (issue.code === 'invalid_type' ? 'expected a JSON object body' : undefined) },
  )
  .meta({ id: 'SomedataRequest', example: { data: 'car', number: 3 } });

/** Who produced the event: set by the producer jobs, absent for plain API calls. */
export const OriginHeaders = z.object({
  'x-run-id': RunId.unwrap()
    .optional()
    .meta({ description: 'The Airflow run id to stamp on the event (`runId`); null when absent.' }),
  'x-source': Source.optional().meta({ description: 'Who sends: `api` (the default) or `job:<jobId>`.' }),
});

/** The Idempotency-Key header of /somedata (producers/idempotency.ts checks it). */
export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^"?[A-Za-z0-9_.:~+/=-]{8,255}"?$/)
    .optional()
    .meta({
      description:
        'Makes a retry safe (IETF draft-ietf-httpapi-idempotency-key-header): 8 to 255 characters of letters, digits ' +
        'and `- _ . : ~ + / =`, bare or as a quoted string. Within IDEMPOTENCY_TTL_SEC (default 24 h) of its first ' +
        'use, on any API instance, the same key with the same request answers the same `X-Event-Id` and the event is ' +
        'stored once; a retry after a 503 publishes that same event again (the store keeps one document). ' +
        'A UUID per logical request is a good key.',
      example: '8e03978e-40d5-43e8-bc93-6894a57f9324',
    }),
});

export const SomedataResponse = SomedataItems.meta({
  id: 'SomedataResponse',
  description: 'The seed\'s answer: `{ "0": data, ..., "N-1": data }`, sent once the event is acknowledged by Kafka.',
  example: { '0': 'car', '1': 'car', '2': 'car' },
});

/** Headers of a 200 from /somedata: where the event went. */
export const PublishedHeaders = z.object({
  'x-event-id': z.uuid().meta({ description: 'The event id (uuid v7).' }),
  'x-kafka-topic': z.string(),
  'x-kafka-partition': z.string().meta({ description: 'Partition of the record (a number).' }),
  'x-kafka-offset': z.string().meta({ description: 'Offset of the record in its partition (a number).' }),
});

// The /footdata answers are read by the workers too, so they live with the other contracts in lib/schemas.
export { FOOTDATA_SOURCES, FootdataResponse, FootdataSeasonResponse, type FootdataSourceName } from '../lib/schemas';

/** `:competition` of GET /footdata/competitions/:competition/matches. */
export const SeasonParams = z.object({ competition: CompetitionCode });

/** `?season=YYYY`, written out as four digits (no `2e3`, no repeat); absent: the current season. */
export const SeasonQuery = z.strictObject({
  season: z
    .string({ error: (issue) => (Array.isArray(issue.input) ? 'must be given once' : 'must be a year') })
    .regex(/^[0-9]{4}$/, 'must be a year, four digits')
    .transform(Number)
    .pipe(SeasonYear)
    .optional()
    .meta({ description: 'The year the season starts; absent: the current season.', type: 'integer', example: 2026 }),
});

export const FootdataHeaders = z.object({
  'x-cache': z
    .enum(['hit', 'miss', 'stale'])
    .meta({ description: 'hit: from the cache; miss: fetched now; stale: last good answer.' }),
  'x-data-source': z.enum(FOOTDATA_SOURCES),
  'x-matches-rejected': z.string().meta({
    description:
      'How many matches of the upstream answer were left out (not served, not published) because they do ' +
      'not fit the v4 schema; each is logged with its id and field, and counted in football_matches_rejected_total.',
    example: '0',
  }),
});
