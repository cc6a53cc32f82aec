/**
 * Decode and validate one Kafka record into a pipeline event (the shared zod
 * schema of lib/schemas), or say why it can never be stored: the reason code
 * the dead-letter headers carry.
 */
import type { KafkaMessage } from 'kafkajs';
import { ValidationError } from '../lib/errors';
import {
  findPayloadProblem,
  MAX_PAYLOAD_DEPTH,
  MAX_PAYLOAD_FIELDS,
  PipelineEvent,
  TOO_DEEP_MESSAGE,
  TOO_MANY_FIELDS_MESSAGE,
  type EventType,
} from '../lib/schemas';
import type { DeadLetterReason } from '../lib/kafka/dead-letter-headers';
import { futureLastUpdated } from './write-models/footdata';

/** What a record must stay within to be decoded. */
export interface DecodeLimits {
  /** Largest value accepted, in bytes (CONSUMER_MAX_RECORD_BYTES). */
  maxRecordBytes: number;
  /** How far a footdata `lastUpdated` may lie after the record's `producedAt`, in ms (CONSUMER_FUTURE_TOLERANCE_MS). */
  futureToleranceMs: number;
}

export type Decoded = { ok: true; event: PipelineEvent } | { ok: false; reason: DecodeReason; error: ValidationError };

type DecodeReason = Exclude<DeadLetterReason, 'write-rejected' | 'unexpected'>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** At most this many schema problems are named in a dead letter's message. */
const MAX_ISSUES = 5;
/** The envelope's own fields around the payload (eventId, type, version, ...), counted with it. */
const ENVELOPE_FIELDS = 16;

export function decodeRecord(message: KafkaMessage, expectedType: EventType, limits: DecodeLimits): Decoded {
  const { value } = message;
  const { maxRecordBytes } = limits;
  if (value === null) {
    return fail('tombstone', new ValidationError('the record has no value (a tombstone)', 'value'));
  }
  if (value.length > maxRecordBytes) {
    const error = new ValidationError(
      `the value is ${value.length} bytes, more than the ${maxRecordBytes} allowed (CONSUMER_MAX_RECORD_BYTES)`,
      'value',
      { bytes: value.length, maxRecordBytes },
    );
    return fail('too-large', error);
  }

  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(value));
  } catch (cause) {
    const error = new ValidationError(`the value is not UTF-8 JSON: ${(cause as Error).message}`, 'value');
    return fail('decode', error);
  }

  // JSON.parse does not recurse, but zod and every walk after it would: measure the depth first
  // (the envelope is one level above its payload, and adds its own few fields), and the size in fields.
  const problem = findPayloadProblem(json, {
    maxDepth: MAX_PAYLOAD_DEPTH + 1,
    maxFields: MAX_PAYLOAD_FIELDS + ENVELOPE_FIELDS,
    checkKeys: false,
  });
  if (problem) {
    const field = problem.path.slice(0, 8).join('.') || 'value';
    if (problem.kind === 'too-many-fields')
      return fail('too-many-fields', new ValidationError(`the value is ${TOO_MANY_FIELDS_MESSAGE}`, field));
    return fail('too-deep', new ValidationError(`the value is ${TOO_DEEP_MESSAGE}`, field));
  }

  const parsed = PipelineEvent.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    const more = issues.length > MAX_ISSUES ? ` (and ${issues.length - MAX_ISSUES} more)` : '';
    const field = parsed.error.issues[0]?.path.join('.') || 'value';
    return fail('schema', new ValidationError(`${issues.slice(0, MAX_ISSUES).join('; ')}${more}`, field));
  }
  if (parsed.data.type !== expectedType) {
    const error = new ValidationError(`a ${parsed.data.type} event does not belong on this topic`, 'type', {
      expected: expectedType,
    });
    return fail('schema', error);
  }
  const future = parsed.data.type === 'footdata' ? futureLastUpdated(parsed.data, limits.futureToleranceMs) : undefined;
  if (future) return fail('future-timestamp', future);
  return { ok: true, event: parsed.data };
}

function fail(reason: DecodeReason, error: ValidationError): Decoded {
  return { ok: false, reason, error };
}
