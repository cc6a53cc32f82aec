/**
 * The built-in simulated feed, served when no FOOT_TOKEN is set: the matches of
 * the day in football-data.org v4 shape, the same all day long for a given
 * date (seeded by it), whose status, minute and score move with the clock —
 * TIMED before kick-off, IN_PLAY, PAUSED at half-time, IN_PLAY, FINISHED.
 *
 * A competition's season is the union of its matches of each day of the
 * season (seasonOf: from the startDate of simulated-competitions.json, in the
 * season's year, to the day before the next season starts: the simulator plays
 * all year), each as it stands at `now`: earlier days FINISHED with their
 * score, today's moving, later ones TIMED. So a season and the day's feed show
 * the same fixture with the same id, and both depend only on the date and `now`.
 */
import type { Match } from '../../lib/schemas';
import SIMULATED_COMPETITIONS from './simulated-competitions.json';
import { ValidationError } from '../../lib/errors';
import type { FetchedMatches, MatchSource, SeasonRequest } from './source';

interface TeamInfo {
  id: number;
  name: string;
  shortName: string;
  tla: string;
}
interface CompetitionInfo {
  competition: { id: number; name: string; code: string };
  area: { id: number; name: string; code: string };
  /** One season of the competition: its id, and its first day (the month and day every season starts on). */
  season: { id: number; startDate: string };
  teams: TeamInfo[];
}

/** One simulated season: days since the epoch [firstDay, endDay), and as football-data.org shows it. */
interface Season {
  firstDay: number;
  endDay: number;
  shown: { id: number; startDate: string; endDate: string };
}

/** The competitions and teams the simulator draws from (a data file: ids and names as football-data.org has them). */
const COMPETITIONS: CompetitionInfo[] = SIMULATED_COMPETITIONS;

/** Kick-off times (UTC, minutes after midnight) the simulator picks from. */
const KICK_OFFS = [
  12 * 60 + 30,
  14 * 60,
  15 * 60,
  16 * 60 + 30,
  17 * 60 + 30,
  18 * 60 + 45,
  19 * 60,
  20 * 60,
  20 * 60 + 45,
];

/** Minutes after kick-off: first half ends (with stoppage), second half starts, match ends. */
const FIRST_HALF_ENDS = 47;
const SECOND_HALF_STARTS = 62;
const FULL_TIME = 109;

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** mulberry32: a small, good-enough PRNG, so a day always draws the same matches. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Fisher-Yates with the seeded random: the same order for the same seed, on any engine. */
function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The first day (since the epoch) of a competition's season starting in `year`. */
function seasonStart(info: CompetitionInfo, year: number): number {
  const [, month, date] = info.season.startDate.split('-').map(Number) as [number, number, number];
  return Date.UTC(year, month - 1, date) / DAY_MS;
}

/** The season of `info` that starts in `year`; its id follows the one of the data file, a hundred a year. */
function seasonOf(info: CompetitionInfo, year: number): Season {
  const firstDay = seasonStart(info, year);
  const endDay = seasonStart(info, year + 1);
  const anchorYear = Number(info.season.startDate.slice(0, 4));
  return {
    firstDay,
    endDay,
    shown: { id: info.season.id + (year - anchorYear) * 100, startDate: isoDay(firstDay), endDate: isoDay(endDay - 1) },
  };
}

/** The season of `info` that holds `day`. */
function seasonOfDay(info: CompetitionInfo, day: number): Season {
  const year = new Date(day * DAY_MS).getUTCFullYear();
  return day >= seasonStart(info, year) ? seasonOf(info, year) : seasonOf(info, year - 1);
}

/** Goals of one side: 0 to 4, low scores more likely, at sorted match minutes 1..90. */
function drawGoals(random: () => number): number[] {
  const weights = [0.3, 0.33, 0.22, 0.1, 0.05];
  let roll = random();
  let count = 0;
  while (count < weights.length - 1 && roll > weights[count]!) roll -= weights[count++]!;
  return Array.from({ length: count }, () => 1 + Math.floor(random() * 90)).sort((a, b) => a - b);
}

interface Fixture {
  id: number;
  kickOff: number;
  info: CompetitionInfo;
  season: Season;
  home: TeamInfo;
  away: TeamInfo;
  homeGoals: number[];
  awayGoals: number[];
  matchday: number;
}

/** The fixtures of the UTC day `day` (days since the epoch): two per competition, fixed for that day. */
function fixturesOfDay(day: number): Fixture[] {
  const random = seededRandom(day * 2_654_435_761);
  const fixtures: Fixture[] = [];
  const matchday = 1 + (day % 34);
  for (const info of COMPETITIONS) {
    const teams = shuffle(info.teams, random);
    for (let pair = 0; pair < 2; pair++) {
      const kickOffMinute = KICK_OFFS[Math.floor(random() * KICK_OFFS.length)]!;
      fixtures.push({
        // Unique and stable per day and slot (every season of every year apart), in football-data.org's id range.
        id: 500_000 + day * 20 + fixtures.length,
        kickOff: day * DAY_MS + kickOffMinute * MINUTE_MS,
        info,
        season: seasonOfDay(info, day),
        home: teams[pair * 2]!,
        away: teams[pair * 2 + 1]!,
        homeGoals: drawGoals(random),
        awayGoals: drawGoals(random),
        matchday,
      });
    }
  }
  return fixtures.sort((a, b) => a.kickOff - b.kickOff || a.id - b.id);
}

