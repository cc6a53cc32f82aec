/**
 * The read API's queries: each one bounded (a `limit` of at most MAX_LIMIT, or
 * one document by key) and served on MongoDB by an index of lib/mongo.ts
 * INDEXES, so no public route scans a collection there. Only find/sort/limit:
 * MongoDB 7/8 and FerretDB 1.24 alike (FerretDB on SQLite uses an index only
 * for a string `_id`: docs/ARCHITECTURE.md section 5b).
 */
import type { Db, Document, Filter } from 'mongodb';
import { UnavailableError } from '../lib/errors';
import { COLLECTIONS } from '../lib/mongo';
import { isTransient } from '../lib/transient';
import { decodeCursor, encodeCursor } from './cursor';
import type { MatchesQuery, SomedataInsightsQuery } from './schemas';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** How many dead letters of one event are listed at most. */
const MAX_DEAD_LETTERS = 10;

/** The store is unreachable or busy (lib/transient.ts says which failures are): 503 with Retry-After rather than a 500. */
async function fromStore<T>(what: string, query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    if (isTransient(error))
      throw new UnavailableError(`the store is unavailable (${what})`, { cause: error, retryAfterMs: 2_000 });
    throw error;
  }
}

/** A stored document as JSON for a client: `_id` left out (its value is in `id` / `eventId`). */
function withoutId({ _id, ...rest }: Document): Document {
  return rest;
}

const isMatchKey = (value: unknown): value is [number, number] =>
  Array.isArray(value) &&
  value.length === 2 &&
  value.every((part) => typeof part === 'number' && Number.isSafeInteger(part));

/** GET /matches: by kick-off then match id, filtered; keyset pages on (utcDate, _id). */
export function findMatches(db: Db, query: MatchesQuery): Promise<Page<Document>> {
  const filter: Filter<Document>[] = [];
  if (query.competition) filter.push({ 'competition.code': query.competition });
  if (query.status) filter.push({ status: query.status });
  if (query.from) filter.push({ utcDate: { $gte: query.from } });
  if (query.to) filter.push({ utcDate: { $lt: query.to } });
  if (query.cursor) {
    const [time, id] = decodeCursor(query.cursor, isMatchKey);
    const at = new Date(time);
    filter.push({ $or: [{ utcDate: { $gt: at } }, { utcDate: at, _id: { $gt: id as never } }] });
  }
  return fromStore('matches', async () => {
    const found = await db
      .collection(COLLECTIONS.footdata)
      .find(filter.length ? { $and: filter } : {})
      .sort({ utcDate: 1, _id: 1 })
      .limit(query.limit + 1)
      .toArray();
    const items = found.slice(0, query.limit);
    const last = items.at(-1);
    const nextCursor =
      found.length > query.limit && last ? encodeCursor([(last.utcDate as Date).getTime(), last._id]) : null;
    return { items: items.map(withoutId), nextCursor };
  });
}

export function findMatch(db: Db, id: number): Promise<Document | null> {
  return fromStore('match', async () => {
    const match = await db.collection(COLLECTIONS.footdata).findOne({ _id: id as never });
    return match && withoutId(match);
  });
}

/** GET /standings/:competition: the table of the given season, else of the latest season computed. */
export function findStandings(db: Db, competition: string, season?: string): Promise<Document | null> {
  return fromStore('standings', async () => {
    const [found] = await db
      .collection(COLLECTIONS.standings)
      .find({ competition, ...(season && { season }) })
      .sort({ season: -1 })
      .limit(1)
      .toArray();
    return found ? withoutId(found) : null;
  });
}

const isHourKey = (value: unknown): value is string => typeof value === 'string' && value.length <= 200;

/**
 * GET /insights/somedata: hourly counts by hour then term. `_id` is "<hour ISO>|<term>"
 * (airflow/plugins/insights_compute.py), so its order is (hour, term) and it is the page key.
 */
export function findSomedataHours(db: Db, query: SomedataInsightsQuery): Promise<Page<Document>> {
  const filter: Filter<Document>[] = [];
  if (query.term) filter.push({ term: query.term });
  if (query.from) filter.push({ hour: { $gte: query.from } });
  if (query.to) filter.push({ hour: { $lt: query.to } });
  if (query.cursor) filter.push({ _id: { $gt: decodeCursor(query.cursor, isHourKey) as never } });
  return fromStore('somedata insights', async () => {
    const found = await db
      .collection(COLLECTIONS.somedataHourly)
      .find(filter.length ? { $and: filter } : {})
      .sort({ _id: 1 })
      .limit(query.limit + 1)
      .toArray();
    const items = found.slice(0, query.limit);
    const last = items.at(-1);
    return {
      items: items.map(withoutId),
      nextCursor: found.length > query.limit && last ? encodeCursor(last._id) : null,
    };
  });
}

export interface EventLocation {
  eventId: string;
  status: 'stored' | 'dead-lettered';
  stored?: { collection: string; kafka: unknown; runId: unknown; storedAt: unknown; document: Document };
  deadLetters: Document[];
}

/**
 * GET /events/:eventId: where an event is. Stored: a somedata document (`_id` = eventId) or the
 * footdata document whose latest state it brought (`eventId` index). Dead-lettered: the
 * `dead_letters` copy of the DLQ (reader/dead-letter-index.ts). Both can hold: a dead letter
 * replayed and stored. Null: neither (yet).
 */
export function locateEvent(db: Db, eventId: string): Promise<EventLocation | null> {
  return fromStore('event', async () => {
    // The common case first: a somedata event, by primary key.
    const somedata = await db.collection(COLLECTIONS.somedata).findOne({ _id: eventId as never });
    const [footdata, deadLetters] = await Promise.all([
      somedata ? null : db.collection(COLLECTIONS.footdata).findOne({ eventId }),
      db
        .collection(COLLECTIONS.deadLetters)
        .find({ eventId }, { projection: { _id: 0, eventId: 0, key: 0 } })
        .sort({ failedAt: -1 })
        .limit(MAX_DEAD_LETTERS)
        .toArray(),
    ]);
    const document = somedata ?? footdata;
    if (document) {
      return {
        eventId,
        status: 'stored',
        stored: {
          collection: somedata ? COLLECTIONS.somedata : COLLECTIONS.footdata,
          kafka: document._kafka,
          runId: document.runId ?? null,
          storedAt: document.storedAt,
          document: withoutId(document),
        },
        deadLetters,
      };
    }
    return deadLetters.length > 0 ? { eventId, status: 'dead-lettered', deadLetters } : null;
  });
}
