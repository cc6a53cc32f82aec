import { Writable } from 'node:stream';
import { UpstreamError, ValidationError } from '../../lib/errors';
import { createLogger } from '../../lib/logger';
import { fakeSeason, startFakeFootballData, type FakeFootballData } from '../../harness/fake-football-data';
import { Registry } from 'prom-client';
import { BudgetSpentError, FootballDataClient, parseRetryAfter } from './client';
import { createFootballMetrics } from './metrics';
import { RateBudget } from './rate-budget';

let fake: FakeFootballData;
const logLines: string[] = [];
const log = createLogger({
  service: 'test',
  level: 'debug',
  destination: new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  }),
});

beforeAll(async () => {
  fake = await startFakeFootballData();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const client = (overrides: Partial<ConstructorParameters<typeof FootballDataClient>[0]> = {}) =>
  new FootballDataClient({
    baseUrl: fake.url,
    token: fake.token,
    initialDelayMs: 5,
    timeoutMs: 500,
    log,
    ...overrides,
  });

describe('the football-data.org client', () => {
  it('sends the token as X-Auth-Token and returns the schema-checked matches', async () => {
    const { matches, rejected } = await client().fetchMatches();
    expect(rejected).toEqual([]);
    expect(matches.map((match) => match.id)).toEqual([537_801, 538_112, 537_806]);
    expect(matches[0]).toHaveProperty('referees'); // upstream fields it does not model are kept
    expect(fake.tokensSeen).toEqual([fake.token]);
  });

  it('retries a 500 with backoff and succeeds when the upstream recovers', async () => {
    fake.setMode('fail', { times: 2 });
    await expect(client().fetchMatches()).resolves.toMatchObject({ matches: { length: 3 } });
    expect(fake.calls).toBe(3);
  });

  it('waits out a short Retry-After on 429, then calls again', async () => {
    fake.setMode('rate-limit', { times: 1, retryAfterSec: 1 });
    const started = Date.now();
    await expect(client({ maxRetryAfterMs: 1_500 }).fetchMatches()).resolves.toMatchObject({ matches: { length: 3 } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(fake.calls).toBe(2);
  });

  it('does not wait out a long Retry-After: fails at once, carrying it for the caller', async () => {
    fake.setMode('rate-limit', { retryAfterSec: 60 });
    await expect(client().fetchMatches()).rejects.toMatchObject({ retryAfterMs: 60_000 });
    expect(fake.calls).toBe(1);
  });

  it('gives up on a slow upstream after its timeout and retries', async () => {
    fake.setMode('slow', { delayMs: 1_000 });
    await expect(client({ timeoutMs: 100, retries: 1 }).fetchMatches()).rejects.toThrow(/did not answer in time/);
    expect(fake.calls).toBe(2);
  });

  it('refuses malformed data without retrying', async () => {
    fake.setMode('malformed');
    await expect(client().fetchMatches()).rejects.toThrow(
      /^football-data\.org answered 1 match\(es\), none of which fits the v4 schema \(match x: id: /,
    );
    fake.setMode('malformed', { body: '<html>oops</html>' });
    await expect(client().fetchMatches()).rejects.toBeInstanceOf(UpstreamError);
    expect(fake.calls).toBe(2);
  });

  it('leaves out the matches that do not fit the schema, naming each one and its field, and serves the others', async () => {
    const registry = new Registry();
    const metrics = createFootballMetrics(registry);
    const [good, other] = fake.matches;
    fake.matches = [
      good!,
      { ...other!, score: null },
      { ...good!, id: 9, utcDate: 'soon' },
      'not a match' as unknown as Record<string, unknown>,
    ];
    logLines.length = 0;
    const { matches, rejected } = await client({ metrics }).fetchMatches();
    expect(matches.map((match) => match.id)).toEqual([537_801]);
    expect(rejected).toEqual([
      { id: 538_112, field: 'score', problem: expect.stringMatching(/^score: /) },
      { id: 9, field: 'utcDate', problem: expect.stringMatching(/^utcDate: /) },
      { id: null, field: 'match', problem: expect.any(String) },
    ]);
    const warnings = logLines.map((line) => JSON.parse(line)).filter((entry) => entry.msg.startsWith('match rejected'));
    expect(warnings.map(({ matchId, field }) => ({ matchId, field }))).toEqual([
      { matchId: 538_112, field: 'score' },
      { matchId: 9, field: 'utcDate' },
      { matchId: null, field: 'match' },
    ]);
    expect(await registry.metrics()).toMatch(/football_matches_rejected_total\{field="score"\} 1/);
    expect(fake.calls).toBe(1);
  });

  it('fails, saying so, on an answer that is no list of matches', async () => {
    fake.setMode('malformed', { body: JSON.stringify({ matches: 'none today' }) });
    await expect(client().fetchMatches()).rejects.toThrow(
      /^football-data\.org answered no list of matches \(matches: /,
    );
  });

  it('does not retry a refused token', async () => {
    await expect(client({ token: 'wrong' }).fetchMatches()).rejects.toThrow(/refused the call \(403\)/);
    expect(fake.calls).toBe(1);
  });

  it('never calls beyond its budget, retries included', async () => {
    fake.setMode('fail');
    const budget = new RateBudget({ limit: 4 });
    const limited = client({ budget, retries: 10 });
    await expect(limited.fetchMatches()).rejects.toBeInstanceOf(BudgetSpentError);
    await expect(limited.fetchMatches()).rejects.toBeInstanceOf(BudgetSpentError);
    expect(fake.calls).toBe(4);
  });

  it('never writes the token to a log line', async () => {
    fake.setMode('fail', { times: 1 });
    await client().fetchMatches();
    await client({ token: 'wrong' })
      .fetchMatches()
      .catch(() => undefined);
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain(fake.token);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('30')).toBe(30_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.UTC(2015, 9, 21, 7, 28, 0))).toBe(10_000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe("the football-data.org client's season call", () => {
  it('asks /competitions/{code}/matches?season=YYYY and leaves out, each with its reason, what is no match of that season', async () => {
    const { matches, rejected } = await client().fetchSeason({ competition: 'PL', season: 2026 });
    expect(fake.seasonCalls).toEqual(['/v4/competitions/PL/matches?season=2026']);
    expect(matches.map((match) => match.id)).toEqual([900_001, 900_002, 900_003, 900_004, 900_005, 900_006, 900_007]);
    expect(rejected).toEqual([
      { id: 900_008, field: 'utcDate', problem: expect.stringMatching(/9999-12-31T15:00:00Z is outside the season/) },
      { id: 900_009, field: 'status', problem: expect.stringMatching(/^status: /) },
      { id: 900_010, field: 'competition', problem: 'competition FL1, not PL as asked' },
    ]);
  });

  it('asks for the current season when none is given', async () => {
    fake.seasons.set('PL:current', fake.seasons.get('PL:2026')!.slice(0, 2));
    await expect(client().fetchSeason({ competition: 'PL' })).resolves.toMatchObject({ matches: { length: 2 } });
    expect(fake.seasonCalls).toEqual(['/v4/competitions/PL/matches']);
  });

  it('takes 10,000 matches, and refuses an answer of more as no season at all', async () => {
    const many = (count: number) =>
      Array.from({ length: count }, (_, index) => ({ ...(fakeSeason()[0] as object), id: 1_000_000 + index }));
    fake.seasons.set('PL:2026', many(10_000));
    await expect(client().fetchSeason({ competition: 'PL', season: 2026 })).resolves.toMatchObject({
      matches: { length: 10_000 },
      rejected: [],
    });
    fake.seasons.set('PL:2026', many(10_001));
    await expect(client().fetchSeason({ competition: 'PL', season: 2026 })).rejects.toThrow(
      /answered 10001 matches for \/competitions\/PL\/matches, more than the 10000 one season can hold/,
    );
  });

  it('takes its calls from the same budget as the day’s matches', async () => {
    const budget = new RateBudget({ limit: 2 });
    const limited = client({ budget, retries: 0 });
    await limited.fetchMatches();
    await limited.fetchSeason({ competition: 'PL', season: 2026 });
    await expect(limited.fetchSeason({ competition: 'PL', season: 2026 })).rejects.toBeInstanceOf(BudgetSpentError);
    expect(fake.calls).toBe(2);
  });

  it('refuses a code or a season it must not send, without a call', async () => {
    await expect(client().fetchSeason({ competition: '../matches', season: 2026 })).rejects.toThrow(/competition code/);
    await expect(client().fetchSeason({ competition: 'PL', season: 9999 })).rejects.toThrow(/2100/);
    expect(fake.calls).toBe(0);
  });

  it('fails, not retrying, on a competition the upstream does not know (404): a bad request of the caller', async () => {
    const refused = client().fetchSeason({ competition: 'XX1', season: 2026 });
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toThrow('football-data.org refused the season 2026 of XX1 (404)');
    expect(fake.calls).toBe(1);
  });
});
