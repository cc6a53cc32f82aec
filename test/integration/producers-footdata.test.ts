/**
 * `/footdata` against a local fake of football-data.org: the matches come
 * through as v4 shapes, are cached, the upstream is never called more than 10
 * times a minute, and when it fails the last good answer is served marked
 * stale — a 502 only when there is nothing to serve.
 */
import type { Config } from '../../lib/config';
import type { ErrorBody } from '../../lib/http/error-response';
import { Match } from '../../lib/schemas';
import type { FootdataResponse } from '../../producers/api-schemas';
import type { RunningApi } from '../../producers/service';
import { startFakeFootballData, type FakeFootballData } from '../../harness/fake-football-data';
import { freshTopics, startTestApi, type TopicsUnderTest } from '../../harness/producers';

let topics: TopicsUnderTest;
let fake: FakeFootballData;
const running: RunningApi[] = [];

beforeAll(async () => {
  [topics, fake] = await Promise.all([freshTopics(), startFakeFootballData()]);
});
afterAll(async () => {
  await Promise.all(running.map((api) => api.stop()));
  await fake?.close();
  await topics?.drop();
});
beforeEach(() => fake.reset());

/** A fresh API (so a fresh, empty cache) whose football settings are `football`. */
async function apiWith(football: Partial<Config['football']> = {}): Promise<RunningApi> {
  const config: Config = {
    ...topics.config,
    football: { ...topics.config.football, apiUrl: fake.url, token: fake.token, callsPerMinute: 10, ...football },
  };
  const api = await startTestApi(config);
  running.push(api);
  return api;
}

async function footdata(api: RunningApi) {
  const response = await fetch(`${api.url}/footdata`);
  return {
    status: response.status,
    cache: response.headers.get('x-cache'),
    dataSource: response.headers.get('x-data-source'),
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as FootdataResponse & Partial<ErrorBody>,
  };
}

describe('GET /footdata from football-data.org', () => {
  it('answers the upstream matches as they are, with source, freshness and count', async () => {
    const api = await apiWith();
    const answer = await footdata(api);
    expect(answer).toMatchObject({ status: 200, cache: 'miss', dataSource: 'football-data.org' });
    expect(answer.body).toMatchObject({ source: 'football-data.org', stale: false, count: 3 });
    expect(Date.now() - Date.parse(answer.body.fetchedAt)).toBeLessThan(10_000);
    expect(answer.body.matches).toEqual(fake.matches);
    expect(fake.tokensSeen).toEqual([fake.token]);
  });

  it('serves the cache until the TTL passes, then calls the upstream again', async () => {
    const api = await apiWith({ cacheTtlSec: 1 });
    await footdata(api);
    const cached = await footdata(api);
    expect(cached.cache).toBe('hit');
    expect(fake.calls).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await footdata(api)).cache).toBe('miss');
    expect(fake.calls).toBe(2);
  });

  it('makes one upstream call for 50 concurrent clients', async () => {
    const api = await apiWith();
    fake.setMode('slow', { delayMs: 300 });
    const answers = await Promise.all(Array.from({ length: 50 }, () => footdata(api)));
    expect(answers.every((answer) => answer.status === 200 && answer.body.count === 3)).toBe(true);
    expect(fake.calls).toBe(1);
  });

  it('holds the budget of 10 upstream calls a minute under a burst of 50 client calls, serving stale answers', async () => {
    const api = await apiWith({ cacheTtlSec: 1 });
    expect((await footdata(api)).cache).toBe('miss'); // one call spent, a good answer cached
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // ...and no longer fresh
    fake.setMode('fail'); // every client call now wants the upstream, retries included
    const answers = [];
    for (let wave = 0; wave < 10; wave++)
      answers.push(...(await Promise.all(Array.from({ length: 5 }, () => footdata(api)))));
    expect(answers).toHaveLength(50);
    expect(
      answers.every((answer) => answer.status === 200 && answer.cache === 'stale' && answer.body.stale === true),
    ).toBe(true);
    expect(fake.calls).toBe(10);

    fake.setMode('ok'); // even a healthy upstream is not called again within the minute
    expect((await footdata(api)).cache).toBe('stale');
    expect(fake.calls).toBe(10);
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/football_upstream_calls_total\{outcome="server_error",service="producers"\} 9/);
    expect(metrics).toMatch(/football_answers_total\{cache="stale",service="producers"\} 51/);
  });

  it.each<[string, (f: FakeFootballData) => void, Partial<Config['football']>]>([
    ['answers 500', (f) => f.setMode('fail'), {}],
    ['times out', (f) => f.setMode('slow', { delayMs: 3_000 }), { timeoutMs: 200 }],
    ['answers garbage', (f) => f.setMode('malformed'), {}],
    ['answers non-JSON', (f) => f.setMode('malformed', { body: '<html>502 Bad Gateway</html>' }), {}],
  ])(
    'when the upstream %s: the last good answer, marked stale; 502 JSON when there is none',
    async (_what, breakIt, settings) => {
      const cold = await apiWith(settings);
      breakIt(fake);
      const nothing = await footdata(cold);
      expect(nothing.status).toBe(502);
      expect(nothing.body).toEqual({
        error: { code: 'bad_gateway', message: expect.stringMatching(/no earlier answer is cached/) },
      });

      fake.setMode('ok');
      const warm = await apiWith({ ...settings, cacheTtlSec: 1 });
      const good = await footdata(warm);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      breakIt(fake);
      const stale = await footdata(warm);
      expect(stale).toMatchObject({ status: 200, cache: 'stale', body: { stale: true, count: 3 } });
      expect(stale.body.fetchedAt).toBe(good.body.fetchedAt);
      expect(stale.body.matches).toEqual(good.body.matches);
    },
  );

  it('honours a long Retry-After: no upstream call until it is over, stale answers meanwhile', async () => {
    const api = await apiWith({ cacheTtlSec: 1 });
    await footdata(api);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    fake.setMode('rate-limit', { retryAfterSec: 120 });
    for (let call = 0; call < 5; call++) expect((await footdata(api)).cache).toBe('stale');
    expect(fake.calls).toBe(2);
  });

  it('on a 429 with nothing cached: 502 with Retry-After', async () => {
    const api = await apiWith();
    fake.setMode('rate-limit', { retryAfterSec: 30 });
    const answer = await footdata(api);
    expect(answer.status).toBe(502);
    expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(29);
  });
});

describe('GET /footdata without FOOT_TOKEN', () => {
  it('serves the built-in simulated feed, says so, and never calls the upstream', async () => {
    const api = await apiWith({ token: undefined });
    const answer = await footdata(api);
    expect(answer).toMatchObject({ status: 200, dataSource: 'simulator', body: { source: 'simulator', stale: false } });
    expect(answer.body.count).toBeGreaterThan(0);
    expect(answer.body.count).toBe(answer.body.matches.length);
    for (const match of answer.body.matches) expect(Match.safeParse(match).success).toBe(true);
    expect(fake.calls).toBe(0);
  });
});
