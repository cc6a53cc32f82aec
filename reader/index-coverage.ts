/**
 * Which index of lib/mongo-indexes.json serves a query on MongoDB, by the
 * equality–sort–range rule: the equality fields first (any order), then the
 * sort fields in order (all in the index's direction or all reversed; a sort
 * field already fixed by an equality needs no place), then the range fields;
 * every other field the filter names (inside an `$or`) must be in the index
 * too, so the store filters index keys, not fetched documents. An index that
 * passes gives MongoDB a plan with one IXSCAN and no in-memory SORT; the run
 * proof on MongoDB 8 is reader/indexes-explain-cli.ts.
 *
 * Used by reader/index-coverage.spec.ts (every query of the read routes and the
 * insights, from their own builders) and reader/indexes-explain-cli.ts (to name the index).
 */
import type { Document } from 'mongodb';

export interface IndexSpec {
  key: Record<string, 1 | -1>;
  name: string;
}

/** A query as the coverage sees it: its filter and its sort (empty: none). */
export interface QueryShape {
  filter: Document;
  sort: Record<string, 1 | -1>;
}

/** Every collection has an index on `_id`. */
const ID_INDEX: IndexSpec = { key: { _id: 1 }, name: '_id_' };

const RANGE = new Set(['$gt', '$gte', '$lt', '$lte', '$in']);

interface Fields {
  equality: Set<string>;
  range: Set<string>;
  /** Fields named inside `$or`: filtered on index keys, not used for the bounds here. */
  other: Set<string>;
}

const isOperators = (condition: unknown): condition is Document =>
  condition !== null &&
  typeof condition === 'object' &&
  !(condition instanceof Date) &&
  !Array.isArray(condition) &&
  Object.keys(condition).length > 0 &&
  Object.keys(condition).every((key) => key.startsWith('$'));

function collect(filter: Document, into: Fields, insideOr: boolean): void {
  for (const [key, condition] of Object.entries(filter)) {
    if (key === '$and' || key === '$or') {
      for (const part of condition as Document[]) collect(part, into, insideOr || key === '$or');
    } else if (key.startsWith('$')) {
      throw new Error(`index coverage: top-level operator ${key} is not understood`);
    } else if (insideOr) {
      into.other.add(key);
    } else if (!isOperators(condition) || Object.keys(condition).every((op) => op === '$eq')) {
      into.equality.add(key);
    } else {
      for (const op of Object.keys(condition))
        if (!RANGE.has(op)) throw new Error(`index coverage: operator ${op} on ${key} is not understood`);
      into.range.add(key);
    }
  }
}

export function fieldsOf(filter: Document): Fields {
  const fields: Fields = { equality: new Set(), range: new Set(), other: new Set() };
  collect(filter, fields, false);
  for (const field of fields.equality) fields.range.delete(field);
  return fields;
}

/** Why `index` does not serve `query`, or null when it does. */
export function whyNot(index: IndexSpec, query: QueryShape): string | null {
  const fields = fieldsOf(query.filter);
  const keys = Object.keys(index.key);
  let at = 0;
  while (at < keys.length && fields.equality.has(keys[at]!)) at++;
  const leading = new Set(keys.slice(0, at));
  const unled = [...fields.equality].filter((field) => !leading.has(field));
  if (unled.length) return `equality on ${unled.join(', ')} is not among its leading fields`;

  let direction = 0;
  for (const [field, wanted] of Object.entries(query.sort)) {
    if (fields.equality.has(field)) continue;
    if (keys[at] !== field) return `sort on ${field} is not its next field (${keys[at] ?? 'none'}): an in-memory SORT`;
    const relative = index.key[field] === wanted ? 1 : -1;
    if (direction && relative !== direction) return `sort on ${field} runs against its other fields: an in-memory SORT`;
    direction = relative;
    at++;
  }
  const sorted = new Set(keys.slice(0, at));
  const after = new Set(keys.slice(at));
  for (const field of fields.range)
    if (!sorted.has(field) && !after.has(field)) return `range on ${field} is not in it`;
  for (const field of fields.other) if (!(field in index.key)) return `${field} (in an $or) is not in it`;
  return null;
}

export type Served = { index: IndexSpec } | { index: null; reasons: string[] };

/** The first index that serves `query` (its `_id` index included), or why none does. */
export function servingIndex(indexes: readonly IndexSpec[], query: QueryShape): Served {
  const reasons: string[] = [];
  for (const index of [ID_INDEX, ...indexes]) {
    const reason = whyNot(index, query);
    if (reason === null) return { index };
    reasons.push(`${index.name}: ${reason}`);
  }
  return { index: null, reasons };
}

// ---------------------------------------------------------------- MongoDB explain plans (reader/indexes-explain-cli.ts)

/** Stages that read an index (MongoDB 8's express paths included). */
const INDEX_STAGES = new Set(['IXSCAN', 'IDHACK', 'EXPRESS_IXSCAN', 'EXPRESS_IDHACK', 'COUNT_SCAN']);

export function stagesOf(plan: Document | undefined, into: Document[] = []): Document[] {
  if (!plan) return into;
  into.push(plan);
  if (plan.inputStage) stagesOf(plan.inputStage as Document, into);
  for (const input of (plan.inputStages as Document[] | undefined) ?? []) stagesOf(input, into);
  return into;
}

/** What is wrong with a plan, if anything. Far above: more than twice the documents returned, plus 20. */
export function planProblems(stages: Document[], examined: number, returned: number): string[] {
  const names = stages.map((stage) => String(stage.stage));
  const problems: string[] = [];
  if (names.includes('COLLSCAN')) problems.push('COLLSCAN');
  if (names.includes('SORT')) problems.push('in-memory SORT');
  if (!names.some((name) => INDEX_STAGES.has(name))) problems.push('no index scan');
  if (examined > 2 * returned + 20) problems.push(`examined ${examined} documents for ${returned}`);
  return problems;
}
