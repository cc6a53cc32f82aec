/**
 * The pure part of a batch: decode → validate → filter. Sorts every record
 * of a batch into exactly one pile: to store, filtered out, or dead letter.
 * A record whose handling throws (a bug, or input nobody foresaw) is a dead
 * letter of its own, reason `unexpected`: it must not fail the batch, or the
 * consumer would crash on the same offset at every restart.
 */
import type { Batch } from 'kafkajs';
import { decodeRecord, type DecodeLimits } from './decode';
import type { DeadLetter } from './dead-letters';
import type { EventFilter, FilterReason } from './filter';
import type { SinkRoute } from './routes';
import type { SinkRecord } from './write-models/types';

export interface PreparedBatch {
  records: SinkRecord[];
  filtered: Map<FilterReason, number>;
  deadLetters: DeadLetter[];
}

export function prepareBatch(
  batch: Pick<Batch, 'topic' | 'partition' | 'messages'>,
  route: SinkRoute,
  filter: EventFilter,
  limits: DecodeLimits,
): PreparedBatch {
  const { topic, partition } = batch;
  const prepared: PreparedBatch = { records: [], filtered: new Map(), deadLetters: [] };
  for (const message of batch.messages) {
    try {
      const decoded = decodeRecord(message, route.type, limits);
      if (!decoded.ok) {
        prepared.deadLetters.push({ reason: decoded.reason, error: decoded.error, topic, partition, message });
        continue;
      }
      const reason = filter(decoded.event);
      if (reason) {
        prepared.filtered.set(reason, (prepared.filtered.get(reason) ?? 0) + 1);
        continue;
      }
      prepared.records.push({
        event: decoded.event,
        origin: { topic, partition, offset: Number(message.offset) },
        message,
      });
    } catch (error) {
      prepared.deadLetters.push({ reason: 'unexpected', error, topic, partition, message });
    }
  }
  return prepared;
}
