/**
 * A local stand-in for football-data.org v4, for tests: `GET /v4/matches`
 * answers realistic v4 matches, `GET /v4/competitions/:code/matches?season=YYYY`
 * the seasons it was given (`seasons`, 404 for others), checks `X-Auth-Token`,
 * counts calls, and can be told to fail (500), slow down, rate-limit (429 +
 * Retry-After) or answer malformed data, for every call or for the next few.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, serverPort } from '../lib/observability';
import { fakeMatches, fakeSeason } from './football-data-fixtures';

export { fakeMatches, fakeSeason, SEASON_CLUBS, seasonMatch } from './football-data-fixtures';

export type FakeMode = 'ok' | 'fail' | 'slow' | 'rate-limit' | 'malformed';

export interface FakeModeOptions {
  /** How many calls the mode applies to before the fake answers normally again. Default: every call. */
  times?: number;
  /** `slow`: delay before answering, in ms. Default: 2_000. */
  delayMs?: number;
  /** `rate-limit`: the Retry-After header, in seconds. Default: 60. */
  retryAfterSec?: number;
  /** `malformed`: the raw body to answer. Default: JSON whose matches miss required fields. */
  body?: string;
}

export interface FakeFootballData {
  /** Base URL to use as FOOTBALL_API_URL (ends in /v4). */
  url: string;
  /** The token it accepts. */
  token: string;
  /** Calls to /v4/matches received, whatever their outcome. */
  readonly calls: number;
  /** The X-Auth-Token of every call, in order. */
  readonly tokensSeen: (string | undefined)[];
  /** The matches it serves; replace to change what it says. */
  matches: Record<string, unknown>[];
  /** The seasons it serves, by `<code>:<season>` (`<code>:current` without ?season=). Default: fakeSeason() as PL:2026. */
  seasons: Map<string, unknown[]>;
  /** The path and query of every season call, in order. */
  readonly seasonCalls: string[];
  setMode(mode: FakeMode, options?: FakeModeOptions): void;
  /** Back to `ok`, calls counted from zero, the default matches. */
  reset(): void;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

export async function startFakeFootballData(options: { token?: string } = {}): Promise<FakeFootballData> {
  const token = options.token ?? 'fake-token-0123456789';
  let mode: FakeMode = 'ok';
  let modeOptions: FakeModeOptions = {};
  let remaining = Infinity;
  let calls = 0;
  const tokensSeen: (string | undefined)[] = [];
  const seasonCalls: string[] = [];
  const defaultSeasons = () => new Map<string, unknown[]>([['PL:2026', fakeSeason()]]);
  const timers = new Set<NodeJS.Timeout>();

  const fake: FakeFootballData = {
    url: '',
    token,
    get calls() {
      return calls;
    },
    tokensSeen,
    seasonCalls,
    matches: fakeMatches(),
    seasons: defaultSeasons(),
    setMode(next, nextOptions = {}) {
      mode = next;
      modeOptions = nextOptions;
      remaining = nextOptions.times ?? Infinity;
    },
    reset() {
      fake.setMode('ok');
      calls = 0;
      tokensSeen.length = 0;
      seasonCalls.length = 0;
      fake.matches = fakeMatches();
      fake.seasons = defaultSeasons();
    },
    close: () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      return closeServer(server);
    },
  };

  const answerSeason = (res: ServerResponse, code: string, season: string | null) => {
    const matches = fake.seasons.get(`${code}:${season ?? 'current'}`);
    if (!matches) {
      send(res, 404, { message: `No season ${season} of competition ${code}.`, errorCode: 404 });
      return;
    }
    send(res, 200, {
      filters: { season: season ?? 'current' },
      resultSet: { count: matches.length, played: 0 },
      competition: { code },
      matches,
    });
  };

  const answerMatches = (res: ServerResponse) => {
    const dates = { dateFrom: '2026-11-24', dateTo: '2026-11-25' };
    send(res, 200, {
      filters: { ...dates, permission: 'TIER_ONE' },
      resultSet: {
        count: fake.matches.length,
        competitions: 'FL1,PL',
        first: dates.dateFrom,
        last: dates.dateFrom,
        played: 1,
      },
      matches: fake.matches,
    });
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    const seasonPath = /^\/v4\/competitions\/([^/]+)\/matches$/.exec(path);
    if (seasonPath) seasonCalls.push(`${path}${url.search}`);
    if (req.method !== 'GET' || (path !== '/v4/matches' && !seasonPath)) {
      send(res, 404, { message: 'The resource you are looking for does not exist.', errorCode: 404 });
      return;
    }
    calls++;
    const given = req.headers['x-auth-token'];
    tokensSeen.push(typeof given === 'string' ? given : undefined);
    if (given !== token) {
      send(res, 403, {
        message: 'The resource you are looking for is restricted. Please pass a valid API token.',
        errorCode: 403,
      });
      return;
    }
    const current = remaining > 0 ? mode : 'ok';
    remaining--;
    switch (current) {
      case 'ok':
        if (seasonPath) answerSeason(res, decodeURIComponent(seasonPath[1]!), url.searchParams.get('season'));
        else answerMatches(res);
        return;
      case 'fail':
        send(res, 500, { message: 'Internal Server Error', errorCode: 500 });
        return;
      case 'slow': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) answerMatches(res);
        }, modeOptions.delayMs ?? 2_000);
        timers.add(timer);
        return;
      }
      case 'rate-limit': {
        const seconds = modeOptions.retryAfterSec ?? 60;
        send(
          res,
          429,
          { message: `You reached your request limit. Wait ${seconds} seconds.`, errorCode: 429 },
          {
            'retry-after': String(seconds),
          },
        );
        return;
      }
      case 'malformed':
        send(
          res,
          200,
          modeOptions.body ?? JSON.stringify({ resultSet: { count: 1 }, matches: [{ id: 'x', status: 'WHATEVER' }] }),
        );
        return;
    }
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${serverPort(server)}/v4`;
  return fake;
}
