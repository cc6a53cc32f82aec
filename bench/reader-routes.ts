/**
 * p50/p99 of each read route (reader/) under a bounded local load:
 *
 *   node --import tsx bench/reader-routes.ts [--seconds 10] [--connections 10]
 *
 * Seeds a fresh database on the stack's store (MONGO_URL) with 2,000 matches,
 * 24 hours × 20 terms of hourly counts, standings and 1,000 somedata events,
 * starts the read API in-process on a free loopback port, loads each route with
 * autocannon for `--seconds` at `--connections`, prints one JSON line per route,
 * and drops the database.
 */
import autocannon from 'autocannon';
import { v7 as uuidv7 } from 'uuid';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { COLLECTIONS, createMongoClient } from '../lib/mongo';
import { startReader } from '../reader/service';

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1 || value > 600) throw new Error(`--${name}: a whole number from 1 to 600`);
  return value;
}

async function main(): Promise<void> {
  const seconds = arg('seconds', 10);
  const connections = arg('connections', 10);
  const suffix = Date.now().toString(36);
  const config = loadConfig({
    ...process.env,
    MONGO_DB: `reader_bench_${suffix}`,
    READER_DLQ_GROUP: `reader-bench-${suffix}`,
    LOG_LEVEL: 'warn',
  });
  const mongo = createMongoClient(config.mongo);
  const db = mongo.db(config.mongo.db);
  const base = Date.parse('2026-11-01T12:00:00Z');
  const hour = 3_600_000;
  await db.collection(COLLECTIONS.footdata).insertMany(
    Array.from({ length: 2_000 }, (_, i) => ({
      _id: 100_000 + i,
      id: 100_000 + i,
      utcDate: new Date(base + Math.floor(i / 8) * hour),
      status: i % 3 === 0 ? 'IN_PLAY' : 'FINISHED',
      lastUpdated: new Date(base),
      competition: { id: 2021, name: 'Premier League', code: i % 2 ? 'PL' : 'FL1' },
      homeTeam: { id: 1, name: 'Arsenal' },
      awayTeam: { id: 2, name: 'Chelsea' },
      score: { fullTime: { home: 1, away: 0 } },
      eventId: uuidv7(),
      runId: null,
      storedAt: new Date(base),
      _kafka: { topic: 'footdata', partition: 0, offset: i },
    })) as never[],
  );
  await db.collection(COLLECTIONS.somedataHourly).insertMany(
    Array.from({ length: 24 * 20 }, (_, i) => {
      const at = new Date(Date.parse('2026-11-24T00:00:00Z') + Math.floor(i / 20) * hour);
      return {
        _id: `${at.toISOString().replace('.000Z', 'Z')}|term${i % 20}`,
        hour: at,
        term: `term${i % 20}`,
        events: i,
        bySource: [{ source: 'api', events: i }],
      };
    }) as never[],
  );
  await db.collection(COLLECTIONS.standings).insertOne({
    _id: 'PL:2026' as never,
    competition: 'PL',
    season: '2026',
    matches: 100,
    asOf: new Date(),
    table: [],
  });
  const eventIds = Array.from({ length: 1_000 }, () => uuidv7());
  await db.collection(COLLECTIONS.somedata).insertMany(
    eventIds.map((id, i) => ({
      _id: id,
      source: 'api',
      payload: { data: 'car' },
      _kafka: { topic: 'somedata', partition: 0, offset: i },
      runId: null,
      storedAt: new Date(),
    })) as never[],
  );

  const reader = await startReader(config, createLogger({ service: 'reader', level: 'warn' }), {
    port: 0,
    host: '127.0.0.1',
    connectRetries: 3,
  });
  const routes: [string, string][] = [
    ['GET /matches', '/matches?competition=PL&status=FINISHED&from=2026-11-01&to=2026-11-30&limit=20'],
    ['GET /matches/:id', '/matches/100123'],
    ['GET /standings/:competition', '/standings/PL'],
    ['GET /insights/somedata', '/insights/somedata?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z&limit=50'],
    ['GET /events/:eventId (stored)', `/events/${eventIds[500]}`],
    ['GET /events/:eventId (unknown)', `/events/${uuidv7()}`],
  ];
  try {
    for (const [route, path] of routes) {
      const result = await autocannon({ url: `${reader.url}${path}`, connections, duration: seconds });
      process.stdout.write(
        `${JSON.stringify({
          route,
          connections,
          seconds,
          requests: result.requests.total,
          rps: Math.round(result.requests.average),
          p50ms: result.latency.p50,
          p99ms: result.latency.p99,
          non2xx: result.non2xx,
          errors: result.errors,
        })}\n`,
      );
    }
  } finally {
    await reader.stop();
    await db.dropDatabase();
    await mongo.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
