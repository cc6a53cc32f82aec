/**
 * `/openapi.json` of the read API, generated from the zod schemas its routes
 * validate with (schemas.ts), so it cannot drift from what the server accepts.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
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

export function readerOpenApiDocument() {
  const registry = new OpenAPIRegistry();
  registry.registerPath({
    method: 'get',
    path: '/matches',
    summary: 'Stored matches, by kick-off then id, filtered; paginated with a cursor',
    request: { query: MatchesQuery },
    responses: { 200: { description: 'One page.', content: json(MatchesPage) }, 400: bad, 503: unavailable },
  });
  registry.registerPath({
    method: 'get',
    path: '/matches/{id}',
    summary: 'One stored match (its latest state)',
    request: { params: MatchParams },
    responses: {
      200: { description: 'The match.', content: json(StoredMatch) },
      400: bad,
      404: error('No match with this id is stored.'),
      503: unavailable,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/standings/{competition}',
    summary: 'The latest league table computed by the insights DAG, with when and from how many matches',
    request: { params: StandingsParams, query: StandingsQuery },
    responses: {
      200: { description: 'The table.', content: json(Standings) },
      400: bad,
      404: error('No table computed for this competition (and season).'),
      503: unavailable,
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/insights/somedata',
    summary: 'somedata events per hour and term, and per source (the insights DAG); paginated with a cursor',
    request: { query: SomedataInsightsQuery },
    responses: { 200: { description: 'One page.', content: json(SomedataInsightsPage) }, 400: bad, 503: unavailable },
  });
  registry.registerPath({
    method: 'get',
    path: '/events/{eventId}',
    summary: 'Where an event is: stored (document, Kafka topic/partition/offset, run) or dead-lettered (reason, when)',
    request: { params: EventParams },
    responses: {
      200: { description: 'Stored, dead-lettered, or both (a dead letter replayed).', content: json(EventLocation) },
      400: bad,
      404: error('`unknown_event`: neither stored nor dead-lettered (unknown, or still on its way).'),
      503: unavailable,
    },
  });
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
