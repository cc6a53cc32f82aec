/**
 * Every query the read routes and the insights DAG send, taken from the code
 * that sends them: the read routes' builders (reader/read-queries.ts) over
 * every combination of their parameters, and the DAG's reads as
 * airflow/plugins/kafka_pipeline_provider/insights/reads.py prints them (python3, no packages needed).
 * Read by the index proofs: reader/index-coverage.spec.ts and reader/indexes-explain-cli.ts.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Document } from 'mongodb';
import { encodeCursor } from './cursor';
import {
  eventQueries,
  matchesQuery,
  matchQuery,
  somedataHoursQuery,
  standingsQuery,
  type CollectionName,
  type ReadQuery,
} from './read-queries';
import { MatchesQuery, SomedataInsightsQuery } from './schemas';

export interface NamedQuery extends Omit<ReadQuery, 'limit'> {
  name: string;
  /** None for the insights' reads: each is bounded by its hour. */
  limit?: number;
}

/** Every subset of `params`, as query strings' values. */
function combinations(params: Record<string, string>): Record<string, string>[] {
  return Object.entries(params).reduce<Record<string, string>[]>(
    (sets, [key, value]) => sets.flatMap((set) => [set, { ...set, [key]: value }]),
    [{}],
  );
}

const describeParams = (params: Record<string, string>) =>
  Object.keys(params).length ? `?${Object.keys(params).join('&')}` : '';

/** The read routes' queries, from reader/read-queries.ts. */
export function readRouteQueries(): NamedQuery[] {
  const queries: NamedQuery[] = [];
  const matches = { competition: 'PL', status: 'FINISHED', from: '2026-11-01', to: '2026-12-01' };
  for (const params of combinations({ ...matches, cursor: encodeCursor([Date.UTC(2026, 10, 2), 42]) }))
    queries.push({ name: `GET /matches${describeParams(params)}`, ...matchesQuery(MatchesQuery.parse(params)) });
  queries.push({ name: 'GET /matches/:id', ...matchQuery(42) });
  queries.push({ name: 'GET /standings/:competition', ...standingsQuery('PL') });
  queries.push({ name: 'GET /standings/:competition?season', ...standingsQuery('PL', '2026') });
  const hours = { term: 'car', from: '2026-11-24T00:00:00Z', to: '2026-11-25T00:00:00Z' };
  for (const params of combinations({ ...hours, cursor: encodeCursor([Date.UTC(2026, 10, 24, 3), 'bus']) }))
    queries.push({
      name: `GET /insights/somedata${describeParams(params)}`,
      ...somedataHoursQuery(SomedataInsightsQuery.parse(params)),
    });
  for (const [part, query] of Object.entries(eventQueries('0190d6f2-8d7e-7a1c-9c4e-2b3f4a5b6c7d')))
    queries.push({ name: `GET /events/:eventId (${part})`, ...query });
  return queries;
}

/** The insights DAG's reads, as airflow/plugins/kafka_pipeline_provider/insights/reads.py prints them. */
export function insightsQueries(): NamedQuery[] {
  const script = path.join(__dirname, '..', 'airflow', 'plugins', 'kafka_pipeline_provider', 'insights', 'reads.py');
  const printed = JSON.parse(execFileSync('python3', [script], { encoding: 'utf8' }), (_key, value: unknown) =>
    value && typeof value === 'object' && '$date' in value ? new Date((value as { $date: string }).$date) : value,
  ) as { name: string; collection: CollectionName; filter: Document; projection: Document }[];
  return printed.map(({ name, collection, filter, projection }) => ({
    name: `insights: ${name}`,
    collection,
    filter,
    sort: {},
    projection: projection as never,
  }));
}
