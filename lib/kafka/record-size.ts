/**
 * How many bytes a record takes in a Kafka record batch (magic v2, the format
 * kafkajs 2.2.4 writes, uncompressed: the publisher sets no compression), as
 * an upper bound. The broker refuses a partition's record batch larger than
 * the topic's `max.message.bytes` (MESSAGE_TOO_LARGE, not retriable), and it
 * counts the whole batch: the 61-byte header and every record with its framing.
 *
 * A record (kafkajs `protocol/recordBatch/record/v0`): length varint,
 * attributes (1), timestamp delta varlong, offset delta varint, key and value
 * each as a length varint and bytes, a header count varint, and per header a
 * key and value each as a length varint and bytes. Varints are counted at
 * their widest (5 bytes, 10 for the varlong), so the estimate is never low.
 */
import type { Message } from 'kafkajs';

/** The record batch header: base offset, length, leader epoch, magic, CRC, attributes, ..., record count. */
export const RECORD_BATCH_OVERHEAD = 61;
/** Length, attributes, timestamp delta, offset delta, key length, value length, header count, at their widest. */
const RECORD_FRAMING = 5 + 1 + 10 + 5 + 5 + 5 + 5;
/** A header's key length and value length. */
const HEADER_FRAMING = 5 + 5;

const bytesOf = (value: string | Buffer | null | undefined): number =>
  value === null || value === undefined ? 0 : typeof value === 'string' ? Buffer.byteLength(value) : value.length;

/** The bytes `message` adds to a record batch, at most. */
export function recordBytes(message: Pick<Message, 'key' | 'value' | 'headers'>): number {
  let bytes = RECORD_FRAMING + bytesOf(message.key) + bytesOf(message.value);
  for (const [key, value] of Object.entries(message.headers ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const one of values) bytes += HEADER_FRAMING + Buffer.byteLength(key) + bytesOf(one as string | Buffer);
  }
  return bytes;
}

/**
 * The record-batch bytes the publisher allows for a topic whose
 * `max.message.bytes` is `maxMessageBytes`: that, less 1% (at least 1 KiB) so
 * a kafkajs upgrade that frames records a little differently still fits.
 */
export function recordBatchBudget(maxMessageBytes: number): number {
  return maxMessageBytes - Math.max(1_024, Math.ceil(maxMessageBytes / 100));
}
