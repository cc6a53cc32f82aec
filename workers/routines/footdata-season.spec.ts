import { createServer, type Server } from 'node:http';
import { isTransient } from '../../lib/transient';
import { closeServer, serverPort } from '../../lib/observability';
import type { Publisher } from '../../lib/kafka/publisher';
import type { Match } from '../../lib/schemas';
import { fakeSeason, FL1 } from '../../harness/football-data-fixtures';
import { produceFootdataSeason, type FootdataSeasonRoutineOptions } from './footdata-season';

const NOW = Date.UTC(2026, 11, 7, 12);
const seasons: Record<string, Match[]> = {
  PL: fakeSeason().slice(0, 5) as Match[],
  FL1: (fakeSeason().slice(0, 3) as Match[]).map(
    (match) => ({ ...match, id: match.id + 100, competition: FL1 }) as Match,
  ),
};

/** The API's season route, scripted: `answers[code]` are the statuses of its next calls (then 200). */
let answers: Record<string, { status: number; retryAfter?: string }[]> = {};
const asked: string[] = [];
let server: Server;
let apiUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://api');
    const code = /^\/footdata\/competitions\/([^/]+)\/matches$/.exec(url.pathname)?.[1] ?? '';
    asked.push(`${code}${url.search}`);
    const next = answers[code]?.shift();
    if (next) {
      res.writeHead(next.status, {
        'content-type': 'application/json',
        ...(next.retryAfter && { 'retry-after': next.retryAfter }),
      });
      res.end(JSON.stringify({ error: { code: 'bad_gateway', message: 'the budget is spent' } }));
      return;
    }
    const matches = seasons[code] ?? [];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        source: 'simulator',
        competition: code,
        season: 2026,
        fetchedAt: new Date(NOW).toISOString(),
        count: matches.length,
        rejected: 1,
        matches,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${serverPort(server)}`;
});
afterAll(() => closeServer(server));
beforeEach(() => {
  answers = {};
  asked.length = 0;
});

/** A publisher that acknowledges every event at the next offset, and records the most it held at once. */
function fakePublisher() {
  const keys: string[] = [];
  let inFlight = 0;
  let most = 0;
  const publisher = {
    publishEvent: async (_topic: string, event: { payload: Match }) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      keys.push(String(event.payload.id));
      return { partition: 0, offset: String(keys.length - 1) };
    },
  };
  return { publisher: publisher as unknown as Publisher, keys, most: () => most };
}

const run = (overrides: Partial<FootdataSeasonRoutineOptions> = {}) => {
  const sink = fakePublisher();
  const progress: unknown[] = [];
  const result = produceFootdataSeason({
    apiUrl,
    publisher: sink.publisher,
    topic: 'footdata',
    competitions: ['PL', 'FL1'],
    season: 2026,
    runId: 'manual__season',
    source: 'job:1',
    onProgress: (p) => void progress.push(p),
    ...overrides,
  });
  return { sink, progress, result };
};

describe('the footdata-season routine', () => {
  it('publishes every match of each season once, naming each competition done in its progress', async () => {
    const { sink, progress, result } = run({ sliceSize: 2 });
    const done = await result;
    expect(asked).toEqual(['PL?season=2026', 'FL1?season=2026']);
    expect(sink.keys).toEqual([...seasons.PL!, ...seasons.FL1!].map((m) => String(m.id)));
    expect(sink.most()).toBeLessThanOrEqual(2);
    expect(done).toMatchObject({ published: 8, failed: 0, done: ['PL', 'FL1'], rejected: 2 });
    expect(done.matches).toHaveLength(8);
    expect(progress).toMatchObject([
      { done: ['PL'], percent: 50 },
      { done: ['PL', 'FL1'], percent: 100 },
    ]);
  });

  it('skips the competitions an earlier attempt published', async () => {
    const { sink, result } = run({ done: ['PL'] });
    await expect(result).resolves.toMatchObject({ published: 3, done: ['PL', 'FL1'] });
    expect(asked).toEqual(['FL1?season=2026']);
    expect(sink.keys).toHaveLength(3);
  });

  it('waits out the Retry-After of a spent budget mid-backfill, then goes on, publishing nothing twice', async () => {
    answers.FL1 = [{ status: 502, retryAfter: '1' }];
    const started = Date.now();
    const { sink, result } = run({ retries: 2 });
    await expect(result).resolves.toMatchObject({ published: 8, done: ['PL', 'FL1'] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(asked).toEqual(['PL?season=2026', 'FL1?season=2026', 'FL1?season=2026']);
    expect(new Set(sink.keys).size).toBe(sink.keys.length);
  });

  it('fails retriable once its waits are spent, after reporting what is done', async () => {
    answers.FL1 = [
      { status: 502, retryAfter: '1' },
      { status: 502, retryAfter: '1' },
    ];
    const { progress, result } = run({ retries: 1, maxWaitMs: 10 });
    const error = await result.catch((caught: unknown) => caught);
    expect(String(error)).toMatch(/the season of FL1 was not served/);
    expect(isTransient(error)).toBe(true);
    expect(progress).toMatchObject([{ done: ['PL'], published: 5 }]);
  });

  it('fails at once, not retriable, on a refusal (400)', async () => {
    answers.PL = [{ status: 400 }];
    const { result } = run();
    const error = await result.catch((caught: unknown) => caught);
    expect(String(error)).toMatch(/answered 400: the budget is spent/);
    expect(isTransient(error)).toBe(false);
    expect(asked).toEqual(['PL?season=2026']);
  });
});
