/**
 * `/openapi.json` of the read API, generated from the zod schemas its routes
 * validate with (schemas.ts), so it cannot drift from what the server accepts.
 */
import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ErrorBody } from '../lib/http/error-response';
import {
  EventLocation,
  EventParams,
  MatchesPage,
  MatchesQuery,
  MatchParams,
  SomedataInsightsPage,
  SomedataInsightsQuery,
  Standings,
  StandingsParams,
  StandingsQuery,
  StoredMatch,
} from './schemas';

const json = (schema: z.ZodType) => ({ 'application/json': { schema } });
const error = (description: string): ResponseConfig => ({ description, content: json(ErrorBody) });
const bad = error('A parameter is invalid, repeated or unknown; `error.field` names it.');
const unavailable = error('The store is unreachable; try again after `Retry-After` seconds.');

interface GetRoute {
  path: string;
  summary: string;
  request: NonNullable<RouteConfig['request']>;
  /** The 200 answer: its description and schema. */
  ok: [string, z.ZodType];
  /** Routes that look one thing up by key: what their 404 means. */
  notFound?: string;
}

/** Every route answers 400 for a bad parameter and 503 when the store is away. */
const ROUTES: GetRoute[] = [
  {
    path: '/matches',
    summary: 'Stored matches, by kick-off then id, filtered; paginated with a cursor',
    request: { query: MatchesQuery },
    ok: ['One page.', MatchesPage],
  },
  {
    path: '/matches/{id}',
    summary: 'One stored match (its latest state)',
    request: { params: MatchParams },
    ok: ['The match.', StoredMatch],
    notFound: 'No match with this id is stored.',
  },
  {
    path: '/standings/{competition}',
    summary: 'The latest league table computed by the insights DAG, with when and from how many matches',
    request: { params: StandingsParams, query: StandingsQuery },
    ok: ['The table.', Standings],
    notFound: 'No table computed for this competition (and season).',
  },
  {
    path: '/insights/somedata',
    summary: 'somedata events per hour and term, and per source (the insights DAG); paginated with a cursor',
    request: { query: SomedataInsightsQuery },
    ok: ['One page.', SomedataInsightsPage],
  },
  {
    path: '/events/{eventId}',
    summary: 'Where an event is: stored (document, Kafka topic/partition/offset, run) or dead-lettered (reason, when)',
    request: { params: EventParams },
    ok: ['Stored, dead-lettered, or both (a dead letter replayed).', EventLocation],
    notFound: '`unknown_event`: neither stored nor dead-lettered (unknown, or still on its way).',
  },
];

export function readerOpenApiDocument() {
  const registry = new OpenAPIRegistry();
  for (const { path, summary, request, ok, notFound } of ROUTES) {
    const responses: Record<number, ResponseConfig> = { 200: { description: ok[0], content: json(ok[1]) }, 400: bad };
    if (notFound) responses[404] = error(notFound);
    responses[503] = unavailable;
    registry.registerPath({ method: 'get', path, summary, request, responses });
  }
  for (const [path, summary] of [
    ['/healthz', 'Liveness'],
    ['/readyz', 'Readiness: the store answers and the dead-letter index runs'],
    ['/metrics', 'Prometheus metrics'],
  ] as const)
    registry.registerPath({ method: 'get', path, summary, responses: { 200: { description: 'OK.' } } });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'kafka-pipeline read API',
      version: '1.0.0',
      description:
        'What the pipeline stored (matches, events), what the insights DAG computed (standings, hourly counts), ' +
        'and where an event went. Lists are pages of at most 100 items: pass `nextCursor` as `cursor`.',
    },
  });
}
