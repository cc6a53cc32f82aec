import fc from 'fast-check';
import { DEFAULT_SEASON_COMPETITIONS } from '../../lib/jobs/footdata-season';
import { Match } from '../../lib/schemas';
import { SIMULATED_CODES, simulateMatches, simulateSeason } from './simulator';

const day = Date.UTC(2026, 10, 24);
const at = (hh: number, mm = 0) => day + (hh * 60 + mm) * 60_000;

describe('the simulated feed', () => {
  it('answers schema-valid v4 matches, the same fixtures all day for one date', () => {
    const morning = simulateMatches(at(8));
    const night = simulateMatches(at(23, 59));
    expect(morning.length).toBeGreaterThanOrEqual(8);
    for (const match of [...morning, ...night]) expect(Match.safeParse(match).success).toBe(true);
    const fixture = (m: Match) => [m.id, m.utcDate, m.homeTeam.id, m.awayTeam.id];
    expect(night.map(fixture)).toEqual(morning.map(fixture));
    expect(new Set(morning.map((m) => m.id)).size).toBe(morning.length);
  });

  it('draws other fixtures on another day', () => {
    const ids = (ms: number) => simulateMatches(ms).map((m) => `${m.id}:${m.homeTeam.id}-${m.awayTeam.id}`);
    expect(ids(day + 86_400_000)).not.toEqual(ids(day));
  });

  it('moves every match from TIMED through IN_PLAY and PAUSED to FINISHED, the score never going down', () => {
    const before = simulateMatches(at(0));
    expect(before.every((m) => m.status === 'TIMED' && m.score.fullTime.home === null)).toBe(true);
    const seen = new Map<number, string[]>();
    let last = new Map<number, number>();
    for (let minute = 0; minute < 24 * 60; minute++) {
      const goals = new Map<number, number>();
      for (const match of simulateMatches(day + minute * 60_000)) {
        const statuses = seen.get(match.id) ?? [];
        if (statuses.at(-1) !== match.status) statuses.push(match.status);
        seen.set(match.id, statuses);
        const total = (match.score.fullTime.home ?? 0) + (match.score.fullTime.away ?? 0);
        expect(total).toBeGreaterThanOrEqual(last.get(match.id) ?? 0);
        goals.set(match.id, total);
        if (match.status === 'IN_PLAY') expect(match.minute).toBeGreaterThanOrEqual(1);
      }
      last = goals;
    }
    for (const statuses of seen.values())
      expect(statuses).toEqual(['TIMED', 'IN_PLAY', 'PAUSED', 'IN_PLAY', 'FINISHED']);
    const finished = simulateMatches(at(23, 59));
    for (const match of finished) {
      const { home, away } = match.score.fullTime as { home: number; away: number };
      expect(match.score.winner).toBe(home > away ? 'HOME_TEAM' : home < away ? 'AWAY_TEAM' : 'DRAW');
    }
  });
});

describe('the simulated season', () => {
  it('is played for every competition a footdata-season job backfills by default (lib/jobs/footdata-season.ts)', () => {
    expect([...DEFAULT_SEASON_COMPETITIONS].sort()).toEqual([...SIMULATED_CODES].sort());
  });

  const DAY = 86_400_000;
  // Any instant from 2020 to 2035, any competition the simulator plays, its current season or a given one.
  const instant = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) });
  const code = fc.constantFrom(...SIMULATED_CODES);
  const year = fc.option(fc.integer({ min: 2019, max: 2035 }), { nil: undefined });
  const runs = { numRuns: 10 };

  it('is the same for the same competition, season and instant', () => {
    fc.assert(
      fc.property(code, year, instant, (competition, season, now) => {
        expect(simulateSeason(competition, season, now)).toEqual(simulateSeason(competition, season, now));
      }),
      runs,
    );
  });

  it('finishes no match still to come, scores only matches under way or over, and every one fits the schema', () => {
    fc.assert(
      fc.property(code, year, instant, (competition, season, now) => {
        for (const match of simulateSeason(competition, season, now)!) {
          const kickOff = Date.parse(match.utcDate);
          const scored = match.score.fullTime.home !== null && match.score.fullTime.away !== null;
          if (kickOff > now) expect([match.status, scored]).toEqual(['TIMED', false]);
          if (match.status === 'TIMED') expect(scored).toBe(false);
          if (match.status === 'FINISHED') expect([scored, match.score.winner !== null]).toEqual([true, true]);
          if (kickOff + DAY <= now) expect(match.status).toBe('FINISHED');
          expect(Date.parse(match.lastUpdated)).toBeLessThanOrEqual(now);
          expect(Match.safeParse(match).success).toBe(true);
        }
      }),
      runs,
    );
  });

  it("holds one match per id, of its competition, every day of the season's window", () => {
    fc.assert(
      fc.property(code, year, instant, (competition, season, now) => {
        const matches = simulateSeason(competition, season, now)!;
        expect(new Set(matches.map((m) => m.id)).size).toBe(matches.length);
        const { startDate, endDate } = matches[0]!.season as { startDate: string; endDate: string };
        const days = (Date.parse(endDate) - Date.parse(startDate)) / DAY + 1;
        expect(matches.length).toBe(2 * days);
        for (const match of matches) {
          expect(match.competition.code).toBe(competition);
          expect(match.utcDate.slice(0, 10) >= startDate && match.utcDate.slice(0, 10) <= endDate).toBe(true);
          if (season !== undefined) expect(startDate.slice(0, 4)).toBe(String(season));
        }
      }),
      runs,
    );
  });

  it("shows today's matches of the day's feed exactly as the feed does: same ids, same state", () => {
    fc.assert(
      fc.property(instant, (now) => {
        const today = simulateMatches(now);
        for (const competition of SIMULATED_CODES) {
          const season = new Map(simulateSeason(competition, undefined, now)!.map((m) => [m.id, m]));
          for (const match of today.filter((m) => m.competition.code === competition))
            expect(season.get(match.id)).toEqual(match);
        }
      }),
      { numRuns: 4 },
    );
  });

  it('gives two seasons of any years no id in common (a backfill of one never overwrites the other)', () => {
    const ids = (year: number) => new Set(simulateSeason('PL', year, day)!.map((m) => m.id));
    const [a, b] = [ids(2000), ids(2027)];
    expect([...a].filter((id) => b.has(id))).toEqual([]);
  });

  it('answers nothing for a competition it does not play', () => {
    expect(simulateSeason('XX1', 2026, day)).toBeUndefined();
  });
});
