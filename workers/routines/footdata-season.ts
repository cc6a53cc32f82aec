/**
 * The season backfill: for each competition, its season from the API's
 * `/footdata/competitions/:competition/matches?season=YYYY`, then one Kafka
 * record per match (keyed by match id, envelope type footdata) through the
 * same publisher and topic as the day's poll (footdata.ts), stamped with runId
 * and source. The sink keeps one document per match, the newest state, so
 * publishing a season again changes nothing it already holds.
 *
 * The API answers 502 with Retry-After when football-data.org's budget is
 * spent (or it asked us to wait): the routine waits that long and asks again,
 * a few times, before it fails (retriable: the job is tried again). Each
 * competition done is named in the progress (`done`), so a later attempt of
 * the job skips it instead of publishing it twice.
 */
import { describeError, RetriesExhaustedError, UpstreamError } from '../../lib/errors';
import { parseRetryAfter } from '../../lib/http/retry-after';
import type { Publisher } from '../../lib/kafka/publisher';
import type { Logger } from '../../lib/logger';
import { retry } from '../../lib/retry';
import { FootdataSeasonResponse } from '../../lib/schemas';
import { validate } from '../../lib/validate';
import { publishMatches, type FootdataRoutineResult } from './footdata';
import { checkOrigin, Tally, type RoutineOptions } from './routine';

export interface FootdataSeasonRoutineOptions extends RoutineOptions {
  /** Base URL of the API, e.g. config.api.url. */
  apiUrl: string;
  /** A connected publisher (the caller owns it). */
  publisher: Publisher;
  /** The footdata topic (config.kafka.topics.footdata). */
  topic: string;
  /** Competition codes, each published once. */
  competitions: readonly string[];
  /** The year the season starts. Default: each competition's current season. */
  season?: number;
  /** Competitions an earlier attempt published already: skipped. Default: none. */
  done?: readonly string[];
  /** Longest wait for one season's answer, in ms. Default: 60_000. */
  requestTimeoutMs?: number;
  /** Tries of one competition's season after the first (each after the wait the API asked for). Default: 4. */
  retries?: number;
  /** Longest wait between two tries, in ms: a whole budget window and a little. Default: 65_000. */
  maxWaitMs?: number;
  /** Records handed to the publisher at once: a season is published in slices. Default: 1_000. */
  sliceSize?: number;
  log?: Logger;
}

export interface FootdataSeasonRoutineResult extends FootdataRoutineResult {
  /** Every competition published, by this attempt and earlier ones. */
  done: string[];
  /** Matches the API left out of its answers (each logged there with its reason). */
  rejected: number;
}

/** One season as the API serves it; a 502/503/429 carries the wait it asked for (Retry-After). */
async function fetchSeason(
  options: FootdataSeasonRoutineOptions,
  competition: string,
  signal: AbortSignal | undefined,
): Promise<FootdataSeasonResponse> {
  const url = new URL(`${options.apiUrl}/footdata/competitions/${encodeURIComponent(competition)}/matches`);
  if (options.season !== undefined) url.searchParams.set('season', String(options.season));
  const timeout = AbortSignal.timeout(options.requestTimeoutMs ?? 60_000);
  const response = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: { message?: unknown } };
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after') ?? undefined);
    const why = typeof body.error?.message === 'string' ? `: ${body.error.message}` : '';
    throw new UpstreamError(`GET ${url.pathname} answered ${response.status}${why}`, {
      retriable: response.status >= 500 || response.status === 429,
      context: { status: response.status, competition },
      ...(retryAfterMs !== undefined && { retryAfterMs }),
    });
  }
  return validate(FootdataSeasonResponse, await response.json(), 'season');
}

export async function produceFootdataSeason(
  options: FootdataSeasonRoutineOptions,
): Promise<FootdataSeasonRoutineResult> {
  const origin = checkOrigin(options, 'job:cli');
  const done = [...(options.done ?? [])];
  const todo = options.competitions.filter((competition) => !done.includes(competition));
  const tally = new Tally(options.topic);
  const published: FootdataSeasonRoutineResult['matches'] = [];
  const sliceSize = options.sliceSize ?? 1_000;
  let rejected = 0;
  const report = () =>
    options.onProgress?.({ ...tally.progress((100 * done.length) / options.competitions.length), done: [...done] });

  for (const competition of todo) {
    const answer = await retry(() => fetchSeason(options, competition, options.signal), {
      retries: options.retries ?? 4,
      initialDelayMs: 1_000,
      maxDelayMs: options.maxWaitMs ?? 65_000,
      ...(options.signal && { signal: options.signal }),
      onRetry: ({ error, attempt, delayMs }) =>
        options.log?.warn(
          { competition, attempt, delayMs, reason: describeError(error) },
          'season not served, waiting',
        ),
    }).catch((error: unknown) => {
      // Still not served after the waits: a failure worth another attempt of the job, which skips what is done.
      if (!(error instanceof RetriesExhaustedError)) throw error;
      throw new UpstreamError(`the season of ${competition} was not served: ${error.message}`, {
        retriable: true,
        cause: error.cause,
        context: { competition },
      });
    });
    rejected += answer.rejected;
    options.log?.info(
      { competition, season: options.season, count: answer.count, rejected: answer.rejected, source: answer.source },
      'season fetched',
    );
    for (let start = 0; start < answer.matches.length; start += sliceSize) {
      options.signal?.throwIfAborted();
      const slice = answer.matches.slice(start, start + sliceSize);
      published.push(...(await publishMatches(slice, { ...options, origin }, tally)));
    }
    done.push(competition);
    await report();
  }
  return { ...tally.result(), matches: published, done, rejected };
}
