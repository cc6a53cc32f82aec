/**
 * One unordered bulk write per collection per batch (after one read of what the
 * store holds, when the write model asks for it; and a second bulk for the
 * inserts that found their id taken, when the plan says what to do then), and
 * the split of what can go wrong into two kinds (KafkaJS's `retriable` flag,
 * lib/errors.ts):
 *
 *  - the store is unavailable (down, timeout, not primary, write concern):
 *    a StoreUnavailableError, retriable; nothing is committed and the whole
 *    batch is tried again (every write is idempotent);
 *  - the store refused some documents: those records come back as `rejected`
 *    for the DLQ, the others are stored, and the batch goes on.
 *
 * A duplicate key on an insert is neither: the document is already stored.
 * A record the driver will not send or the server refuses for its content
 * (over 16 MiB, too deep for BSON) is a refused document too, never an outage.
 *
 * When a bulk reports refused documents, the batch is written again one
 * record at a time to learn exactly which: FerretDB 1.24 stops an `update`
 * command at its first error and reports it at index 0, so its indexes cannot
 * be trusted, and writing again is harmless because every write is idempotent.
 */
import {
  BSON,
  MongoBulkWriteError,
  MongoInvalidArgumentError,
  MongoServerError,
  type AnyBulkWriteOperation,
  type BulkWriteResult,
  type Collection,
} from 'mongodb';
import { describeError, PipelineError } from '../lib/errors';
import { CHANGE_COUNTED, COLLECTIONS, countChange } from '../lib/mongo';
import { isTransient, TRANSIENT_SERVER_CODES } from '../lib/transient';
import type {
  HeldDocuments,
  PlannedWrite,
  SinkDocument,
  SinkRecord,
  StoreRead,
  WriteModel,
  WritePlan,
} from './write-models/types';

export interface SinkResult {
  /** Records whose document was inserted, upserted or replaced. */
  written: number;
  /** Records already stored (a replay), stale, or superseded by another record of the batch. */
  duplicates: number;
  /** Records the store refused as invalid: they go to the DLQ as `write-rejected`. */
  rejected: { record: SinkRecord; error: WriteRejectedError }[];
}

/** The store could not take the batch; try the same batch again later. */
export class StoreUnavailableError extends PipelineError {
  constructor(cause: unknown, context: Record<string, unknown>) {
    super(`the store is unavailable: ${describeError(cause)}`, { retriable: true, cause, context });
  }
}

/** The store refused one document; trying again cannot help. */
export class WriteRejectedError extends PipelineError {
  constructor(refusal: { code?: unknown; message: string }, context: Record<string, unknown>, cause?: unknown) {
    const code = refusal.code === undefined ? '' : ` (code ${String(refusal.code)})`;
    super(`the store refused the document${code}: ${refusal.message}`, {
      retriable: false,
      cause,
      context: { code: refusal.code, ...context },
    });
  }
}

const DUPLICATE_KEY = 11000;

/**
 * Server codes that refuse a whole command for what it carries, never for the
 * state of the store: BadValue, FailedToParse, TypeMismatch, Overflow,
 * DollarPrefixedFieldName, DottedFieldName, BSONObjectTooLarge, and the
 * "document too large" codes of MongoDB 7/8.
 */
const REFUSAL_CODES = new Set([2, 9, 14, 15, 52, 57, 10334, 17419, 17420]);

type Verdict = 'duplicates-only' | 'records-rejected' | 'unavailable';

/**
 * What a failed bulk means. It counts as written ('duplicates-only') only
 * when its result accounts for every operation: the driver answered every
 * command of the bulk, and each insert was inserted or refused as a
 * duplicate. An unordered bulk runs its inserts and its updates as separate
 * commands; when a later command fails on the network, the driver throws a
 * MongoBulkWriteError carrying only the earlier commands' write errors (often
 * just duplicates) and leaves its `writeErrors` empty (mongodb
 * lib/bulk/common.js `executeCommands`): that bulk is unfinished, not written.
 */
