/**
 * `somedata`: insert-if-absent by event id. `_id` is the eventId, so a
 * replayed or redelivered record meets a duplicate-key error (11000), which
 * the sink counts as "already stored". A plain insert (rather than an upsert)
 * keeps FerretDB on its fast path: it inserts a whole batch in one SQLite
 * transaction, and only falls back to one-by-one when a batch holds a duplicate.
 */
import type { SomedataEvent } from '../../lib/schemas';
import { sinkFields, type SinkRecord, type WriteModel, type WritePlan } from './types';

export function somedataDocument(record: SinkRecord<SomedataEvent>, storedAt: Date) {
  const { eventId, type, version, producedAt, source, payload } = record.event;
  return {
    _id: eventId,
    type,
    version,
    producedAt: new Date(producedAt),
    source,
    payload,
    ...sinkFields(record, storedAt),
  };
}

export const somedataModel: WriteModel<SomedataEvent> = {
  plan(records, storedAt): WritePlan {
    const seen = new Set<string>();
    const plan: WritePlan = { writes: [], superseded: [] };
    for (const record of records) {
      // The same event twice in one batch (a producer retry): the first one is enough.
      if (seen.has(record.event.eventId)) {
        plan.superseded.push(record);
        continue;
      }
      seen.add(record.event.eventId);
      plan.writes.push({ record, ops: [{ insertOne: { document: somedataDocument(record, storedAt) } }] });
    }
    return plan;
  },
};
