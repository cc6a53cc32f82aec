import { UpstreamError, ValidationError } from '../../lib/errors';
import type { Match } from '../../lib/schemas';
import { FootdataFeed } from './feed';
import { simulateMatches } from './simulator';
import type { FetchedMatches, MatchSource } from './source';

const matches = simulateMatches(Date.UTC(2026, 10, 24, 18)).slice(0, 2);

/** A source whose next answers the test decides. */
function scriptedSource() {
  const source = {
    name: 'football-data.org' as const,
    calls: 0,
    next: async (): Promise<Match[]> => matches,
    fetchMatches: async (): Promise<FetchedMatches> => {
      source.calls++;
      return { matches: await source.next(), rejected: [] };
    },
    fetchSeason: async (): Promise<FetchedMatches> => {
      source.calls++;
      return { matches: await source.next(), rejected: [] };
    },
  };
  return source satisfies MatchSource;
}

describe('the footdata feed', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('fetches once, then serves the cache until the TTL passes', async () => {
    const source = scriptedSource();
    const feed = new FootdataFeed({ source, cacheTtlSec: 60, now: clock });
    expect((await feed.get()).cache).toBe('miss');
    now += 59_000;
    const hit = await feed.get();
    expect(hit).toMatchObject({ cache: 'hit', body: { source: 'football-data.org', stale: false, count: 2 } });
    now += 1_000;
    expect((await feed.get()).cache).toBe('miss');
    expect(source.calls).toBe(2);
  });

  it('lets concurrent callers share one upstream call', async () => {
    const source = scriptedSource();
    let release!: () => void;
    source.next = () => new Promise((resolve) => (release = () => resolve(matches)));
    const feed = new FootdataFeed({ source, now: clock });
    const answers = Array.from({ length: 20 }, () => feed.get());
    release();
    expect((await Promise.all(answers)).every((answer) => answer.body.count === 2)).toBe(true);
    expect(source.calls).toBe(1);
  });

  it('counts the matches the source left out, in fresh and cached answers alike', async () => {
    const source = scriptedSource();
    source.fetchMatches = async () => ({
      matches,
      rejected: [{ id: 7, field: 'score', problem: 'score: expected object, received null' }],
    });
    const feed = new FootdataFeed({ source, cacheTtlSec: 60, now: clock });
    expect(await feed.get()).toMatchObject({ cache: 'miss', rejected: 1, body: { count: 2 } });
    expect(await feed.get()).toMatchObject({ cache: 'hit', rejected: 1 });
  });

  it('serves the last good answer marked stale when the upstream fails, and 502 when it has none', async () => {
    const source = scriptedSource();
    source.next = () => Promise.reject(new UpstreamError('football-data.org answered 500'));
    const feed = new FootdataFeed({ source, cacheTtlSec: 1, now: clock });
    // The 502 says what the upstream did, not a guess.
    await expect(feed.get()).rejects.toThrow(/^football-data.org answered 500 and no earlier answer is cached/);
    source.next = () => Promise.reject(new TypeError('a bug'));
    await expect(feed.get()).rejects.toThrow(/^football-data.org failed and no earlier answer is cached/);

    source.next = async () => matches;
    const fresh = await feed.get();
    now += 5_000;
    source.next = () => Promise.reject(new UpstreamError('down'));
    const stale = await feed.get();
    expect(stale).toMatchObject({ cache: 'stale', body: { stale: true, fetchedAt: fresh.body.fetchedAt, count: 2 } });
  });

  it('does not call an upstream that asked to wait (Retry-After) until the wait is over', async () => {
    const source = scriptedSource();
    source.next = () => Promise.reject(new UpstreamError('429', { retryAfterMs: 30_000 }));
    const feed = new FootdataFeed({ source, now: clock });
    await expect(feed.get()).rejects.toMatchObject({ retryAfterMs: 30_000 });
    await expect(feed.get()).rejects.toThrow(/asked us to wait/);
    expect(source.calls).toBe(1);
    now += 30_000;
    source.next = async () => matches;
    expect((await feed.get()).cache).toBe('miss');
  });
});

describe("the footdata feed's season", () => {
  let now = 5_000_000;
  const clock = () => now;

  it('asks the source each time (no cache), one call for concurrent askers of the same season', async () => {
    const source = scriptedSource();
    const feed = new FootdataFeed({ source, now: clock });
    const [a, b] = await Promise.all([
      feed.season({ competition: 'PL', season: 2026 }),
      feed.season({ competition: 'PL', season: 2026 }),
    ]);
    expect(a).toBe(b);
    expect(a.body).toMatchObject({ competition: 'PL', season: 2026, count: 2, rejected: 0 });
    await feed.season({ competition: 'PL' });
    expect(source.calls).toBe(2);
  });

  it('answers a spent budget with its wait, and then does not call until it is over', async () => {
    const source = scriptedSource();
    source.next = () => Promise.reject(new UpstreamError('the budget is spent', { retryAfterMs: 20_000 }));
    const feed = new FootdataFeed({ source, now: clock });
    await expect(feed.season({ competition: 'PL' })).rejects.toMatchObject({ retryAfterMs: 20_000 });
    now += 5_000;
    await expect(feed.season({ competition: 'PL' })).rejects.toMatchObject({ retryAfterMs: 15_000 });
    expect(source.calls).toBe(1);
  });

  it('passes a refusal of the competition asked for through as a bad request', async () => {
    const source = scriptedSource();
    source.next = () => Promise.reject(new ValidationError('no such competition', 'competition'));
    const feed = new FootdataFeed({ source, now: clock });
    await expect(feed.season({ competition: 'XX1' })).rejects.toBeInstanceOf(ValidationError);
  });
});
