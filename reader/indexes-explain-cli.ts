/**
 * The index proof on a real MongoDB (issue 25): seeds a fresh database with a
 * season (reader/sample-season.ts, smaller) and the pipeline's indexes, runs
 * `explain("executionStats")` on every query of the read routes and the
 * insights DAG (reader/indexed-reads.ts, the queries the code sends), and
 * fails when a plan has a COLLSCAN, an in-memory SORT, no index scan, or
 * examines far more documents than it returns. Prints one table row per query:
 * route → query → index (the one reader/index-coverage.ts expects, and the
 * one MongoDB chose) → stages → examined/returned.
 *
 *   MONGO_URL=mongodb://127.0.0.1:27017 npm run indexes:explain
 *
 * Exit codes: 0 proven; 1 a query is not served by an index; 2 the store is
 * not MongoDB (FerretDB's explain has no execution stages, so nothing can be
 * proven there: the compose-e2e job runs this against MongoDB 8).
 */
import type { Db, Document } from 'mongodb';
import { loadConfigOrExit } from '../lib/config';
import { createMongoClient, ensureIndexes, INDEXES, isFerretDb } from '../lib/mongo';
import { seedSeason } from './sample-season';
import { planProblems, servingIndex, stagesOf } from './index-coverage';
import { insightsQueries, readRouteQueries, type NamedQuery } from './indexed-reads';

async function explain(db: Db, query: NamedQuery): Promise<Document> {
  let cursor = db
    .collection(query.collection)
    .find(query.filter, query.projection && { projection: query.projection })
    .sort(query.sort);
  if (query.limit) cursor = cursor.limit(query.limit);
  return cursor.explain('executionStats');
}

const brief = (value: unknown) => JSON.stringify(value).replace(/"/g, '').slice(0, 110);

async function main(): Promise<number> {
  const config = loadConfigOrExit();
  const client = createMongoClient(config.mongo);
  const db = client.db(`indexes_explain_${Date.now().toString(36)}`);
  try {
    if (await isFerretDb(db)) {
      const info = await db.admin().command({ buildInfo: 1 });
      process.stdout.write(
        `indexes:explain: the store is FerretDB (buildInfo.ferretdbVersion: ${String(info.ferretdbVersion)}), not MongoDB.\n` +
          'FerretDB has no query planner stages (IXSCAN, COLLSCAN, SORT) to prove anything with, so the index\n' +
          'proof needs MongoDB: the CI compose-e2e job runs this script against MongoDB 8. Here the static\n' +
          'check (reader/index-coverage.spec.ts) is the proof. Nothing was proven: exit 2.\n',
      );
      return 2;
    }
    await ensureIndexes(db);
    await seedSeason(db, { matches: 2_000, somedataEvents: 20_000, deadLetters: 1_000, insightDays: 30 });
    const rows: string[] = [];
    let failed = 0;
    for (const query of [...readRouteQueries(), ...insightsQueries()]) {
      const plan = await explain(db, query);
      const stats = plan.executionStats as Document;
      const stages = stagesOf((plan.queryPlanner as Document).winningPlan as Document);
      const expected = servingIndex(INDEXES[query.collection] ?? [], query).index?.name ?? 'none';
      const chosen = stages.map((stage) => stage.indexName as string | undefined).find(Boolean) ?? '-';
      const problems = planProblems(stages, Number(stats.totalDocsExamined), Number(stats.nReturned));
      if (problems.length) failed++;
      rows.push(
        [
          problems.length ? 'FAIL' : 'ok',
          query.name,
          `${query.collection} ${brief(query.filter)} sort ${brief(query.sort)} limit ${query.limit ?? '-'}`,
          `${expected} / ${chosen}`,
          stages.map((stage) => stage.stage).join('<'),
          `${stats.totalDocsExamined}/${stats.nReturned}`,
          problems.join(', '),
        ].join(' | '),
      );
    }
    process.stdout.write(
      `| | route | query | index (expected / chosen) | stages | examined/returned | problems |\n|---|---|---|---|---|---|---|\n`,
    );
    for (const row of rows) process.stdout.write(`| ${row} |\n`);
    process.stdout.write(`${rows.length - failed} of ${rows.length} queries served by an index\n`);
    return failed ? 1 : 0;
  } finally {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`indexes:explain failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