/** A fixture as football-data.org would show it at `now`. */
function matchAt(fixture: Fixture, now: number): Match {
  const elapsed = (now - fixture.kickOff) / MINUTE_MS;
  let status: Match['status'];
  let minute: number | null;
  let lastUpdated: number;
  if (elapsed < 0) {
    // Scheduled: as of the start of its day, or of today for a later day (never a time still to come).
    const since = Math.min(Math.floor(fixture.kickOff / DAY_MS), Math.floor(now / DAY_MS)) * DAY_MS;
    [status, minute, lastUpdated] = ['TIMED', null, since];
  } else if (elapsed < FIRST_HALF_ENDS) {
    [status, minute, lastUpdated] = [
      'IN_PLAY',
      Math.min(45, Math.floor(elapsed) + 1),
      Math.floor(now / MINUTE_MS) * MINUTE_MS,
    ];
  } else if (elapsed < SECOND_HALF_STARTS) {
    [status, minute, lastUpdated] = ['PAUSED', 45, fixture.kickOff + FIRST_HALF_ENDS * MINUTE_MS];
  } else if (elapsed < FULL_TIME) {
    const played = 45 + Math.floor(elapsed - SECOND_HALF_STARTS) + 1;
    [status, minute, lastUpdated] = ['IN_PLAY', Math.min(90, played), Math.floor(now / MINUTE_MS) * MINUTE_MS];
  } else {
    [status, minute, lastUpdated] = ['FINISHED', 90, fixture.kickOff + FULL_TIME * MINUTE_MS];
  }

  const started = status !== 'TIMED';
  const upTo = (goals: number[], until: number) => goals.filter((at) => at <= until).length;
  const fullTime = started
    ? { home: upTo(fixture.homeGoals, minute ?? 0), away: upTo(fixture.awayGoals, minute ?? 0) }
    : { home: null, away: null };
  const halfTime = started
    ? {
        home: upTo(fixture.homeGoals, Math.min(45, minute ?? 0)),
        away: upTo(fixture.awayGoals, Math.min(45, minute ?? 0)),
      }
    : { home: null, away: null };
  let winner: Match['score']['winner'] = null;
  if (status === 'FINISHED') {
    const { home, away } = fullTime as { home: number; away: number };
    winner = home > away ? 'HOME_TEAM' : home < away ? 'AWAY_TEAM' : 'DRAW';
  }
  const { info } = fixture;
  const crest = (teamInfo: TeamInfo) => `https://crests.football-data.org/${teamInfo.id}.png`;
  return {
    area: { ...info.area, flag: `https://crests.football-data.org/${info.area.id}.svg` },
    competition: {
      ...info.competition,
      type: 'LEAGUE',
      emblem: `https://crests.football-data.org/${info.competition.code}.png`,
    },
    season: { ...fixture.season.shown, currentMatchday: fixture.matchday, winner: null },
    id: fixture.id,
    utcDate: iso(fixture.kickOff),
    status,
    minute,
    matchday: fixture.matchday,
    stage: 'REGULAR_SEASON',
    group: null,
    lastUpdated: iso(lastUpdated),
    homeTeam: { ...fixture.home, crest: crest(fixture.home) },
    awayTeam: { ...fixture.away, crest: crest(fixture.away) },
    score: { winner, duration: 'REGULAR', fullTime, halfTime },
    odds: { msg: 'Activate Odds-Package in User-Panel to retrieve odds.' },
    referees: [],
  };
}

/** The simulated matches of the day of `now` (ms since the epoch), as they stand at `now`. */
export function simulateMatches(now: number): Match[] {
  return fixturesOfDay(Math.floor(now / DAY_MS)).map((fixture) => matchAt(fixture, now));
}

/** The competitions the simulator plays, by code. */
export const SIMULATED_CODES = COMPETITIONS.map((info) => info.competition.code);

/**
 * The matches of `competition`'s season starting in `year` (default: the one
 * holding `now`), as they stand at `now`; undefined for a competition the
 * simulator does not play.
 */
export function simulateSeason(competition: string, year: number | undefined, now: number): Match[] | undefined {
  const info = COMPETITIONS.find((candidate) => candidate.competition.code === competition);
  if (!info) return undefined;
  const season = year === undefined ? seasonOfDay(info, Math.floor(now / DAY_MS)) : seasonOf(info, year);
  const matches: Match[] = [];
  for (let day = season.firstDay; day < season.endDay; day++) {
    for (const fixture of fixturesOfDay(day)) if (fixture.info === info) matches.push(matchAt(fixture, now));
  }
  return matches;
}

export class MatchSimulator implements MatchSource {
  readonly name = 'simulator' as const;

  /** `now` is injectable so tests can walk through a day. Default: Date.now. */
  constructor(private readonly now: () => number = Date.now) {}

  async fetchMatches(): Promise<FetchedMatches> {
    return { matches: simulateMatches(this.now()), rejected: [] };
  }

  async fetchSeason(request: SeasonRequest): Promise<FetchedMatches> {
    const matches = simulateSeason(request.competition, request.season, this.now());
    if (!matches) {
      // As football-data.org refuses a competition it does not know: asking again cannot help.
      throw new ValidationError(
        `the simulator plays no competition ${request.competition} (it plays ${SIMULATED_CODES.join(', ')})`,
        'competition',
      );
    }
    return { matches, rejected: [] };
  }
}
