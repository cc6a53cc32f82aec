/**
 * The read API's answers, each from the queries of reader/read-queries.ts run
 * on a `ReadSource`: the store itself (`storeSource`, every query a bounded
 * index range or a point read on MongoDB) or the read API's in-memory views of
 * it (reader/views.ts, for a store that cannot use those indexes). Only
 * find/sort/limit: MongoDB 7/8 and FerretDB 1.24 alike.
 */
import type { Db, Document } from 'mongodb';
import { UnavailableError } from '../lib/errors';
import { COLLECTIONS } from '../lib/mongo';
import { isTransient } from '../lib/transient';
import {
  eventQueries,
  matchesCursor,
  matchesQuery,
  matchQuery,
  somedataHoursCursor,
  somedataHoursQuery,
  standingsQuery,
  toPage,
  withoutId,
  type Page,
  type ReadQuery,
} from './read-queries';
import type { MatchesQuery, SomedataInsightsQuery } from './schemas';

export type { Page } from './read-queries';

/** Where the answers come from: the documents a ReadQuery selects, sorted and limited. */
export interface ReadSource {
  find(query: ReadQuery): Promise<Document[]>;
}

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

/** Each query run on the store as it is. */
export function storeSource(db: Db): ReadSource {
  return {
    find: (query) =>
      db
        .collection(query.collection)
        .find(query.filter, query.projection && { projection: query.projection })
        .sort(query.sort)
        .limit(query.limit)
        .toArray(),
  };
}

/** GET /matches: by kick-off then match id, filtered; keyset pages on (utcDate, _id). */
export function findMatches(source: ReadSource, query: MatchesQuery): Promise<Page<Document>> {
  const read = matchesQuery(query);
  return fromStore('matches', async () => toPage(await source.find(read), query.limit, matchesCursor));
}

export function findMatch(source: ReadSource, id: number): Promise<Document | null> {
  return fromStore('match', async () => {
    const [match] = await source.find(matchQuery(id));
    return match ? withoutId(match) : null;
  });
}

/** GET /standings/:competition: the table of the given season, else of the latest season computed. */
export function findStandings(source: ReadSource, competition: string, season?: string): Promise<Document | null> {
  return fromStore('standings', async () => {
    const [found] = await source.find(standingsQuery(competition, season));
    return found ? withoutId(found) : null;
  });
}

/** GET /insights/somedata: hourly counts by hour then term, in keyset pages. */
export function findSomedataHours(source: ReadSource, query: SomedataInsightsQuery): Promise<Page<Document>> {
  const read = somedataHoursQuery(query);
  return fromStore('somedata insights', async () => toPage(await source.find(read), query.limit, somedataHoursCursor));
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
export function locateEvent(source: ReadSource, eventId: string): Promise<EventLocation | null> {
  const reads = eventQueries(eventId);
  return fromStore('event', async () => {
    // The common case first: a somedata event, by primary key.
    const [somedata] = await source.find(reads.somedata);
    const [[footdata], deadLetters] = await Promise.all([
      somedata ? [] : source.find(reads.footdata),
      source.find(reads.deadLetters),
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
