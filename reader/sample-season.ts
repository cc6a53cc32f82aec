/**
 * A stored season for the read API's benchmark (bench/reader-routes.ts) and its
 * index proof (reader/indexes-explain-cli.ts): matches over a season, somedata
 * events, dead letters, and hourly insights over the last days, shaped as the
 * sink, the insights DAG and the dead-letter index write them. Deterministic:
 * the same sizes give the same documents, except the random event ids.
 */
import type { Db } from 'mongodb';
import { v7 as uuidv7 } from 'uuid';
import { COLLECTIONS } from '../lib/mongo';

export interface SeedSizes {
  matches: number;
  somedataEvents: number;
  deadLetters: number;
  /** Days of hourly insights, 20 terms an hour. */
  insightDays: number;
}

/** Issue 27's season: ≈2,000 matches, 100,000 events, 1,000 dead letters, 30 days of hourly insights. */
export const SEASON: SeedSizes = { matches: 2_000, somedataEvents: 100_000, deadLetters: 1_000, insightDays: 30 };

export interface Seeded {
  /** A stored somedata event, a footdata event (the latest state of a match), a dead-lettered event. */
  somedataEventId: string;
  footdataEventId: string;
  deadLetteredEventId: string;
  matchId: number;
  /** The first hour of the hourly insights. */
  firstHour: Date;
}

const HOUR = 3_600_000;
const COMPETITIONS = ['PL', 'FL1', 'BL1', 'SA', 'PD'];
const STATUSES = ['FINISHED', 'FINISHED', 'FINISHED', 'TIMED', 'IN_PLAY', 'SCHEDULED'];
const BATCH = 2_000;

async function insertAll(db: Db, collection: string, count: number, make: (i: number) => object): Promise<void> {
  for (let start = 0; start < count; start += BATCH) {
    const docs = Array.from({ length: Math.min(BATCH, count - start) }, (_, k) => make(start + k));
    await db.collection(collection).insertMany(docs as never[], { ordered: false });
  }
}

export async function seedSeason(db: Db, sizes: SeedSizes = SEASON): Promise<Seeded> {
  const seasonStart = Date.parse('2026-08-15T12:00:00Z');
  const matchEvents = Array.from({ length: sizes.matches }, () => uuidv7());
  await insertAll(db, COLLECTIONS.footdata, sizes.matches, (i) => ({
    _id: 500_000 + i,
    id: 500_000 + i,
    // Five competitions, ten matches each per matchday, a matchday every 3.5 days.
    utcDate: new Date(seasonStart + Math.floor(i / 50) * 84 * HOUR + (i % 10) * 2 * HOUR),
    status: STATUSES[i % STATUSES.length],
    lastUpdated: new Date(seasonStart),
    season: { startDate: '2026-08-15' },
    competition: { id: 2000 + (i % 5), name: `Competition ${i % 5}`, code: COMPETITIONS[i % 5] },
    homeTeam: { id: (i * 7) % 20, name: `Team ${(i * 7) % 20}` },
    awayTeam: { id: (i * 7 + 3) % 20, name: `Team ${(i * 7 + 3) % 20}` },
    score: { winner: 'HOME_TEAM', fullTime: { home: i % 4, away: i % 3 }, halfTime: { home: 0, away: 0 } },
    eventId: matchEvents[i],
    runId: null,
    storedAt: new Date(seasonStart + i * 1000),
    _kafka: { topic: 'footdata', partition: i % 3, offset: i },
  }));

  const somedataEvents = Array.from({ length: sizes.somedataEvents }, () => uuidv7());
  await insertAll(db, COLLECTIONS.somedata, sizes.somedataEvents, (i) => ({
    _id: somedataEvents[i],
    eventId: somedataEvents[i],
    source: i % 10 ? 'api' : 'job:1',
    payload: { data: `term${i % 20}` },
    producedAt: new Date(seasonStart + i * 1000),
    _kafka: { topic: 'somedata', partition: i % 3, offset: i },
    runId: null,
    storedAt: new Date(seasonStart + i * 1000),
  }));

  const deadEvents = Array.from({ length: sizes.deadLetters }, () => uuidv7());
  await insertAll(db, COLLECTIONS.deadLetters, sizes.deadLetters, (i) => ({
    _id: `0:${i}`,
    eventId: deadEvents[i],
    reason: 'schema-invalid',
    errorClass: 'ValidationError',
    errorMessage: 'payload.data: must be 1 to 64 characters',
    failedAt: new Date(seasonStart + i * 60_000),
    consumerGroup: 'pipeline-sink',
    origin: { topic: 'somedata', partition: i % 3, offset: i },
    dlq: { topic: 'pipeline.dlq', partition: 0, offset: i },
    key: null,
  }));

  const firstHour = new Date(Date.parse('2026-11-01T00:00:00Z'));
  const terms = 20;
  await insertAll(db, COLLECTIONS.somedataHourly, sizes.insightDays * 24 * terms, (i) => {
    const hour = new Date(firstHour.getTime() + Math.floor(i / terms) * HOUR);
    const term = `term${String(i % terms).padStart(2, '0')}`;
    return {
      _id: `${hour.toISOString().replace('.000Z', 'Z')}|${term}`,
      hour,
      term,
      events: i % 97,
      bySource: [{ source: 'api', events: i % 97 }],
    };
  });
  await insertAll(db, COLLECTIONS.pipelineVolumeHourly, sizes.insightDays * 24, (i) => {
    const hour = new Date(firstHour.getTime() + i * HOUR);
    return {
      _id: hour.toISOString().replace('.000Z', 'Z'),
      hour,
      documents: i,
      byCollection: [],
      byTopic: [],
      byRun: [],
    };
  });
  await insertAll(db, COLLECTIONS.standings, COMPETITIONS.length * 3, (i) => {
    const competition = COMPETITIONS[i % COMPETITIONS.length]!;
    const season = String(2024 + Math.floor(i / COMPETITIONS.length));
    return {
      _id: `${competition}:${season}`,
      competition,
      season,
      asOf: new Date(seasonStart),
      matches: 380,
      table: Array.from({ length: 20 }, (_, t) => ({
        position: t + 1,
        team: { id: t, name: `Team ${t}` },
        points: 60 - t,
      })),
    };
  });

  return {
    somedataEventId: somedataEvents[Math.floor(sizes.somedataEvents / 2)]!,
    footdataEventId: matchEvents[Math.floor(sizes.matches / 2)]!,
    deadLetteredEventId: deadEvents[Math.floor(sizes.deadLetters / 2)]!,
    matchId: 500_000 + Math.floor(sizes.matches / 2),
    firstHour,
  };
}