function verdict(error: unknown, ops: AnyBulkWriteOperation<SinkDocument>[]): Verdict {
  if (!(error instanceof MongoBulkWriteError))
    return refusedForWhatItCarries(error) ? 'records-rejected' : 'unavailable';
  if (error.result.getWriteConcernError()) return 'unavailable';
  const writeErrors = error.result.getWriteErrors();
  // Raised after the last command (every write error listed) or cut short by a failed command (none listed).
  const cutShort = writeErrors.length === 0 || [error.writeErrors].flat().length !== writeErrors.length;
  if (cutShort) return refusedForWhatItCarries(error) ? 'records-rejected' : 'unavailable';
  let onlyDuplicates = true;
  let insertDuplicates = 0;
  for (const writeError of writeErrors) {
    if (TRANSIENT_SERVER_CODES.has(writeError.code)) return 'unavailable';
    if (writeError.code === DUPLICATE_KEY) {
      // On an upsert it means two writers raced for one id: a conflict worth retrying, not a stored record.
      if (!('insertOne' in (ops[writeError.index] ?? {}))) return 'unavailable';
      insertDuplicates += 1;
    } else onlyDuplicates = false;
  }
  if (!onlyDuplicates) return 'records-rejected';
  const inserts = ops.filter((op) => 'insertOne' in op).length;
  return error.result.insertedCount + insertDuplicates === inserts ? 'duplicates-only' : 'unavailable';
}

/**
 * A whole bulk refused for what it carries, not for the state of the store:
 * the driver would not serialise a document (over the store's 16 MiB
 * `maxBsonObjectSize`, or too deep for BSON), or the server refused the
 * command with a code that names its content. Network, selection and
 * time-out errors never are: they stay retriable.
 */
function refusedForWhatItCarries(error: unknown): boolean {
  // By name for RangeError: Node's own (a Buffer offset out of range past bson's 17 MiB buffer) may come from another realm.
  if (error instanceof MongoInvalidArgumentError || BSON.BSONError.isBSONError(error)) return true;
  if (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'RangeError') return true;
  if (!(error instanceof MongoServerError)) return false;
  if (isTransient(error)) return false;
  return typeof error.code === 'number' && REFUSAL_CODES.has(error.code);
}

function stored(result: Pick<BulkWriteResult, 'insertedCount' | 'upsertedCount' | 'modifiedCount'>): number {
  return result.insertedCount + result.upsertedCount + result.modifiedCount;
}

/** The op indexes of a failed bulk that met a duplicate key (11000). */
function takenIndexes(error: unknown): Set<number> {
  const writeErrors = error instanceof MongoBulkWriteError ? error.result.getWriteErrors() : [];
  return new Set(writeErrors.filter((writeError) => writeError.code === DUPLICATE_KEY).map(({ index }) => index));
}

/** The writes that have an `ifTaken` pass and an op among `taken`, as writes of that pass. */
function secondPass(writes: PlannedWrite[], taken: Set<number>): PlannedWrite[] {
  const again: PlannedWrite[] = [];
  let index = 0;
  for (const write of writes) {
    const first = index;
    index += write.ops.length;
    if (!write.ifTaken) continue;
    if (write.ops.some((_, offset) => taken.has(first + offset)))
      again.push({ record: write.record, ops: write.ifTaken });
  }
  return again;
}

/**
 * Write a planned batch: one unordered bulk, then the `ifTaken` operations of
 * the inserts that found their id taken, as a second bulk. Throws
 * StoreUnavailableError when the batch must be retried.
 */
