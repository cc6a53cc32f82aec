/**
 * The football-data.org v4 client: `GET /matches` (today's matches) and
 * `GET /competitions/{code}/matches?season=YYYY` (a competition's season) with the
 * token as `X-Auth-Token`, a timeout per call, retries with backoff on 5xx,
 * 429, timeouts and network errors (honouring `Retry-After`), every call
 * counted against a rate budget, and each match of the answer checked against
 * the schema: the odd ones are left out and counted, the others served. An
 * answer that is no list of matches, or whose every match is odd, fails.
 *
 * The token never reaches a log line or an error: failures are described by
 * status and code only, never by the axios error (whose config holds the headers).
 */
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { describeError, UpstreamError, ValidationError } from '../../lib/errors';
import { isTransient } from '../../lib/transient';
import type { Logger } from '../../lib/logger';
import { parseRetryAfter } from '../../lib/http/retry-after';
import { retry } from '../../lib/retry';
import { CompetitionCode, MAX_SEASON_MATCHES, SeasonYear } from '../../lib/schemas';
import { checkMatches, MatchList, seasonRule, type MatchRule } from './match-check';
import type { FootballMetrics, UpstreamOutcome } from './metrics';
import type { RateBudget } from './rate-budget';
import type { FetchedMatches, MatchSource, SeasonRequest } from './source';

export interface FootballClientOptions {
  /** Base URL of the API, e.g. https://api.football-data.org/v4. */
  baseUrl: string;
  /** Sent as `X-Auth-Token`; never logged. */
  token: string;
  /** Budget every upstream call (retries included) is taken from; none = unlimited. */
  budget?: RateBudget;
  /** Longest wait for one call, in ms. Default: 5_000. */
  timeoutMs?: number;
  /** Attempts after the first one on 5xx, 429, timeouts and network errors. Default: 2. */
  retries?: number;
  /** Backoff before the first retry, in ms (doubles each time). Default: 250. */
  initialDelayMs?: number;
  /**
   * Longest `Retry-After` the client waits out itself, in ms. A longer one ends
   * the call with an UpstreamError carrying `retryAfterMs`, so the caller stops
   * calling for that long. Default: 2_000.
   */
  maxRetryAfterMs?: number;
  log?: Logger;
  metrics?: FootballMetrics;
}

/** One list call: its path (under baseUrl), query, rule beyond the schema and bound on its length. */
interface ListCall {
  path: string;
  params?: Record<string, string | number>;
  rule?: MatchRule;
  maxEntries?: number;
}

/** Bytes one answer may hold: a day's matches, and a season (MAX_SEASON_MATCHES of about 1.5 KB each). */
const MAX_BYTES = 10 * 1024 * 1024;
const SEASON_MAX_BYTES = 24 * 1024 * 1024;

/** The budget of upstream calls is spent: no call was made. */
export class BudgetSpentError extends UpstreamError {}

// Read by the workers too (a 502 of the API carries the upstream's wait), so it lives in lib/.
export { parseRetryAfter };

export class FootballDataClient implements MatchSource {
  readonly name = 'football-data.org' as const;
  private readonly http: AxiosInstance;
  private readonly options: Required<Pick<FootballClientOptions, 'retries' | 'initialDelayMs' | 'maxRetryAfterMs'>>;

  constructor(private readonly config: FootballClientOptions) {
    if (!config.token) throw new TypeError('FootballDataClient needs a token; without one, use the simulator');
    this.options = {
      retries: config.retries ?? 2,
      initialDelayMs: config.initialDelayMs ?? 250,
      maxRetryAfterMs: config.maxRetryAfterMs ?? 2_000,
    };
    this.http = axios.create({
      baseURL: config.baseUrl,
      timeout: config.timeoutMs ?? 5_000,
      headers: { 'X-Auth-Token': config.token, Accept: 'application/json' },
      maxRedirects: 0,
      maxContentLength: MAX_BYTES,
      // Every status is classified below, not thrown by axios.
      validateStatus: () => true,
    });
  }

  /** Today's matches: `GET /matches`. */
  fetchMatches(signal?: AbortSignal): Promise<FetchedMatches> {
    return this.fetchList({ path: '/matches' }, signal);
  }

