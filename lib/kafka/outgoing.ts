/**
 * A record on its way to Kafka, as the publisher takes it and as kafkajs
 * sends it, and where it landed once acknowledged.
 */
import type { Message } from 'kafkajs';

/** What `publish()` takes: the key is required (every record is keyed: docs/ARCHITECTURE.md section 4). */
export interface OutgoingRecord {
  key: string;
  value: string | Buffer;
  headers?: Record<string, string>;
}

/** Where an acknowledged record landed. */
export interface PublishResult {
  topic: string;
  partition: number;
  offset: string;
}

/** The record as kafkajs sends it. */
export type OutgoingMessage = Message;

/** A fresh message object per record: kafkajs hands it back to the partitioner by identity. */
export function toOutgoingMessage(record: OutgoingRecord): OutgoingMessage {
  return { key: record.key, value: record.value, ...(record.headers && { headers: record.headers }) };
}
