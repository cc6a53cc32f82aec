/**
 * A write model turns validated records into idempotent MongoDB operations
 * (the write-model strategies of MongoDB's Kafka sink connector). Every
 * operation may run any number of times, in any order, and leave the same
 * collection: that is what makes at-least-once delivery exactly-once in the store.
 */
import type { KafkaMessage } from 'kafkajs';
import type { AnyBulkWriteOperation, Document } from 'mongodb';
import type { PipelineEvent } from '../../lib/schemas';

/** Where a record came from; stored on every document as `_kafka`. */
export interface KafkaOrigin {
  topic: string;
  partition: number;
  offset: number;
}

/** A record that passed decode, validation and the filter. */
export interface SinkRecord<E extends PipelineEvent = PipelineEvent> {
  event: E;
  origin: KafkaOrigin;
  /** The record as Kafka gave it, for the DLQ if the store rejects it. */
  message: KafkaMessage;
}

/** A stored document: its `_id` is the event id or the match id, never a generated ObjectId. */
export type SinkDocument = Document & { _id: string | number };

/** The operations that store one record. */
export interface PlannedWrite {
  record: SinkRecord;
  ops: AnyBulkWriteOperation<SinkDocument>[];
}

export interface WritePlan {
  writes: PlannedWrite[];
  /** Records made redundant by another record of the same batch (same id); counted as duplicates. */
  superseded: SinkRecord[];
}

export interface WriteModel<E extends PipelineEvent = PipelineEvent> {
  /** Plan the writes of one batch; `storedAt` is stamped on every document. */
  plan(records: SinkRecord<E>[], storedAt: Date): WritePlan;
}

/** The fields every stored document carries besides its own (docs/ARCHITECTURE.md §5). */
export function sinkFields(record: SinkRecord, storedAt: Date) {
  return { _kafka: record.origin, runId: record.event.runId, storedAt };
}
