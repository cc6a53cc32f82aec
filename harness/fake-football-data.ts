/**
 * A local stand-in for football-data.org v4, for tests: `GET /v4/matches`
 * answers realistic v4 matches, checks `X-Auth-Token`, counts calls, and can be
 * told to fail (500), slow down, rate-limit (429 + Retry-After) or answer
 * malformed data, for every call or for the next few.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, serverPort } from '../lib/observability';

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
  setMode(mode: FakeMode, options?: FakeModeOptions): void;
  /** Back to `ok`, calls counted from zero, the default matches. */
  reset(): void;
  close(): Promise<void>;
}

const area = (id: number, name: string, code: string) => ({
  id,
  name,
  code,
  flag: `https://crests.football-data.org/${id}.svg`,
});
const club = (id: number, name: string, shortName: string, tla: string) => ({
  id,
  name,
  shortName,
  tla,
  crest: `https://crests.football-data.org/${id}.png`,
});
const FL1 = {
  id: 2015,
  name: 'Ligue 1',
  code: 'FL1',
  type: 'LEAGUE',
  emblem: 'https://crests.football-data.org/FL1.png',
};
const PL = {
  id: 2021,
  name: 'Premier League',
  code: 'PL',
  type: 'LEAGUE',
  emblem: 'https://crests.football-data.org/PL.png',
};
const ODDS = { msg: 'Activate Odds-Package in User-Panel to retrieve odds.' };

/** Three matches as football-data.org v4 shows them: one finished, one in play, one to come. */
export function fakeMatches(): Record<string, unknown>[] {
  return [
    {
      area: area(2081, 'France', 'FRA'),
      competition: FL1,
      season: { id: 2290, startDate: '2026-08-14', endDate: '2027-05-22', currentMatchday: 13, winner: null },
      id: 537_801,
      utcDate: '2026-11-24T14:00:00Z',
      status: 'FINISHED',
      matchday: 13,
      stage: 'REGULAR_SEASON',
      group: null,
      lastUpdated: '2026-11-24T16:00:12Z',
      homeTeam: club(524, 'Paris Saint-Germain FC', 'PSG', 'PSG'),
      awayTeam: club(516, 'Olympique de Marseille', 'Marseille', 'MAR'),
      score: {
        winner: 'HOME_TEAM',
        duration: 'REGULAR',
        fullTime: { home: 3, away: 1 },
        halfTime: { home: 1, away: 0 },
      },
      odds: ODDS,
      referees: [{ id: 43_908, name: 'Clément Turpin', type: 'REFEREE', nationality: 'France' }],
    },
    {
      area: area(2072, 'England', 'ENG'),
      competition: PL,
      season: { id: 2287, startDate: '2026-08-15', endDate: '2027-05-23', currentMatchday: 12, winner: null },
      id: 538_112,
      utcDate: '2026-11-24T17:30:00Z',
      status: 'IN_PLAY',
      minute: 63,
      matchday: 12,
      stage: 'REGULAR_SEASON',
      group: null,
      lastUpdated: '2026-11-24T18:48:40Z',
      homeTeam: club(57, 'Arsenal FC', 'Arsenal', 'ARS'),
      awayTeam: club(61, 'Chelsea FC', 'Chelsea', 'CHE'),
      score: { winner: null, duration: 'REGULAR', fullTime: { home: 1, away: 1 }, halfTime: { home: 0, away: 1 } },
      odds: ODDS,
      referees: [],
    },
    {
      area: area(2081, 'France', 'FRA'),
      competition: FL1,
      season: { id: 2290, startDate: '2026-08-14', endDate: '2027-05-22', currentMatchday: 13, winner: null },
      id: 537_806,
      utcDate: '2026-11-24T20:00:00Z',
      status: 'TIMED',
      matchday: 13,
      stage: 'REGULAR_SEASON',
      group: null,
      lastUpdated: '2026-11-23T08:20:05Z',
      homeTeam: club(523, 'Olympique Lyonnais', 'Lyon', 'OL'),
      awayTeam: club(548, 'AS Monaco FC', 'Monaco', 'ASM'),
      score: {
        winner: null,
        duration: 'REGULAR',
        fullTime: { home: null, away: null },
        halfTime: { home: null, away: null },
      },
      odds: ODDS,
      referees: [],
    },
  ];
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
  const timers = new Set<NodeJS.Timeout>();

  const fake: FakeFootballData = {
    url: '',
    token,
    get calls() {
      return calls;
    },
    tokensSeen,
    matches: fakeMatches(),
    setMode(next, nextOptions = {}) {
      mode = next;
      modeOptions = nextOptions;
      remaining = nextOptions.times ?? Infinity;
    },
    reset() {
      fake.setMode('ok');
      calls = 0;
      tokensSeen.length = 0;
      fake.matches = fakeMatches();
    },
    close: () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      return closeServer(server);
    },
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
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/v4/matches') {
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
        answerMatches(res);
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
