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

/**
 * The query's answer over `docs`, which are in `order`: when the query sorts the
 * same way, the scan stops at the limit; otherwise the matches are sorted.
 * The documents are shared, not copied: callers must not change them.
 */
export function runInMemory(docs: readonly Document[], order: Record<string, 1 | -1>, query: ReadQuery): Document[] {
  const inOrder = Object.keys(query.sort).length === 0 || sameSort(query.sort, order);
  const found: Document[] = [];
  for (const doc of docs) {
    if (!matches(doc, query.filter)) continue;
    found.push(doc);
    if (inOrder && found.length >= query.limit) break;
  }
  if (!inOrder) found.sort(compareBy(query.sort));
  return found.slice(0, query.limit).map((doc) => project(doc, query.projection));
}
