/**
 * The dead-letter contract: why a record was dead-lettered (`dlq-reason`) and
 * the headers that say where it came from. The sink writes them
 * (consumer/dead-letters.ts), the replay and the read API's DLQ copy
 * (reader/dead-letter-index.ts) read them; a replayed record carries the
 * `replayed-*` headers (consumer/replay.ts), whose groups are named here too
 * (lib/kafka/service-acls.ts grants them).
 */
import type { IHeaders } from 'kafkajs';
import type { Config } from '../config';

/** Why a record was dead-lettered; the value of the `dlq-reason` header (consumer/README.md says what each means). */
export const DEAD_LETTER_REASONS = [
  'decode',
  'schema',
  'too-large',
  'tombstone',
  'write-rejected',
  'too-deep',
  'too-many-fields',
  'future-timestamp',
  'unexpected',
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** Headers added to a dead letter; every name starts with `dlq-`, the original headers are kept beside them. */
export const DLQ_HEADERS = {
  reason: 'dlq-reason',
  errorClass: 'dlq-error-class',
  errorMessage: 'dlq-error-message',
  topic: 'dlq-origin-topic',
  partition: 'dlq-origin-partition',
  offset: 'dlq-origin-offset',
  timestamp: 'dlq-origin-timestamp',
  group: 'dlq-consumer-group',
  failedAt: 'dlq-failed-at',
  /** Set when the value alone was too large for the DLQ topic and had to be left out (its size in bytes). */
  valueOmitted: 'dlq-value-omitted-bytes',
} as const;

const DLQ_PREFIX = 'dlq-';

/** The original headers without the `dlq-` ones of an earlier trip through the DLQ. */
export function originalHeaders(headers: IHeaders | undefined): IHeaders {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !name.startsWith(DLQ_PREFIX)));
}

/** One header of a record as text (the first value when repeated); undefined when absent. */
export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/** Header naming the DLQ record a replayed record came from (`<dlq topic>/<partition>/<offset>`). */
export const REPLAYED_FROM_HEADER = 'replayed-from';
/** Header naming the reason a replayed record was dead-lettered for before its replay. */
export const REPLAYED_REASON_HEADER = 'replayed-reason';

/** The consumer group whose committed offsets on the DLQ say how far the replay of `reason` has got. */
export function replayGroupId(config: Config, reason: DeadLetterReason): string {
  return `${config.consumer.groupId}.dlq-replay.${reason}`;
}
