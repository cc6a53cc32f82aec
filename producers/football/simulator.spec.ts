import { Match } from '../../lib/schemas';
import { simulateMatches } from './simulator';

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
