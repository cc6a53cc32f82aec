/**
 * The read API's queries as data: each builder returns the exact filter, sort,
 * limit (and projection) a route sends, so they are written once and read by
 * everything that must agree on them — reader/queries.ts runs them on the
 * store, reader/views.ts answers them from memory, and the index proofs
 * (reader/index-coverage.spec.ts, reader/indexes-explain-cli.ts) check that an
 * index of lib/mongo-indexes.json serves each one on MongoDB.
 */
import type { Document, Filter } from 'mongodb';
import { COLLECTIONS } from '../lib/mongo';
import { decodeCursor, encodeCursor } from './cursor';
import type { MatchesQuery, SomedataInsightsQuery } from './schemas';

export type CollectionName = (typeof COLLECTIONS)[keyof typeof COLLECTIONS];

/** One find: `filter`, then `sort` (empty: none), at most `limit` documents, `projection` (exclusions). */
export interface ReadQuery {
  collection: CollectionName;
  filter: Filter<Document>;
  sort: Record<string, 1 | -1>;
  limit: number;
  projection?: Record<string, 0>;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** How many dead letters of one event are listed at most. */
export const MAX_DEAD_LETTERS = 10;

const isMatchKey = (value: unknown): value is [number, number] =>
  Array.isArray(value) &&
  value.length === 2 &&
  value.every((part) => typeof part === 'number' && Number.isSafeInteger(part));

const isHourKey = (value: unknown): value is [number, string] =>
  Array.isArray(value) &&
  value.length === 2 &&
  Number.isSafeInteger(value[0]) &&
  typeof value[1] === 'string' &&
  value[1].length <= 200;

/**
 * The keyset condition "after (first, second)" in the form an index uses as a
 * range: `first >= a` bounds the scan, the `$or` only drops the few entries
 * with `first == a` and `second <= b`.
 */
function after(first: string, a: unknown, second: string, b: unknown): Filter<Document>[] {
  return [{ [first]: { $gte: a } }, { $or: [{ [first]: { $gt: a } }, { [second]: { $gt: b } }] }];
}

const and = (filter: Filter<Document>[]): Filter<Document> => (filter.length ? { $and: filter } : {});

/** GET /matches: by kick-off then match id, filtered; keyset pages on (utcDate, _id). */
export function matchesQuery(query: MatchesQuery): ReadQuery {
  const filter: Filter<Document>[] = [];
  if (query.competition) filter.push({ 'competition.code': query.competition });
  if (query.status) filter.push({ status: query.status });
  if (query.from) filter.push({ utcDate: { $gte: query.from } });
  if (query.to) filter.push({ utcDate: { $lt: query.to } });
  if (query.cursor) {
    const [time, id] = decodeCursor(query.cursor, isMatchKey);
    filter.push(...after('utcDate', new Date(time), '_id', id));
  }
  return {
    collection: COLLECTIONS.footdata,
    filter: and(filter),
    sort: { utcDate: 1, _id: 1 },
    limit: query.limit + 1,
  };
}

export const matchesCursor = (last: Document) => encodeCursor([(last.utcDate as Date).getTime(), last._id]);

/** GET /matches/:id. */
export function matchQuery(id: number): ReadQuery {
  return { collection: COLLECTIONS.footdata, filter: { _id: id as never }, sort: {}, limit: 1 };
}

/** GET /standings/:competition: the table of the given season, else of the latest season computed. */
export function standingsQuery(competition: string, season?: string): ReadQuery {
  return {
    collection: COLLECTIONS.standings,
    filter: { competition, ...(season && { season }) },
    sort: { season: -1 },
    limit: 1,
  };
}

/**
 * GET /insights/somedata: hourly counts by hour then term, keyset pages on
 * (hour, term). `_id` is "<hour ISO>|<term>" (airflow/plugins/kafka_pipeline_provider/insights/hourly.py),
 * the same order, but sorting on the fields lets an index on (term, hour) serve a term's hours.
 */
export function somedataHoursQuery(query: SomedataInsightsQuery): ReadQuery {
  const filter: Filter<Document>[] = [];
  if (query.term) filter.push({ term: query.term });
  if (query.from) filter.push({ hour: { $gte: query.from } });
  if (query.to) filter.push({ hour: { $lt: query.to } });
  if (query.cursor) {
    const [time, term] = decodeCursor(query.cursor, isHourKey);
    filter.push(...after('hour', new Date(time), 'term', term));
  }
  return {
    collection: COLLECTIONS.somedataHourly,
    filter: and(filter),
    sort: { hour: 1, term: 1 },
    limit: query.limit + 1,
  };
}

export const somedataHoursCursor = (last: Document) => encodeCursor([(last.hour as Date).getTime(), last.term]);

/**
 * GET /events/:eventId: a somedata document (`_id` = eventId), the footdata
 * document whose latest state the event brought, and the event's dead letters.
 */
export function eventQueries(eventId: string): Record<'somedata' | 'footdata' | 'deadLetters', ReadQuery> {
  return {
    somedata: { collection: COLLECTIONS.somedata, filter: { _id: eventId as never }, sort: {}, limit: 1 },
    footdata: { collection: COLLECTIONS.footdata, filter: { eventId }, sort: {}, limit: 1 },
    deadLetters: {
      collection: COLLECTIONS.deadLetters,
      filter: { eventId },
      sort: { failedAt: -1 },
      limit: MAX_DEAD_LETTERS,
      projection: { _id: 0, eventId: 0, key: 0 },
    },
  };
}

/** A page of `found` (the query's limit was the page's + 1): its items and the cursor after the last. */
export function toPage(found: Document[], limit: number, cursorOf: (last: Document) => string): Page<Document> {
  const items = found.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map(withoutId),
    nextCursor: found.length > limit && last ? cursorOf(last) : null,
  };
}

/** A stored document as JSON for a client: `_id` left out (its value is in `id` / `eventId`). */
export function withoutId({ _id, ...rest }: Document): Document {
  return rest;
}
