/**
 * `/openapi.json`: the OpenAPI 3.1 description of the API, generated from the
 * zod schemas the routes validate with (api-schemas.ts), so it cannot drift.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ErrorBody } from '../lib/http/error-response';
import {
  FootdataHeaders,
  FootdataResponse,
  FootdataSeasonResponse,
  IdempotencyHeaders,
  OriginHeaders,
  PublishedHeaders,
  SeasonParams,
  SeasonQuery,
  SomedataBody,
  SomedataParams,
  SomedataQuery,
  SomedataResponse,
} from './api-schemas';

const json = (schema: z.ZodType) => ({ 'application/json': { schema } });
const error = (description: string, withRetryAfter = false): ResponseConfig => ({
  description,
  content: json(ErrorBody),
  ...(withRetryAfter && {
    headers: z.object({ 'retry-after': z.string().meta({ description: 'Seconds to wait before trying again.' }) }),
  }),
});

const somedataResponses: Record<number, ResponseConfig> = {
  200: {
    description:
      "The event is acknowledged by Kafka (acks=all); the answer is the seed's payload. " +
      'An answer given again for an Idempotency-Key carries `Idempotent-Replayed: true` and the first answer’s headers.',
    headers: PublishedHeaders.extend({
      'idempotent-replayed': z
        .literal('true')
        .optional()
        .meta({ description: 'Present when this answers an Idempotency-Key used before (nothing was published).' }),
    }),
    content: json(SomedataResponse),
  },
  400: error('Invalid `data`, `number`, body, X-Run-Id / X-Source or Idempotency-Key header; `error.field` names it.'),
  409: error(
    'Another request with this Idempotency-Key is being processed (`idempotency_key_in_use`); retry after it.',
    true,
  ),
  413: error(
    '`record_too_large`: the event is larger than the somedata topic takes in one record batch ' +
      '(its max.message.bytes, less a margin, or PUBLISH_MAX_BATCH_BYTES); it is not stored, and trying again cannot help.',
  ),
  422: error(
    'This Idempotency-Key was used with another request: method, path, data, number or origin headers ' +
      '(`idempotency_key_reused`).',
  ),
  503: error(
    'Kafka did not acknowledge the event in time (or too many are waiting), or, for a request with an ' +
      'Idempotency-Key, its key store (Redis) does not answer. The event may still land: without a key a retry ' +
      'can make a second event; with the same key it makes none (the same eventId, stored once).',
    true,
  ),
};

export function openApiDocument() {
  const registry = new OpenAPIRegistry();

  registry.registerPath({
    method: 'get',
    path: '/',
    summary: 'Welcome, with links to the routes',
    responses: {
      200: {
        description: 'Service name and links.',
        content: json(z.object({ service: z.string(), links: z.record(z.string(), z.string()) })),
      },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/somedata/{data}',
    summary: 'Answer `{ "0": data, ..., "N-1": data }` and publish the interaction to Kafka',
    request: { params: SomedataParams, query: SomedataQuery, headers: OriginHeaders.extend(IdempotencyHeaders.shape) },
    responses: somedataResponses,
  });
  registry.registerPath({
    method: 'post',
    path: '/somedata',
    summary: 'The same as GET /somedata/{data}, with a JSON body',
    request: {
      headers: OriginHeaders.extend(IdempotencyHeaders.shape),
      body: { required: true, content: json(SomedataBody) },
    },
    responses: {
      ...somedataResponses,
      413: error('`payload_too_large`: the body is larger than the limit; `record_too_large`: as for GET.'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/footdata',
    summary: "Today's matches (football-data.org v4, or the simulator without FOOT_TOKEN), cached",
    description:
      'The upstream is called at most FOOTBALL_CALLS_PER_MINUTE times a minute and its answer cached for ' +
      'FOOTBALL_CACHE_TTL_SEC. When it is down or its budget is spent, the last good answer is served with ' +
      '`stale: true` and `X-Cache: stale`. Each match is checked on its own: one that does not fit the v4 schema ' +
      'is left out and counted in `X-Matches-Rejected`, the others are served. An answer that is no list of ' +
      'matches, or whose every match is left out, counts as a failure of the upstream.',
    responses: {
      200: { description: 'The matches.', headers: FootdataHeaders, content: json(FootdataResponse) },
      502: error('The upstream failed (the message says how) and nothing is cached yet.', true),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/footdata/competitions/{competition}/matches',
    summary: "A competition's season: finished, running and scheduled matches (football-data.org v4, or the simulator)",
    description:
      'football-data.org’s call of the same path, from the same FOOTBALL_CALLS_PER_MINUTE budget, not cached. ' +
      'Each match is checked on its own, against the v4 schema, the competition asked for and the season’s ' +
      'window (January of its year to the end of the next): one that does not fit is left out and counted in ' +
      '`X-Matches-Rejected`. An answer of more matches than a season holds is refused whole.',
    request: { params: SeasonParams, query: SeasonQuery },
    responses: {
      200: {
        description: 'The season.',
        headers: FootdataHeaders.omit({ 'x-cache': true }),
        content: json(FootdataSeasonResponse),
      },
      400: error('Invalid competition code or season; `error.field` names it.'),
      502: error(
        'The upstream failed or its budget is spent (the message says which); Retry-After says when to ask again.',
        true,
      ),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/healthz',
    summary: 'Liveness: the process answers',
    responses: {
      200: {
        description: 'Alive.',
        content: json(z.object({ status: z.literal('ok'), service: z.string(), uptimeSec: z.int() })),
      },
    },
  });
  const readiness = z.object({
    status: z.string(),
    ready: z.boolean(),
    checks: z.record(z.string(), z.boolean()),
    // e.g. topics: { differences: [{ topic, kind, name, expected, actual }] } under KAFKA_TOPICS_MODE=verify
    reasons: z.record(z.string(), z.unknown()).optional(),
  });
  registry.registerPath({
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: connected to Kafka and the last send went through (and the topics verified, in verify mode)',
    responses: {
      200: { description: 'Ready.', content: json(readiness) },
      503: { description: 'Not ready; `checks` names what fails, `reasons` why.', content: json(readiness) },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    responses: { 200: { description: 'Prometheus text format.', content: { 'text/plain': { schema: z.string() } } } },
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'kafka-pipeline producers API',
      version: '1.0.0',
      description: 'User interactions published to Kafka (somedata) and the football feed (footdata).',
    },
  });
}