export async function writePlan(collection: Collection<SinkDocument>, plan: WritePlan): Promise<SinkResult> {
  const ops = plan.writes.flatMap((write) => write.ops);
  const superseded = plan.superseded.length;
  if (ops.length === 0) return { written: 0, duplicates: superseded, rejected: [] };
  const context = { collection: collection.collectionName, records: plan.writes.length };

  let written: number;
  let taken = new Set<number>();
  try {
    written = stored(await collection.bulkWrite(ops, { ordered: false }));
  } catch (error) {
    const kind = verdict(error, ops);
    if (kind === 'unavailable') throw new StoreUnavailableError(error, context);
    if (kind === 'records-rejected') return writeOneByOne(collection, plan);
    written = stored((error as MongoBulkWriteError).result);
    taken = takenIndexes(error);
  }
  const again = secondPass(plan.writes, taken);
  const second = again.length > 0 ? await writePlan(collection, { writes: again, superseded: [] }) : undefined;
  return {
    written: written + (second?.written ?? 0),
    duplicates: plan.writes.length - written - again.length + superseded + (second?.duplicates ?? 0),
    rejected: second?.rejected ?? [],
  };
}

async function writeOneByOne(collection: Collection<SinkDocument>, plan: WritePlan): Promise<SinkResult> {
  const result: SinkResult = { written: 0, duplicates: plan.superseded.length, rejected: [] };
  for (const write of plan.writes) {
    const { record, ops } = write;
    let changed: number;
    let taken = new Set<number>();
    try {
      changed = stored(await collection.bulkWrite(ops, { ordered: false }));
    } catch (error) {
      const kind = verdict(error, ops);
      if (kind === 'unavailable') throw new StoreUnavailableError(error, { collection: collection.collectionName });
      if (kind === 'records-rejected') {
        result.rejected.push({ record, error: rejection(error, { ...record.origin }) });
        continue;
      }
      changed = stored((error as MongoBulkWriteError).result);
      taken = takenIndexes(error);
    }
    const [again] = secondPass([write], taken);
    if (again) {
      const second = await writeOneByOne(collection, { writes: [again], superseded: [] });
      result.written += second.written;
      result.duplicates += second.duplicates;
      result.rejected.push(...second.rejected);
    } else if (changed > 0) result.written += 1;
    else result.duplicates += 1;
  }
  return result;
}

/** The refusal of one record's write: its first write error, or the error that refused the whole command. */
function rejection(error: unknown, context: Record<string, unknown>): WriteRejectedError {
  const [first] = error instanceof MongoBulkWriteError ? error.result.getWriteErrors() : [];
  if (first) return new WriteRejectedError({ code: first.code, message: first.errmsg ?? 'no message' }, context);
  const code = (error as { code?: unknown }).code;
  return new WriteRejectedError({ code, message: describeError(error) }, context, error);
}

/** What the store holds of the documents a model reads before planning (one query); a failure retries the batch. */
async function readHeld(collection: Collection<SinkDocument>, { ids, projection }: StoreRead): Promise<HeldDocuments> {
  try {
    const found = await collection.find({ _id: { $in: ids } }, { projection }).toArray();
    return new Map(found.map((document) => [document._id, document]));
  } catch (error) {
    throw new StoreUnavailableError(error, { collection: collection.collectionName, reading: ids.length });
  }
}

/**
 * Read what the topic's write model asks for, transform (its plan, stamped
 * with the time of this try) and write; then, for a collection the read API keeps a copy of, count the batch
 * (lib/mongo.ts countChange) — every batch, written or not, so a retried batch
 * whose first try wrote is counted too.
 */
export async function writeRecords(
  collection: Collection<SinkDocument>,
  model: WriteModel,
  records: SinkRecord[],
): Promise<SinkResult> {
  const held = model.reads && records.length > 0 ? await readHeld(collection, model.reads(records)) : undefined;
  const result = await writePlan(collection, model.plan(records, new Date(), held));
  if (records.length > 0 && CHANGE_COUNTED.has(collection.collectionName))
    await countChange(collection.db, collection.collectionName).catch((error: unknown) => {
      throw new StoreUnavailableError(error, { collection: COLLECTIONS.changeCounts });
    });
  return result;
}