  /**
   * A competition's season: `GET /competitions/{competition}/matches?season=YYYY`,
   * from the same budget; each match is also checked against the season asked for
   * (match-check.ts seasonRule), and an answer of more than MAX_SEASON_MATCHES is refused whole.
   */
  async fetchSeason(request: SeasonRequest, signal?: AbortSignal): Promise<FetchedMatches> {
    const competition = CompetitionCode.parse(request.competition);
    const season = request.season === undefined ? undefined : SeasonYear.parse(request.season);
    try {
      return await this.fetchList(
        {
          path: `/competitions/${competition}/matches`,
          ...(season !== undefined && { params: { season } }),
          rule: seasonRule({ competition, ...(season !== undefined && { season }) }),
          maxEntries: MAX_SEASON_MATCHES,
        },
        signal,
      );
    } catch (error) {
      // A refusal of this competition or season (unknown, or not in the token's plan): the caller asked for it.
      const status = error instanceof UpstreamError ? error.context.status : undefined;
      if (status === 400 || status === 403 || status === 404) {
        throw new ValidationError(
          `football-data.org refused the season ${season ?? '(current)'} of ${competition} (${status})`,
          'competition',
        );
      }
      throw error;
    }
  }

  /** One list of matches, retried, from the budget, each match checked on its own. */
  private async fetchList(call: ListCall, signal?: AbortSignal): Promise<FetchedMatches> {
    return retry(
      async (bail) => {
        if (this.config.budget && !this.config.budget.tryTake()) {
          bail(
            new BudgetSpentError(
              `the budget of ${this.config.budget.limit} football-data.org calls a minute is spent`,
              {
                retryAfterMs: this.config.budget.msUntilNext,
              },
            ),
          );
        }
        const response = await this.call(call, signal);
        const list = MatchList.safeParse(response.data);
        if (!list.success) {
          this.count('invalid');
          const issue = list.error.issues[0];
          const path = issue?.path.join('.') || 'body';
          return bail(
            new UpstreamError(`football-data.org answered no list of matches (${path}: ${issue?.message})`, {
              context: { path, problem: issue?.message },
            }),
          );
        }
        if (call.maxEntries !== undefined && list.data.matches.length > call.maxEntries) {
          this.count('invalid');
          return bail(
            new UpstreamError(
              `football-data.org answered ${list.data.matches.length} matches for ${call.path}, ` +
                `more than the ${call.maxEntries} one season can hold`,
              { context: { path: call.path, count: list.data.matches.length } },
            ),
          );
        }
        const checked = checkMatches(list.data.matches, call.rule);
        for (const { id, field, problem } of checked.rejected) {
          this.config.metrics?.rejectedMatches.inc({ field });
          this.config.log?.warn({ matchId: id, field, problem }, 'match rejected: it does not fit the v4 schema');
        }
        const [first] = checked.rejected;
        if (first && checked.matches.length === 0) {
          // Nothing fits: more likely a change of the upstream's format than odd matches; the last good answer is better.
          this.count('invalid');
          return bail(
            new UpstreamError(
              `football-data.org answered ${checked.rejected.length} match(es), none of which fits the v4 schema ` +
                `(match ${String(first.id)}: ${first.problem})`,
              { context: { rejected: checked.rejected.length } },
            ),
          );
        }
        this.count('ok');
        return checked;
      },
      {
        retries: this.options.retries,
        initialDelayMs: this.options.initialDelayMs,
        maxDelayMs: this.options.maxRetryAfterMs,
        shouldRetry: isTransient,
        ...(signal && { signal }),
        onRetry: ({ error, attempt, delayMs }) =>
          this.config.log?.warn(
            { attempt, delayMs, reason: describeError(error) },
            'football-data.org call failed, retrying',
          ),
      },
    );
  }

  /** One HTTP call, classified: a 2xx response, or an UpstreamError that says whether to retry. */
  private async call(call: ListCall, signal?: AbortSignal): Promise<AxiosResponse> {
    let response: AxiosResponse;
    try {
      response = await this.http.get(call.path, {
        ...(call.params && { params: call.params }),
        ...(call.maxEntries !== undefined && { maxContentLength: SEASON_MAX_BYTES }),
        ...(signal && { signal }),
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT';
      this.count(timedOut ? 'timeout' : 'network');
      throw new UpstreamError(
        timedOut
          ? 'football-data.org did not answer in time'
          : `football-data.org is unreachable (${code ?? 'network error'})`,
        { retriable: code !== 'ERR_CANCELED', context: { code } },
      );
    }
    const { status } = response;
    if (status >= 200 && status < 300) return response;
    if (status === 429 || status >= 500) {
      const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
      const waitable = retryAfterMs === undefined || retryAfterMs <= this.options.maxRetryAfterMs;
      this.count(status === 429 ? 'rate_limited' : 'server_error');
      throw new UpstreamError(`football-data.org answered ${status}`, {
        retriable: waitable,
        context: { status },
        ...(retryAfterMs !== undefined && { retryAfterMs }),
      });
    }
    // 4xx: a bad token or a bad request; another try cannot help.
    this.count('refused');
    throw new UpstreamError(`football-data.org refused the call (${status})`, { context: { status } });
  }

  private count(outcome: UpstreamOutcome): void {
    this.config.metrics?.upstreamCalls.inc({ outcome });
  }
}
