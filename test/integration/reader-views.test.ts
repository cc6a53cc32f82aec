/**
 * The read API's in-memory views (reader/views.ts) answer exactly what the
 * store answers: on the stack's store, over random matches, hourly counts and
 * dead letters (fast-check, seeded; the seed is printed on failure), every
 * random /matches and /insights/somedata query is walked page by page through
 * both sources — the same items, in the same order, with the same cursors —
 * and every /events, /matches/:id and /standings answer is the same.
 */
import fc from 'fast-check';
import type { Db, MongoClient } from 'mongodb';
import { COLLECTIONS, createMongoClient, ensureIndexes } from '../../lib/mongo';
import {
  findMatch,
  findMatches,
  findSomedataHours,
  findStandings,
  locateEvent,
  storeSource,
  type ReadSource,
} from '../../reader/queries';
import { MatchesQuery, SomedataInsightsQuery } from '../../reader/schemas';
import { ReadViews } from '../../reader/views';
import { testConfig, testLogger } from '../../harness/env';

jest.setTimeout(300_000);

const SEED = Number(process.env.FC_SEED ?? Date.now() % 1_000_000);
const HOUR = 3_600_000;
const BASE = Date.parse('2026-11-01T00:00:00Z');
const COMPETITIONS = ['PL', 'FL1', 'SA'];
const STATUSES = ['FINISHED', 'TIMED', 'IN_PLAY'];
const TERMS = ['car', 'bus', 'b', 'bus-2', 'Z_9'];

let client: MongoClient;
let db: Db;
let views: ReadViews;
let store: ReadSource;
const eventIds: string[] = [];

beforeAll(async () => {
  const config = testConfig();
  client = createMongoClient(config.mongo);
  db = client.db(config.mongo.db);
  await ensureIndexes(db);
  // Few distinct kick-offs and hours, so many ties: the pages' second key is exercised.
  const random = fc.sample(
    fc.record({
      matches: fc.array(
        fc.record({
          id: fc.integer({ min: 1, max: 10_000_000 }),
          hour: fc.integer({ min: 0, max: 40 }),
          competition: fc.constantFrom(...COMPETITIONS),
          status: fc.constantFrom(...STATUSES),
          event: fc.uuid({ version: 7 }),
        }),
        { minLength: 150, maxLength: 250 },
      ),
      hours: fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.constantFrom(...TERMS)), {
        minLength: 100,
        maxLength: 250,
        selector: ([hour, term]) => `${hour}|${term}`,
      }),
      deadLetters: fc.array(fc.tuple(fc.uuid({ version: 7 }), fc.integer({ min: 0, max: 3 })), { maxLength: 60 }),
    }),
    { seed: SEED, numRuns: 1 },
  )[0]!;
  const matches = [...new Map(random.matches.map((m) => [m.id, m])).values()];
  await db.collection(COLLECTIONS.footdata).insertMany(
    matches.map((m) => ({
      _id: m.id,
      id: m.id,
      utcDate: new Date(BASE + m.hour * HOUR),
      status: m.status,
      competition: { code: m.competition },
      eventId: m.event,
      storedAt: new Date(BASE),
      _kafka: { topic: 'footdata', partition: 0, offset: m.id },
    })) as never[],
  );
  await db.collection(COLLECTIONS.somedataHourly).insertMany(
    random.hours.map(([h, term]) => {
      const hour = new Date(BASE + h * HOUR);
      return { _id: `${hour.toISOString().replace('.000Z', 'Z')}|${term}`, hour, term, events: h };
    }) as never[],
  );
  const letters = random.deadLetters.flatMap(([eventId, copies], i) =>
    Array.from({ length: copies + 1 }, (_, c) => ({
      _id: `${i}:${c}`,
      eventId,
      reason: 'schema-invalid',
      failedAt: new Date(BASE + ((i * 7 + c) % 5) * 1000),
      key: null,
    })),
  );
  if (letters.length) await db.collection(COLLECTIONS.deadLetters).insertMany(letters as never[]);
  await db.collection(COLLECTIONS.somedata).insertOne({ _id: 'not-a-uuid-but-a-key' as never, storedAt: new Date() });
  await db
    .collection(COLLECTIONS.standings)
    .insertMany(
      COMPETITIONS.flatMap((competition) =>
        ['2025', '2026'].map((season) => ({ _id: `${competition}:${season}`, competition, season, table: [] })),
      ) as never[],
    );
  eventIds.push(...matches.slice(0, 5).map((m) => m.event), ...random.deadLetters.slice(0, 5).map(([id]) => id));
  store = storeSource(db);
  views = new ReadViews(db, { refreshMs: 60_000, hourlyRefreshMs: 60_000, maxStalenessMs: 600_000, log: testLogger() });
  await views.start();
});

