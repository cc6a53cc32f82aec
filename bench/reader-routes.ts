/**
 * p50/p99 of each read route (reader/) with a season stored:
 *
 *   node --import tsx bench/reader-routes.ts [--seconds 10] [--connections 1,10]
 *
 * Seeds a fresh database on the stack's store (MONGO_URL) with a season
 * (reader/sample-season.ts: 2,000 matches, 100,000 somedata events, 1,000 dead
 * letters, 30 days of hourly insights), starts the read API in-process on a
 * free loopback port, loads each route with autocannon for `--seconds` at
 * `--connections`, prints one JSON line per route, and drops the database.
 * Seeding takes a minute or two on FerretDB with SQLite.
 */
import autocannon from 'autocannon';
import { v7 as uuidv7 } from 'uuid';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { createMongoClient } from '../lib/mongo';
import { startReader } from '../reader/service';
import { seedSeason } from '../reader/sample-season';

/** `--name a,b,...`: whole numbers from 1 to 600. */
function args(name: string, fallback: number[]): number[] {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const values = (process.argv[at + 1] ?? '').split(',').map(Number);
  if (!values.every((value) => Number.isInteger(value) && value >= 1 && value <= 600))
    throw new Error(`--${name}: whole numbers from 1 to 600, comma-separated`);
  return values;
}

async function main(): Promise<void> {
  const [seconds = 10] = args('seconds', [10]);
  const connectionCounts = args('connections', [1, 10]);
  const suffix = Date.now().toString(36);
  const config = loadConfig({
    ...process.env,
    MONGO_DB: `reader_bench_${suffix}`,
    READER_DLQ_GROUP: `reader-bench-${suffix}`,
    LOG_LEVEL: 'warn',
  });
  const mongo = createMongoClient(config.mongo);
  const db = mongo.db(config.mongo.db);
  let reader: Awaited<ReturnType<typeof startReader>> | undefined;
  try {
    const seedStart = Date.now();
    const seeded = await seedSeason(db);
    process.stderr.write(`seeded in ${((Date.now() - seedStart) / 1000).toFixed(1)} s\n`);

    const routes: [string, string][] = [
      ['GET /matches', '/matches'],
      [
        'GET /matches (competition, status, range)',
        '/matches?competition=PL&status=FINISHED&from=2026-10-01&to=2027-03-01&limit=20',
      ],
      ['GET /matches (competition, status, page 2)', ''],
      ['GET /matches/:id', `/matches/${seeded.matchId}`],
      ['GET /matches/:id (unknown)', '/matches/999999999'],
      ['GET /standings/:competition', '/standings/PL'],
      ['GET /standings/:competition?season', '/standings/PL?season=2025'],
      ['GET /insights/somedata', '/insights/somedata?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z&limit=50'],
      ['GET /insights/somedata (term)', '/insights/somedata?term=term07&limit=100'],
      ['GET /events/:eventId (somedata)', `/events/${seeded.somedataEventId}`],
      ['GET /events/:eventId (footdata)', `/events/${seeded.footdataEventId}`],
      ['GET /events/:eventId (dead-lettered)', `/events/${seeded.deadLetteredEventId}`],
      ['GET /events/:eventId (unknown)', `/events/${uuidv7()}`],
    ];
    reader = await startReader(config, createLogger({ service: 'reader', level: 'warn' }), {
      port: 0,
      host: '127.0.0.1',
      connectRetries: 3,
    });
    // The second page of a filtered list: the cursor of the first.
    const first = (await (await fetch(`${reader.url}${routes[1]![1]}`)).json()) as { nextCursor: string };
    routes[2]![1] = `${routes[1]![1]}&cursor=${first.nextCursor}`;
    for (const connections of connectionCounts)
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
    await reader?.stop();
    await db.dropDatabase();
    await mongo.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
