/**
 * The read API (reader/) against the real Kafka and store, with the producers
 * API and the sink in-process on fresh topics and a fresh database:
 *   - GET /events/:eventId answers stored / dead-lettered / unknown for events
 *     sent as real requests through the API, Kafka and the consumer;
 *   - pages stay stable while documents are inserted between them (no item
 *     skipped or repeated);
 *   - bad parameters are a 400 naming the field; unknown ids a 404.
 */
import { v7 as uuidv7 } from 'uuid';
import { COLLECTIONS } from '../../lib/mongo';
import type { RunningApi } from '../../producers/service';
import { startReader, type RunningReader } from '../../reader/service';
import { eventually, freshName, testLogger } from '../../harness/env';
import { startTestApi } from '../../harness/producers';
import { useSink } from '../../harness/sink';

jest.setTimeout(120_000);

// Records over 2 KiB are dead-lettered as too-large: a real request can then end in the DLQ.
// The routes read the store itself (READER_VIEWS=off), as on MongoDB, so a document inserted here is
// answered at once; test/integration/reader-views.test.ts shows the in-memory views answer the same.
const sut = useSink(() => ({
  CONSUMER_MAX_RECORD_BYTES: '2048',
  READER_DLQ_GROUP: freshName('reader-dlq'),
  READER_VIEWS: 'off',
}));
let api: RunningApi;
let reader: RunningReader;
beforeAll(async () => {
  api = await startTestApi(sut.config);
  await sut.start();
  reader = await startReader(sut.config, testLogger('reader'), { port: 0, host: '127.0.0.1', connectRetries: 3 });
});
afterAll(async () => {
  await reader?.stop();
  await api?.stop();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, checked by the assertions
type Json = any;

async function get(path: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${reader.url}${path}`);
  return { status: response.status, body: await response.json() };
}

describe('GET /events/:eventId: where did my request go?', () => {
  it('a stored event: its document, its Kafka topic/partition/offset and its run', async () => {
    const sent = await fetch(`${api.url}/somedata/car?number=2`, { headers: { 'x-run-id': 'manual__reader-test' } });
    expect(sent.status).toBe(200);
    const eventId = sent.headers.get('x-event-id')!;
    const { status, body } = await eventually(async () => {
      const answer = await get(`/events/${eventId}`);
      return answer.status === 200 ? answer : undefined;
    }, `event ${eventId} stored`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      eventId,
      status: 'stored',
      stored: {
        collection: 'somedata',
        kafka: {
          topic: sent.headers.get('x-kafka-topic'),
          partition: Number(sent.headers.get('x-kafka-partition')),
          offset: Number(sent.headers.get('x-kafka-offset')),
        },
        runId: 'manual__reader-test',
        document: { source: 'api', payload: { data: 'car', number: 2 } },
      },
      deadLetters: [],
    });
    expect(Date.parse(body.stored.storedAt)).not.toBeNaN();
  });

  it('a dead-lettered event: the reason and when, found through the DLQ copy', async () => {
    // 100 items of 64 characters: far over the consumer's 2 KiB record limit.
    const sent = await fetch(`${api.url}/somedata/${'x'.repeat(64)}?number=100`);
    expect(sent.status).toBe(200);
    const eventId = sent.headers.get('x-event-id')!;
    const { body } = await eventually(async () => {
      const answer = await get(`/events/${eventId}`);
      return answer.status === 200 ? answer : undefined;
    }, `event ${eventId} dead-lettered`);
    expect(body.status).toBe('dead-lettered');
    expect(body.stored).toBeUndefined();
    expect(body.deadLetters).toHaveLength(1);
    expect(body.deadLetters[0]).toMatchObject({
      reason: 'too-large',
      origin: { topic: sut.config.kafka.topics.somedata, offset: Number(sent.headers.get('x-kafka-offset')) },
      dlq: { topic: sut.config.kafka.topics.dlq },
    });
    expect(Date.parse(body.deadLetters[0].failedAt)).not.toBeNaN();
  });

  it('an unknown event: 404 unknown_event', async () => {
    const { status, body } = await get(`/events/${uuidv7()}`);
    expect(status).toBe(404);
    expect(body.error.code).toBe('unknown_event');
  });
});

function storedMatch(id: number, utcDate: Date, code = 'PL', status = 'FINISHED') {
  return {
    _id: id,
    id,
    utcDate,
    status,
    lastUpdated: utcDate,
    competition: { id: 2021, name: 'Premier League', code },
    homeTeam: { id: 1, name: 'Arsenal' },
    awayTeam: { id: 2, name: 'Chelsea' },
    score: { fullTime: { home: 1, away: 0 } },
    eventId: uuidv7(),
    runId: null,
    storedAt: new Date(),
    _kafka: { topic: 'footdata', partition: 0, offset: id },
  };
}

/** Walk every page of `path` with `limit`, calling `between` after each page; the ids seen, in order. */
async function walk(path: string, id: (item: Json) => string, between: (page: number) => Promise<void>) {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1_000; page++) {
    const separator = path.includes('?') ? '&' : '?';
    const { status, body } = await get(`${path}${cursor ? `${separator}cursor=${cursor}` : ''}`);
    expect(status).toBe(200);
    seen.push(...body.items.map(id));
    cursor = body.nextCursor;
    if (!cursor) return seen;
    await between(page);
  }
  throw new Error('more than 1,000 pages');
}

describe('pagination', () => {
  it('GET /matches pages skip and repeat nothing while matches are inserted between pages', async () => {
    const base = Date.parse('2026-11-01T12:00:00Z');
    const hour = 3_600_000;
    // Several matches share a kick-off: the id breaks the tie.
    const initial = Array.from({ length: 60 }, (_, i) =>
      storedMatch(900_000 + i, new Date(base + Math.floor(i / 4) * hour)),
    );
    await sut.db.collection(COLLECTIONS.footdata).insertMany(initial as never[]);
    let next = 950_000;
    const seen = await walk(
      '/matches?competition=PL&limit=7',
      (m) => String(m.id),
      async (page) => {
        // Before, at and after the pages already read, concurrently with the walk.
        const when = [base - hour, base + (page % 15) * hour, base + 30 * hour];
        await sut.db
          .collection(COLLECTIONS.footdata)
          .insertMany(when.map((t) => storedMatch(next++, new Date(t))) as never[]);
      },
    );
    expect(new Set(seen).size).toBe(seen.length);
    for (const match of initial) expect(seen).toContain(String(match.id));
    // In kick-off order, then id.
    const order = await sut.db
      .collection(COLLECTIONS.footdata)
      .find({ _id: { $in: seen.map(Number) as never[] } })
      .sort({ utcDate: 1, _id: 1 })
      .toArray();
    expect(seen).toEqual(order.map((m) => String(m._id)));
  });

  it('GET /matches filters by status and kick-off range', async () => {
    const at = new Date('2030-01-01T10:00:00Z');
    await sut.db
      .collection(COLLECTIONS.footdata)
      .insertMany([storedMatch(990_001, at, 'FL1', 'IN_PLAY'), storedMatch(990_002, at, 'FL1')] as never[]);
    const { body } = await get('/matches?competition=FL1&status=IN_PLAY&from=2030-01-01&to=2030-01-02');
    expect(body.items.map((m: Json) => m.id)).toEqual([990_001]);
    expect(body.nextCursor).toBeNull();
    expect((await get('/matches/990002')).body).toMatchObject({ id: 990_002, status: 'FINISHED' });
  });

  it('GET /insights/somedata pages skip and repeat nothing while hours are inserted between pages', async () => {
    const hours = COLLECTIONS.somedataHourly;
    const doc = (hour: Date, term: string) => ({
      _id: `${hour.toISOString().replace('.000Z', 'Z')}|${term}`,
      hour,
      term,
      events: 3,
      bySource: [{ source: 'api', events: 3 }],
    });
    const base = Date.parse('2026-11-24T00:00:00Z');
    const initial = Array.from({ length: 45 }, (_, i) =>
      doc(new Date(base + Math.floor(i / 5) * 3_600_000), `t${i % 5}`),
    );
    await sut.db.collection(hours).insertMany(initial as never[]);
    let n = 0;
    const seen = await walk(
      '/insights/somedata?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z&limit=4',
      (d) => `${d.hour}|${d.term}`,
      async (page) => {
        await sut.db.collection(hours).insertOne(doc(new Date(base + (page % 9) * 3_600_000), `new${n++}`) as never);
      },
    );
    expect(new Set(seen).size).toBe(seen.length);
    for (const d of initial) expect(seen).toContain(`${d.hour.toISOString()}|${d.term}`);
    const one = await get('/insights/somedata?term=t3&from=2026-11-24T02:00:00Z&to=2026-11-24T03:00:00Z');
    expect(one.body.items).toEqual([
      { hour: '2026-11-24T02:00:00.000Z', term: 't3', events: 3, bySource: [{ source: 'api', events: 3 }] },
    ]);
  });
});

describe('GET /standings/:competition', () => {
  it('answers the latest season computed, with when and from how many matches', async () => {
    const table = (season: string, matches: number) => ({
      _id: `BL1:${season}`,
      competition: 'BL1',
      competitionName: 'Bundesliga',
      season,
      interval: { start: new Date('2026-11-24T10:00:00Z'), end: new Date('2026-11-24T11:00:00Z') },
      asOf: new Date('2026-11-24T11:00:00Z'),
      matches,
      table: [],
    });
    await sut.db.collection(COLLECTIONS.standings).insertMany([table('2025', 306), table('2026', 12)] as never[]);
    const latest = await get('/standings/BL1');
    expect(latest.body).toMatchObject({ season: '2026', matches: 12, asOf: '2026-11-24T11:00:00.000Z' });
    expect((await get('/standings/BL1?season=2025')).body.matches).toBe(306);
  });
});

describe('bad parameters are a 400 naming the field; unknown ids a 404', () => {
  const garbageCursor = Buffer.from('{"not":"a key"}').toString('base64url');
  it.each([
    ['/matches?limit=0', 'limit'],
    ['/matches?limit=101', 'limit'],
    ['/matches?limit=99999999999', 'limit'],
    ['/matches?limit=1e2', 'limit'],
    ['/matches?limit=5&limit=6', 'limit'],
    ['/matches?status=DONE', 'status'],
    ['/matches?competition=P%20L', 'competition'],
    ['/matches?from=yesterday', 'from'],
    ['/matches?from=2026-02-30', 'from'],
    ['/matches?to=99999-01-01', 'to'],
    ['/matches?from=2026-11-25&to=2026-11-24', 'to'],
    ['/matches?cursor=%24%24', 'cursor'],
    [`/matches?cursor=${garbageCursor}`, 'cursor'],
    ['/matches?sort=id', 'sort'],
    ['/matches/abc', 'id'],
    ['/matches/0', 'id'],
    ['/matches/1234567890123456789', 'id'],
    ['/standings/P$L', 'competition'],
    [`/standings/${'x'.repeat(33)}`, 'competition'],
    ['/standings/PL?season=26', 'season'],
    ['/insights/somedata?term=a.b', 'term'],
    [`/insights/somedata?term=${'a'.repeat(65)}`, 'term'],
    ['/insights/somedata?limit=-1', 'limit'],
    ['/insights/somedata?from=2026-11-24T10:00:00', 'from'],
    ['/events/not-a-uuid', 'eventId'],
  ])('%s → 400 naming %s', async (path, field) => {
    const { status, body } = await get(path);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'invalid_request', field });
    expect(body.error.message).toMatch(new RegExp(`^${field}: `));
  });

  it.each([['/matches/424242424'], ['/standings/NOPE'], ['/standings/PL?season=1999'], [`/events/${uuidv7()}`]])(
    '%s → 404',
    async (path) => {
      const { status, body } = await get(path);
      expect(status).toBe(404);
      expect(body.error.code).toMatch(/not_found|unknown_event/);
    },
  );

  it('documents every route in /openapi.json', async () => {
    const { body } = await get('/openapi.json');
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        '/matches',
        '/matches/{id}',
        '/standings/{competition}',
        '/insights/somedata',
        '/events/{eventId}',
      ]),
    );
  });
});