afterAll(async () => {
  await views?.stop();
  await db?.dropDatabase();
  await client?.close();
});

/** Every page of a list through `source`, each page's items and cursor. */
async function walk<Q extends { cursor?: string | undefined }>(
  read: (source: ReadSource, query: Q) => Promise<{ items: unknown[]; nextCursor: string | null }>,
  source: ReadSource,
  query: Q,
) {
  const pages = [];
  let cursor: string | undefined;
  do {
    const page = await read(source, { ...query, cursor });
    pages.push(page);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && pages.length < 500);
  return pages;
}

const instant = fc.integer({ min: -2, max: 62 }).map((h) => new Date(BASE + h * HOUR).toISOString());
const range = fc.option(fc.tuple(instant, instant).filter(([a, b]) => a < b));

describe(`the views answer what the store answers (seed ${SEED})`, () => {
  it('GET /matches: every page of random filters and page sizes', async () => {
    const query = fc.record(
      {
        competition: fc.constantFrom(...COMPETITIONS, 'BL1'),
        status: fc.constantFrom(...STATUSES),
        range,
        limit: fc.integer({ min: 1, max: 100 }).map(String),
      },
      { requiredKeys: ['limit'] },
    );
    await fc.assert(
      fc.asyncProperty(query, async ({ range: bounds, ...params }) => {
        const parsed = MatchesQuery.parse({ ...params, ...(bounds && { from: bounds[0], to: bounds[1] }) });
        expect(await walk(findMatches, views, parsed)).toEqual(await walk(findMatches, store, parsed));
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('GET /insights/somedata: every page of random filters and page sizes', async () => {
    const query = fc.record(
      { term: fc.constantFrom(...TERMS, 'none'), range, limit: fc.integer({ min: 1, max: 100 }).map(String) },
      { requiredKeys: ['limit'] },
    );
    await fc.assert(
      fc.asyncProperty(query, async ({ range: bounds, ...params }) => {
        const parsed = SomedataInsightsQuery.parse({ ...params, ...(bounds && { from: bounds[0], to: bounds[1] }) });
        expect(await walk(findSomedataHours, views, parsed)).toEqual(await walk(findSomedataHours, store, parsed));
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('GET /events/:eventId, /matches/:id and /standings/:competition: the same answers, unknown ids included', async () => {
    const ids = [...eventIds, '0190d6f2-8d7e-7a1c-9c4e-2b3f4a5b6c7d', 'not-a-uuid-but-a-key'];
    for (const id of ids) expect(await locateEvent(views, id)).toEqual(await locateEvent(store, id));
    const matches = await db.collection(COLLECTIONS.footdata).find({}).limit(5).toArray();
    for (const id of [...matches.map((m) => m._id as unknown as number), 1, 99_999_999])
      expect(await findMatch(views, id)).toEqual(await findMatch(store, id));
    for (const competition of [...COMPETITIONS, 'BL1'])
      for (const season of [undefined, '2025', '2026', '1999'])
        expect(await findStandings(views, competition, season)).toEqual(
          await findStandings(store, competition, season),
        );
  });

  it('a document written after a refresh is answered by the next one', async () => {
    const late = {
      _id: 77_000_001,
      id: 77_000_001,
      utcDate: new Date(BASE),
      status: 'FINISHED',
      competition: { code: 'PL' },
    };
    await db.collection(COLLECTIONS.footdata).insertOne(late as never);
    expect(await findMatch(views, late.id)).toBeNull();
    const refreshing = new ReadViews(db, {
      refreshMs: 100,
      hourlyRefreshMs: 100,
      maxStalenessMs: 60_000,
      log: testLogger(),
    });
    await refreshing.start();
    try {
      expect(await findMatch(refreshing, late.id)).toMatchObject({ id: late.id });
      await db.collection(COLLECTIONS.footdata).deleteOne({ _id: late._id as never });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await findMatch(refreshing, late.id)).toBeNull();
    } finally {
      await refreshing.stop();
    }
  });
});
