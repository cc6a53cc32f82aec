/**
 * What the fake football-data.org (fake-football-data.ts) serves: a day's
 * matches as v4 shows them, and a small season whose table a test can work
 * out by hand.
 */
export const area = (id: number, name: string, code: string) => ({
  id,
  name,
  code,
  flag: `https://crests.football-data.org/${id}.svg`,
});
export const club = (id: number, name: string, shortName: string, tla: string) => ({
  id,
  name,
  shortName,
  tla,
  crest: `https://crests.football-data.org/${id}.png`,
});
export const FL1 = {
  id: 2015,
  name: 'Ligue 1',
  code: 'FL1',
  type: 'LEAGUE',
  emblem: 'https://crests.football-data.org/FL1.png',
};
export const PL = {
  id: 2021,
  name: 'Premier League',
  code: 'PL',
  type: 'LEAGUE',
  emblem: 'https://crests.football-data.org/PL.png',
};
export const ODDS = { msg: 'Activate Odds-Package in User-Panel to retrieve odds.' };

/** One match of the Premier League's 2026 season (fakeSeason's fixture), finished when `score` is given. */
export function seasonMatch(
  id: number,
  utcDate: string,
  home: ReturnType<typeof club>,
  away: ReturnType<typeof club>,
  score?: [number, number],
): Record<string, unknown> {
  const fullTime = score ? { home: score[0], away: score[1] } : { home: null, away: null };
  const winner = !score ? null : score[0] > score[1] ? 'HOME_TEAM' : score[0] < score[1] ? 'AWAY_TEAM' : 'DRAW';
  return {
    area: area(2072, 'England', 'ENG'),
    competition: PL,
    season: { id: 2287, startDate: '2026-08-15', endDate: '2027-05-23', currentMatchday: 4, winner: null },
    id,
    utcDate,
    status: score ? 'FINISHED' : 'TIMED',
    matchday: 1,
    stage: 'REGULAR_SEASON',
    group: null,
    lastUpdated: score ? utcDate.replace(/T.*/, 'T23:00:00Z') : '2026-08-01T00:00:00Z',
    homeTeam: home,
    awayTeam: away,
    score: { winner, duration: 'REGULAR', fullTime, halfTime: fullTime },
    odds: ODDS,
    referees: [],
  };
}

export const SEASON_CLUBS = {
  ARS: club(57, 'Arsenal FC', 'Arsenal', 'ARS'),
  CHE: club(61, 'Chelsea FC', 'Chelsea', 'CHE'),
  LIV: club(64, 'Liverpool FC', 'Liverpool', 'LIV'),
  MCI: club(65, 'Manchester City FC', 'Man City', 'MCI'),
};

/**
 * A small Premier League 2026 season whose table is easy to work out by hand
 * (test/integration/footdata-season.test.ts writes it out): four clubs, six
 * finished matches and one to come; then three entries a season check must
 * leave out: a kick-off in 9999, no status, another competition's match.
 */
export function fakeSeason(): unknown[] {
  const { ARS, CHE, LIV, MCI } = SEASON_CLUBS;
  return [
    seasonMatch(900_001, '2026-08-15T14:00:00Z', ARS, CHE, [2, 0]),
    seasonMatch(900_002, '2026-08-15T16:30:00Z', LIV, MCI, [1, 1]),
    seasonMatch(900_003, '2026-08-22T14:00:00Z', CHE, LIV, [3, 1]),
    seasonMatch(900_004, '2026-08-22T16:30:00Z', MCI, ARS, [0, 1]),
    seasonMatch(900_005, '2026-08-29T14:00:00Z', ARS, LIV, [2, 2]),
    seasonMatch(900_006, '2026-08-29T16:30:00Z', CHE, MCI, [0, 0]),
    seasonMatch(900_007, '2027-05-23T15:00:00Z', MCI, CHE),
    seasonMatch(900_008, '9999-12-31T15:00:00Z', ARS, MCI, [9, 0]),
    { ...seasonMatch(900_009, '2026-09-05T14:00:00Z', LIV, ARS, [0, 5]), status: undefined },
    { ...seasonMatch(900_010, '2026-09-05T16:30:00Z', CHE, ARS, [4, 0]), competition: FL1 },
  ];
}

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
