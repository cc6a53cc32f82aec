/**
 * What the store does with each read route's query (reader/read-queries.ts,
 * every combination of its parameters: reader/indexed-reads.ts): on
 * FerretDB, `explain` tells whether the filter, the sort and the limit were
 * pushed down into SQL (`filterPushdown`, `sortPushdown`, `limitPushdown`)
 * and shows the backend's plan (PostgreSQL's EXPLAIN names the index it uses;
 * SQLite's plan is its own).
 *
 *   MONGO_URL=mongodb://127.0.0.1:27017 node --import tsx bench/reader-explain.ts
 *
 * Seeds a fresh database with the pipeline's indexes (lib/mongo-indexes.json)
 * and 2,000 matches, 480 hourly counts and 1,000 somedata events, prints one
 * JSON line per query, and drops the database.
 */
import { v7 as uuidv7 } from 'uuid';
import { loadConfig } from '../lib/config';
import { COLLECTIONS, createMongoClient, ensureIndexes } from '../lib/mongo';
import { readRouteQueries } from '../reader/indexed-reads';

/** The index names and scan kinds a backend's plan mentions (PostgreSQL: "Index Scan" on "..._idx"). */
function planSummary(plan: unknown): string[] {
  const text = JSON.stringify(plan);
  const found = new Set<string>();
  for (const match of text.matchAll(/"Node Type":"([^"]+)"(?:[^{}]*?"Index Name":"([^"]+)")?/g))
    found.add(match[2] ? `${match[1]} ${match[2]}` : match[1]!);
  for (const match of text.matchAll(/"detail":"([^"]+)"/g)) found.add(match[1]!);
  return [...found];
}

async function main(): Promise<void> {
  const config = loadConfig({
    ...process.env,
    MONGO_DB: `reader_explain_${Date.now().toString(36)}`,
    LOG_LEVEL: 'warn',
  });
  const mongo = createMongoClient(config.mongo);
  const db = mongo.db(config.mongo.db);
  try {
    await ensureIndexes(db);
    const base = Date.parse('2026-11-01T12:00:00Z');
    const hour = 3_600_000;
    await db.collection(COLLECTIONS.footdata).insertMany(
      Array.from({ length: 2_000 }, (_, i) => ({
        _id: 100_000 + i,
        utcDate: new Date(base + Math.floor(i / 8) * hour),
        status: i % 3 === 0 ? 'IN_PLAY' : 'FINISHED',
        competition: { code: i % 2 ? 'PL' : 'FL1' },
        eventId: uuidv7(),
      })) as never[],
    );
    await db.collection(COLLECTIONS.somedataHourly).insertMany(
      Array.from({ length: 480 }, (_, i) => {
        const at = new Date(Date.parse('2026-11-24T00:00:00Z') + Math.floor(i / 20) * hour);
        return { _id: `${at.toISOString()}|term${i % 20}`, hour: at, term: `term${i % 20}`, events: i };
      }) as never[],
    );
    const ids = Array.from({ length: 1_000 }, () => uuidv7());
    await db
      .collection(COLLECTIONS.somedata)
      .insertMany(ids.map((id) => ({ _id: id, storedAt: new Date() })) as never[]);

    for (const query of readRouteQueries()) {
      const plan = (await db
        .collection(query.collection)
        .find(query.filter, query.projection && { projection: query.projection })
        .sort(query.sort)
        .limit(query.limit ?? 0)
        .explain()) as Record<string, unknown>;
      const line = {
        route: query.name,
        filterPushdown: plan.filterPushdown,
        sortPushdown: plan.sortPushdown,
        limitPushdown: plan.limitPushdown,
        plan: planSummary(plan.queryPlanner),
      };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
  } finally {
    await db.dropDatabase();
    await mongo.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
