/**
 * What `GET /footdata` serves: today's matches from a MatchSource
 * (football-data.org or the simulator) behind a cache. A fresh answer is served
 * from the cache; concurrent callers share one in-flight upstream call; when the
 * upstream fails, asks us to wait (Retry-After) or its budget is spent, the last
 * good answer is served marked stale; an UpstreamError (502) only when there is
 * nothing to serve, saying what the upstream did (its error's own message).
 * Matches the source left out as not fitting the schema are counted in the
 * answer (`X-Matches-Rejected`).
 *
 * A competition's season (`season()`) is not cached: a backfill asks for it
 * once. Concurrent callers of the same season share one call; the budget and a
 * Retry-After the upstream asked for hold as for the day's matches, and when
 * either stops the call the answer is a 502 with Retry-After, which the
 * workers' footdata-season routine waits out.
 */
import { describeError, UpstreamError, ValidationError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { FootdataSeasonResponse, Match } from '../../lib/schemas';
import type { FootdataResponse } from '../api-schemas';
import type { CacheStatus, FootballMetrics } from './metrics';
import type { MatchSource, SeasonRequest } from './source';

export interface FootdataFeedOptions {
  source: MatchSource;
  /** How long an answer is served as fresh, in seconds. Default: 60. */
  cacheTtlSec?: number;
  log?: Logger;
  metrics?: FootballMetrics;
  /** Clock, injectable for tests. Default: Date.now. */
  now?: () => number;
}

export interface FootdataAnswer {
  body: FootdataResponse;
  /** For the `X-Cache` header. */
  cache: Exclude<CacheStatus, 'none'>;
  /** Matches of the upstream answer left out as not fitting the schema (`X-Matches-Rejected`). */
  rejected: number;
}

interface Snapshot {
  matches: Match[];
  rejected: number;
  fetchedAt: number;
}

/** What went wrong, in the words of the first UpstreamError of the chain (our own messages, never a secret). */
function failureOf(error: unknown, source: string): string {
  for (let current = error; typeof current === 'object' && current !== null; current = (current as Error).cause) {
    if (current instanceof UpstreamError) return current.message;
  }
  return `${source} failed`;
}

/** The wait an error (or the error it wraps) asked for. */
function retryAfterOf(error: unknown): number | undefined {
  for (let current = error; typeof current === 'object' && current !== null; current = (current as Error).cause) {
    const asked = (current as { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof asked === 'number') return asked;
  }
  return undefined;
}

export interface SeasonAnswer {
  body: FootdataSeasonResponse;
  rejected: number;
}

export class FootdataFeed {
  private readonly ttlMs: number;
  private readonly now: () => number;
  private last?: Snapshot;
  private inFlight?: Promise<Snapshot>;
  private readonly seasonsInFlight = new Map<string, Promise<SeasonAnswer>>();
  /** The upstream asked us (Retry-After) not to call before this time. */
  private quietUntil = 0;

  constructor(private readonly options: FootdataFeedOptions) {
    this.ttlMs = (options.cacheTtlSec ?? 60) * 1000;
    this.now = options.now ?? Date.now;
  }

  get sourceName(): MatchSource['name'] {
    return this.options.source.name;
  }

  async get(): Promise<FootdataAnswer> {
    const now = this.now();
    if (this.last && now - this.last.fetchedAt < this.ttlMs) return this.answer(this.last, 'hit');
    if (now < this.quietUntil) return this.fallback(undefined, this.quietUntil - now);
    try {
      return this.answer(await this.refresh(), 'miss');
    } catch (error) {
      return this.fallback(error, retryAfterOf(error));
    }
  }

  /** A competition's season, straight from the source (one call per season at a time). */
  season(request: SeasonRequest): Promise<SeasonAnswer> {
    const key = `${request.competition}:${request.season ?? 'current'}`;
    let answer = this.seasonsInFlight.get(key);
    if (!answer) {
      answer = this.fetchSeason(request).finally(() => this.seasonsInFlight.delete(key));
      this.seasonsInFlight.set(key, answer);
    }
    return answer;
  }

  private async fetchSeason(request: SeasonRequest): Promise<SeasonAnswer> {
    const source = this.options.source.name;
    const waitMs = this.quietUntil - this.now();
    if (waitMs > 0) throw new UpstreamError(`${source} asked us to wait`, { retryAfterMs: waitMs });
    try {
      const { matches, rejected } = await this.options.source.fetchSeason(request);
      return {
        rejected: rejected.length,
        body: {
          source,
          competition: request.competition,
          season: request.season ?? null,
          fetchedAt: new Date(this.now()).toISOString(),
          count: matches.length,
          rejected: rejected.length,
          matches,
        },
      };
    } catch (error) {
      if (error instanceof ValidationError) throw error; // the competition or season asked for is refused: a 400
      const retryAfterMs = retryAfterOf(error);
      if (retryAfterMs !== undefined) this.quietUntil = Math.max(this.quietUntil, this.now() + retryAfterMs);
      this.options.log?.warn(
        { reason: describeError(error), retryAfterMs, competition: request.competition, season: request.season },
        'football source failed on a season',
      );
      throw new UpstreamError(failureOf(error, source), {
        cause: error,
        ...(retryAfterMs !== undefined && { retryAfterMs }),
      });
    }
  }

  /** One upstream call at a time; everyone asking meanwhile waits for the same one. */
  private refresh(): Promise<Snapshot> {
    this.inFlight ??= this.options.source
      .fetchMatches()
      .then(({ matches, rejected }) => {
        this.last = { matches, rejected: rejected.length, fetchedAt: this.now() };
        return this.last;
      })
      .catch((error: unknown) => {
        const retryAfterMs = retryAfterOf(error);
        if (retryAfterMs !== undefined) this.quietUntil = Math.max(this.quietUntil, this.now() + retryAfterMs);
        this.options.log?.warn(
          { reason: describeError(error), retryAfterMs, cached: Boolean(this.last) },
          'football source failed',
        );
        throw error;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  /** The last good answer marked stale, or a 502 when there is none. */
  private fallback(error: unknown, retryAfterMs: number | undefined): FootdataAnswer {
    if (this.last) return this.answer(this.last, 'stale');
    this.options.metrics?.answers.inc({ cache: 'none' });
    const source = this.options.source.name;
    const why = error === undefined ? `${source} asked us to wait` : failureOf(error, source);
    throw new UpstreamError(`${why} and no earlier answer is cached; try again later`, {
      ...(retryAfterMs !== undefined && { retryAfterMs }),
      ...(error !== undefined && { cause: error }),
    });
  }

  private answer(snapshot: Snapshot, cache: FootdataAnswer['cache']): FootdataAnswer {
    this.options.metrics?.answers.inc({ cache });
    return {
      cache,
      rejected: snapshot.rejected,
      body: {
        source: this.options.source.name,
        stale: cache === 'stale',
        fetchedAt: new Date(snapshot.fetchedAt).toISOString(),
        count: snapshot.matches.length,
        matches: snapshot.matches,
      },
    };
  }
}
