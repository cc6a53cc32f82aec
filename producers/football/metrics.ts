/** Metrics of the football-data source: upstream calls by outcome, answers by cache status, rejected matches. */
import { Counter, type Registry } from 'prom-client';

export type UpstreamOutcome = 'ok' | 'server_error' | 'rate_limited' | 'timeout' | 'network' | 'refused' | 'invalid';
export type CacheStatus = 'hit' | 'miss' | 'stale' | 'none';

export interface FootballMetrics {
  upstreamCalls: Counter<'outcome'>;
  answers: Counter<'cache'>;
  /** Matches of an upstream answer left out because they do not fit the v4 schema, by top-level field. */
  rejectedMatches: Counter<'field'>;
}

export function createFootballMetrics(registry: Registry): FootballMetrics {
  return {
    upstreamCalls: new Counter({
      name: 'football_upstream_calls_total',
      help: 'Calls to football-data.org by outcome (ok, server_error, rate_limited, timeout, network, refused, invalid).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    answers: new Counter({
      name: 'football_answers_total',
      help: 'Answers of /footdata by cache status: hit, miss (fetched now), stale (last good answer), none (502).',
      labelNames: ['cache'],
      registers: [registry],
    }),
    rejectedMatches: new Counter({
      name: 'football_matches_rejected_total',
      help: 'Matches of football-data.org answers left out (not served, not published) by the field that does not fit the v4 schema.',
      labelNames: ['field'],
      registers: [registry],
    }),
  };
}
