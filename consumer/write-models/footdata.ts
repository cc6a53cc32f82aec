/**
 * `footdata`: upsert by match id that never moves a match backwards. `_id` is
 * the match id and the document is the latest state of the match, its fields
 * flat enough to query (competition, area, homeTeam, awayTeam, utcDate,
 * status, score, lastUpdated; dates stored as dates).
 *
 * Read before write: the sink reads the batch's matches (`lastUpdated` only)
 * in one query, then each match is planned from what the store holds:
 *   - not stored:            insertOne doc; should the insert find the id taken (another
 *                            writer stored the match after the read), the guarded replace
 *                            below runs in a second pass
 *   - stored, older:         replaceOne {_id, lastUpdated < new} doc (matches nothing when stale)
 *   - stored, same or newer: no operation (a duplicate)
 * The read only spares operations: the store may have moved on by the time a
 * write lands (a concurrent or zombie writer), so every replace keeps its
 * guard on `lastUpdated`, and each operation still gives the same result in
 * any order, any number of times.
 *
 * Why read first: FerretDB 1.24 on SQLite hands SQLite only a filter that is
 * exactly `{_id: <string or ObjectId>}` (docs/ARCHITECTURE.md §5b); a replace
 * filtered on a numeric `_id` and `lastUpdated` reads the whole collection in
 * FerretDB, so a replace for every match made a season's backfill thousands of
 * scans. One read per batch is one such scan there (an index lookup on
 * MongoDB), a new match costs its insert alone, and an unchanged one nothing.
 *
 * Why not one upsert filtered on `lastUpdated < new`, treating the duplicate
 * key of a stale update as "ignore"? FerretDB 1.24 stops an `update` command
 * at its first error (reported at index 0, the rest never run), so one stale
 * match would silently drop the other updates of the bulk; its `insert`
 * command, by contrast, reports each duplicate at its index and goes on. And
 * not `$setOnInsert` + upsert for step 1 either: FerretDB 1.24 leaves out
 * top-level fields whose value is null from a `$setOnInsert` (runId: null,
 * minute: null would vanish).
 */
import type { Document } from 'mongodb';
import { ValidationError } from '../../lib/errors';
import type { FootdataEvent } from '../../lib/schemas';
import { sinkFields, type PlannedWrite, type SinkRecord, type WriteModel, type WritePlan } from './types';

function footdataDocument(record: SinkRecord<FootdataEvent>, storedAt: Date) {
  const { eventId, producedAt, source, payload } = record.event;
  return {
    ...payload,
    _id: payload.id,
    utcDate: new Date(payload.utcDate),
    lastUpdated: new Date(payload.lastUpdated),
    eventId,
    producedAt: new Date(producedAt),
    source,
    ...sinkFields(record, storedAt),
  };
}

/**
 * Only newer states are applied, so one state dated in the future (9999-12-31,
 * a skewed clock) would freeze its match for good. A `lastUpdated` more than
 * `toleranceMs` after the record's own `producedAt` is refused (dead letter
 * `future-timestamp`); returns why, or undefined when it is within bounds.
 */
export function futureLastUpdated(event: FootdataEvent, toleranceMs: number): ValidationError | undefined {
  const aheadMs = Date.parse(event.payload.lastUpdated) - Date.parse(event.producedAt);
  if (aheadMs <= toleranceMs) return undefined;
  return new ValidationError(
    `lastUpdated ${event.payload.lastUpdated} is more than ${toleranceMs} ms after producedAt ${event.producedAt} (CONSUMER_FUTURE_TOLERANCE_MS)`,
    'payload.lastUpdated',
    { aheadMs, toleranceMs },
  );
}

const lastUpdated = (record: SinkRecord<FootdataEvent>) => Date.parse(record.event.payload.lastUpdated);

/** The operations of one match, given what the store holds of it (undefined: not stored); null: none needed. */
function writeOf(record: SinkRecord<FootdataEvent>, storedAt: Date, stored: Document | undefined): PlannedWrite | null {
  const { _id, ...fields } = footdataDocument(record, storedAt);
  const replace = { replaceOne: { filter: { _id, lastUpdated: { $lt: fields.lastUpdated } }, replacement: fields } };
  if (!stored) return { record, ops: [{ insertOne: { document: { _id, ...fields } } }], ifTaken: [replace] };
  const storedState = stored.lastUpdated instanceof Date ? stored.lastUpdated.getTime() : undefined;
  if (storedState !== undefined && storedState >= fields.lastUpdated.getTime()) return null;
  return { record, ops: [replace] };
}

export const footdataModel: WriteModel<FootdataEvent> = {
  reads(records) {
    return { ids: [...new Set(records.map((record) => record.event.payload.id))], projection: { lastUpdated: 1 } };
  },

  plan(records, storedAt, held = new Map()): WritePlan {
    // Several states of one match in a batch: only the newest can win, so only it is written
    // (on a tie the first one, as the store itself would keep it).
    const newest = new Map<number, SinkRecord<FootdataEvent>>();
    const superseded: SinkRecord[] = [];
    for (const record of records) {
      const id = record.event.payload.id;
      const current = newest.get(id);
      if (current && lastUpdated(current) >= lastUpdated(record)) {
        superseded.push(record);
      } else {
        if (current) superseded.push(current);
        newest.set(id, record);
      }
    }

    const writes: PlannedWrite[] = [];
    for (const [id, record] of newest) {
      const write = writeOf(record, storedAt, held.get(id));
      if (write) writes.push(write);
      else superseded.push(record);
    }
    return { writes, superseded };
  },
};
