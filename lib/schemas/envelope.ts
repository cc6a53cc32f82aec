/**
 * The envelope every record carries (DESIGN §4), defined once and used by the
 * producers to build records and by the consumer to check them:
 *
 *   { eventId (uuid v7), type, version, producedAt, source, runId, payload }
 *
 * Keys and headers are derived here too, so producer and consumer cannot disagree.
 */
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { FootdataPayload } from './footdata';
import { SomedataPayload } from './somedata';

export const ENVELOPE_VERSION = 1;

/** Where an event came from: the API itself, or the BullMQ job that produced it. */
export const Source = z.string().regex(/^(api|job:[A-Za-z0-9:._-]{1,200})$/, 'must be "api" or "job:<jobId>"');

/** An Airflow run id (e.g. "manual__2026-11-24T10:00:00+00:00") or null outside a run. */
export const RunId = z
  .string()
  .min(1)
  .max(250)
  .regex(/^[\w:.+\-@ ]+$/, 'must be letters, digits and : . + - @ _ or space')
  .nullable();

const base = {
  eventId: z.uuid({ version: 'v7' }),
  version: z.literal(ENVELOPE_VERSION),
  producedAt: z.iso.datetime({ offset: true }),
  source: Source,
  runId: RunId,
};

export const SomedataEvent = z.strictObject({ ...base, type: z.literal('somedata'), payload: SomedataPayload });
export const FootdataEvent = z.strictObject({ ...base, type: z.literal('footdata'), payload: FootdataPayload });

export const PipelineEvent = z.discriminatedUnion('type', [SomedataEvent, FootdataEvent]).superRefine((event, ctx) => {
  const bad = findUnsafeKey(event.payload);
  if (bad)
    ctx.addIssue({ code: 'custom', path: ['payload', ...bad.path], message: `unsafe key ${JSON.stringify(bad.key)}` });
});

export type SomedataEvent = z.infer<typeof SomedataEvent>;
export type FootdataEvent = z.infer<typeof FootdataEvent>;
export type PipelineEvent = z.infer<typeof PipelineEvent>;
export type EventType = PipelineEvent['type'];
export type PayloadOf<T extends EventType> = Extract<PipelineEvent, { type: T }>['payload'];

export interface EventOrigin {
  source: string;
  runId?: string | null;
}

/** A new event: fresh time-ordered id, now as producedAt. */
export function createEvent<T extends EventType>(type: T, payload: PayloadOf<T>, origin: EventOrigin) {
  return {
    eventId: uuidv7(),
    type,
    version: ENVELOPE_VERSION,
    producedAt: new Date().toISOString(),
    source: origin.source,
    runId: origin.runId ?? null,
    payload,
  } as Extract<PipelineEvent, { type: T }>;
}

/** The Kafka key of an event: the `data` string for somedata, the match id for footdata. */
export function eventKey(event: PipelineEvent): string {
  return event.type === 'somedata' ? event.payload.data : String(event.payload.id);
}

/** Header names, shared by producers, the consumer and the dead-letter path. */
export const HEADERS = {
  contentType: 'content-type',
  schema: 'schema',
  traceId: 'trace-id',
} as const;

/** The Kafka message for an event: key, JSON value and the headers of DESIGN §4. */
export function toKafkaMessage(event: PipelineEvent, traceId: string = event.eventId) {
  return {
    key: eventKey(event),
    value: JSON.stringify(event),
    headers: {
      [HEADERS.contentType]: 'application/json',
      [HEADERS.schema]: `${event.type}.v${event.version}`,
      [HEADERS.traceId]: traceId,
    },
  };
}

/**
 * MongoDB (and FerretDB) refuse field names that contain `.` or start with `$`;
 * they must never reach a write. Returns the first such key, with its path.
 */
export function findUnsafeKey(
  value: unknown,
  path: (string | number)[] = [],
): { key: string; path: (string | number)[] } | undefined {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnsafeKey(item, [...path, index]);
      if (found) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('.') || key.startsWith('$') || key.includes('\0')) return { key, path: [...path, key] };
      const found = findUnsafeKey(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}
