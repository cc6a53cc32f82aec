/**
 * Every query the read routes and the insights DAG send is served by an index
 * of lib/mongo-indexes.json on MongoDB (equality–sort–range, no in-memory
 * sort: reader/index-coverage.ts). The queries come from the code that sends
 * them (reader/indexed-reads.ts): the read routes' builders over every
 * combination of their parameters, and the insights DAG's own reads.
 */
import { INDEXES } from '../lib/mongo';
import { planProblems, servingIndex, stagesOf, type IndexSpec } from './index-coverage';
import { insightsQueries, readRouteQueries } from './indexed-reads';
import type { CollectionName } from './read-queries';

const indexesOf = (collection: CollectionName): IndexSpec[] => INDEXES[collection] ?? [];

describe('every read is served by an index of lib/mongo-indexes.json (equality, sort, range; no in-memory sort)', () => {
  const all = [...readRouteQueries(), ...insightsQueries()];

  it('finds the queries: 32 of /matches, 16 of /insights/somedata, the point reads and 5 insights reads', () => {
    expect(all).toHaveLength(32 + 1 + 2 + 16 + 3 + 5);
  });

  it.each(all.map((query) => [query.name, query] as const))('%s', (_name, query) => {
    const served = servingIndex(indexesOf(query.collection), query);
    // On failure the reasons name each index and why it does not serve the query.
    expect(served.index ? served.index.name : served).toEqual(expect.any(String));
  });
});

describe('the check bites', () => {
  const byCompetitionAndStatus = readRouteQueries().find((query) => query.name === 'GET /matches?competition&status')!;

  it('a filter on a field no index holds is not served', () => {
    const withTeam = {
      ...byCompetitionAndStatus,
      filter: { $and: [byCompetitionAndStatus.filter, { 'homeTeam.name': 'Arsenal' }] },
    };
    const served = servingIndex(indexesOf(withTeam.collection), withTeam);
    expect(served.index).toBeNull();
  });

  it('without the (competition, status, kick-off, id) index, /matches?competition&status sorts in memory', () => {
    const without = indexesOf('footdata').filter((index) => index.name !== 'competition_status_utcDate_id');
    const served = servingIndex(without, byCompetitionAndStatus);
    expect(served.index).toBeNull();
    expect(served.index === null && served.reasons).toContainEqual(
      'competition_utcDate_id: equality on status is not among its leading fields',
    );
  });

  it('a sort against the index direction on one field only is an in-memory sort', () => {
    const served = servingIndex([{ name: 'a_b', key: { a: 1, b: 1 } }], { filter: {}, sort: { a: 1, b: -1 } });
    expect(served.index).toBeNull();
    expect(servingIndex([{ name: 'a_b', key: { a: 1, b: 1 } }], { filter: {}, sort: { a: -1, b: -1 } }).index).toEqual(
      expect.objectContaining({ name: 'a_b' }),
    );
  });
});

describe("an explain plan's check (reader/indexes-explain-cli.ts on MongoDB)", () => {
  const plan = (stage: string, inputStage?: object) => ({ stage, ...(inputStage && { inputStage }) });

  it('passes an index scan that examines what it returns', () => {
    const stages = stagesOf(plan('LIMIT', plan('FETCH', plan('IXSCAN'))));
    expect(planProblems(stages, 21, 21)).toEqual([]);
  });

  it('fails a collection scan, an in-memory sort, and a scan that examines far more than it returns', () => {
    expect(planProblems(stagesOf(plan('SORT', plan('COLLSCAN'))), 2_000, 20)).toEqual([
      'COLLSCAN',
      'in-memory SORT',
      'no index scan',
      'examined 2000 documents for 20',
    ]);
    expect(planProblems(stagesOf(plan('FETCH', plan('IXSCAN'))), 500, 10)).toEqual(['examined 500 documents for 10']);
  });
});
