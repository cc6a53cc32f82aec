/**
 * A ReadQuery (reader/read-queries.ts) answered over documents in memory, with
 * MongoDB's semantics for the part of the query language the builders use:
 * `$and`, `$or`, equality and `$eq`/`$gt`/`$gte`/`$lt`/`$lte` on dotted paths,
 * comparisons only within one BSON type (type bracketing), sorts in BSON order,
 * exclusion projections. Anything else throws, so a builder that starts using
 * another operator fails its tests instead of answering differently from the
 * store (reader/views.consistency.test.ts compares the two).
 */
import type { Document } from 'mongodb';
import type { ReadQuery } from './read-queries';

/** MongoDB's order of BSON types, for the types the read models hold. */
function typeRank(value: unknown): number {
  if (value === undefined || value === null) return 1;
  if (typeof value === 'number' || typeof value === 'bigint') return 2;
  if (typeof value === 'string') return 3;
  if (value instanceof Date) return 9;
  if (Array.isArray(value)) return 5;
  if (typeof value === 'boolean') return 8;
  if (typeof value === 'object') return 4;
  throw new Error(`in-memory query: cannot order a ${typeof value}`);
}

/** Strings compare by their UTF-8 bytes (MongoDB's simple collation), which differs from UTF-16 past U+D7FF. */
function compareStrings(a: string, b: string): number {
  if (/[\ud800-\uffff]/.test(a + b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Order of two scalars (null, number, string, Date) as MongoDB sorts them. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 1) return 0;
  if (ra === 2) return Number(a) - Number(b);
  if (ra === 3) return compareStrings(a as string, b as string);
  if (ra === 9) return (a as Date).getTime() - (b as Date).getTime();
  if (ra === 8) return Number(a) - Number(b);
  throw new Error('in-memory query: cannot order documents or arrays');
}

function valueAt(doc: Document, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

const isOperators = (condition: unknown): condition is Record<string, unknown> =>
  condition !== null &&
  typeof condition === 'object' &&
  !(condition instanceof Date) &&
  !Array.isArray(condition) &&
  Object.keys(condition).every((key) => key.startsWith('$'));

function equals(value: unknown, wanted: unknown): boolean {
  if (Array.isArray(value) || (value !== null && typeof value === 'object' && !(value instanceof Date)))
    throw new Error('in-memory query: equality on a document or an array is not supported');
  if (wanted === null) return value === null || value === undefined;
  return typeRank(value) === typeRank(wanted) && compareValues(value, wanted) === 0;
}

/** `value <op> bound`: false across types, as in MongoDB. */
const COMPARISONS = new Set(['$eq', '$gt', '$gte', '$lt', '$lte']);

function compares(op: string, value: unknown, bound: unknown): boolean {
  if (!COMPARISONS.has(op)) throw new Error(`in-memory query: operator ${op} is not supported`);
  if (op === '$eq') return equals(value, bound);
  if (typeRank(value) !== typeRank(bound) || value === undefined || value === null) return false;
  const order = compareValues(value, bound);
  switch (op) {
    case '$gt':
      return order > 0;
    case '$gte':
      return order >= 0;
    case '$lt':
      return order < 0;
    default:
      return order <= 0;
  }
}

export function matches(doc: Document, filter: Document): boolean {
  for (const [key, condition] of Object.entries(filter)) {
    if (key === '$and') {
      if (!(condition as Document[]).every((part) => matches(doc, part))) return false;
    } else if (key === '$or') {
      if (!(condition as Document[]).some((part) => matches(doc, part))) return false;
    } else if (key.startsWith('$')) {
      throw new Error(`in-memory query: operator ${key} is not supported`);
    } else {
      const value = valueAt(doc, key);
      const ok = isOperators(condition)
        ? Object.entries(condition).every(([op, bound]) => compares(op, value, bound))
        : equals(value, condition);
      if (!ok) return false;
    }
  }
  return true;
}

export function compareBy(sort: Record<string, 1 | -1>): (a: Document, b: Document) => number {
  const keys = Object.entries(sort);
  return (a, b) => {
    for (const [path, direction] of keys) {
      const order = compareValues(valueAt(a, path), valueAt(b, path));
      if (order !== 0) return order * direction;
    }
    return 0;
  };
}

const sameSort = (a: Record<string, 1 | -1>, b: Record<string, 1 | -1>) =>
  JSON.stringify(Object.entries(a)) === JSON.stringify(Object.entries(b));

function project(doc: Document, projection: Record<string, 0> | undefined): Document {
  if (!projection) return doc;
  const copy = { ...doc };
  for (const field of Object.keys(projection)) {
    if (field.includes('.')) throw new Error('in-memory query: projections of nested fields are not supported');
    delete copy[field];
  }
  return copy;
}

/** The top-level conditions of a filter (its own fields and those of a top-level `$and`). */
function topLevel(filter: Document): Document[] {
  const { $and, ...rest } = filter as { $and?: Document[] };
  return [rest, ...($and ?? []).flatMap(topLevel)];
}

/**
 * Where to start and stop scanning docs ordered ascending on `key`: the range
 * the filter puts on `key` at its top level (`$gt`/`$gte`, `$lt`/`$lte`).
 * Documents outside it cannot match, whatever their type.
 */
function scanRange(docs: readonly Document[], key: string, filter: Document): [number, number] {
  let lower: unknown;
  let upper: unknown;
  for (const part of topLevel(filter)) {
    const condition = part[key] as unknown;
    if (!isOperators(condition)) continue;
    for (const [op, bound] of Object.entries(condition)) {
      if ((op === '$gt' || op === '$gte') && (lower === undefined || compareValues(bound, lower) > 0)) lower = bound;
      if ((op === '$lt' || op === '$lte') && (upper === undefined || compareValues(bound, upper) < 0)) upper = bound;
    }
  }
  // The first document at or after `bound` (binary search).
  const firstFrom = (bound: unknown, past: boolean) => {
    let low = 0;
    let high = docs.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const order = compareValues(valueAt(docs[middle]!, key), bound);
      if (order < 0 || (past && order === 0)) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  return [
    lower === undefined ? 0 : firstFrom(lower, false),
    upper === undefined ? docs.length : firstFrom(upper, true),
  ];
}

/**
 * The query's answer over `docs`, which are in `order`: the scan covers only
 * the range the filter gives the first key of `order` (ascending), and when
 * the query sorts the same way it stops at the limit; otherwise the matches
 * are sorted. The documents are shared, not copied: callers must not change them.
 */
export function runInMemory(docs: readonly Document[], order: Record<string, 1 | -1>, query: ReadQuery): Document[] {
  const inOrder = Object.keys(query.sort).length === 0 || sameSort(query.sort, order);
  const [firstKey, direction] = Object.entries(order)[0] ?? [];
  const [start, end] = firstKey && direction === 1 ? scanRange(docs, firstKey, query.filter) : [0, docs.length];
  const found: Document[] = [];
  for (let at = start; at < end; at++) {
    const doc = docs[at]!;
    if (!matches(doc, query.filter)) continue;
    found.push(doc);
    if (inOrder && found.length >= query.limit) break;
  }
  if (!inOrder) found.sort(compareBy(query.sort));
  return found.slice(0, query.limit).map((doc) => project(doc, query.projection));
}
