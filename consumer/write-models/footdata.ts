/**
 * `footdata`: upsert by match id that never moves a match backwards. `_id` is
 * the match id and the document is the latest state of the match, its fields
 * flat enough to query (competition, area, homeTeam, awayTeam, utcDate,
 * status, score, lastUpdated; dates stored as dates).
 *
 * Two operations per match, which give the same result in either order:
 *   1. insert if absent:   insertOne doc                          (duplicate key 11000 = already there)
 *   2. replace if newer:   replaceOne {_id, lastUpdated < new} doc (matches nothing when stale)
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
import { ValidationError } from '../../lib/errors';
import type { FootdataEvent } from '../../lib/schemas';
import { sinkFields, type SinkRecord, type WriteModel, type WritePlan } from './types';

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

export const footdataModel: WriteModel<FootdataEvent> = {
  plan(records, storedAt): WritePlan {
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

    const writes = [...newest.values()].map((record) => {
      const { _id, ...fields } = footdataDocument(record, storedAt);
      return {
        record,
        ops: [
          { insertOne: { document: { _id, ...fields } } },
          { replaceOne: { filter: { _id, lastUpdated: { $lt: fields.lastUpdated } }, replacement: fields } },
        ],
      };
    });
    return { writes, superseded };
  },
};
