/**
 * A write model turns validated records into idempotent MongoDB operations
 * (the write-model strategies of MongoDB's Kafka sink connector). Every
 * operation may run any number of times, in any order, and leave the same
 * collection: that is what makes at-least-once delivery exactly-once in the store.
 *
 * A model may plan from what the store holds as well (`reads`): the sink reads
 * those documents once per batch, then plans. The store may change between the
 * read and the write (another writer, a zombie one): the operations must still
 * hold on their own, so a read only ever spares operations, never guards one.
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
  /**
   * Run in a second pass when an insert of `ops` finds its id taken (another
   * writer stored the document after the read). None: a taken id means the
   * record is already stored.
   */
  ifTaken?: AnyBulkWriteOperation<SinkDocument>[];
}

export interface WritePlan {
  writes: PlannedWrite[];
  /**
   * Records that need no write: made redundant by another record of the same
   * batch (same id), or by a state the store already holds; counted as duplicates.
   */
  superseded: SinkRecord[];
}

/** The documents (by `_id`) a plan wants to know of, and which of their fields. */
export interface StoreRead {
  ids: SinkDocument['_id'][];
  projection: Record<string, 1>;
}

/** What the store held of a StoreRead's documents, by `_id` (absent: not stored). */
export type HeldDocuments = ReadonlyMap<SinkDocument['_id'], Document>;

export interface WriteModel<E extends PipelineEvent = PipelineEvent> {
  /** What to read of the store before planning a batch; none: the records are enough. */
  reads?(records: SinkRecord<E>[]): StoreRead;
  /**
   * Plan the writes of one batch; `storedAt` is stamped on every document.
   * `held`: what `reads` found; without it, nothing is known of the store.
   */
  plan(records: SinkRecord<E>[], storedAt: Date, held?: HeldDocuments): WritePlan;
}

/** The fields every stored document carries besides its own (docs/ARCHITECTURE.md §5). */
export function sinkFields(record: SinkRecord, storedAt: Date) {
  return { _kafka: record.origin, runId: record.event.runId, storedAt };
}
