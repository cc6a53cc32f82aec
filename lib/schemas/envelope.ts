/**
 * The envelope every record carries (docs/ARCHITECTURE.md §4), defined once and used by the
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

/**
 * What an Airflow run id (e.g. "manual__2026-11-24T10:00:00+00:00") may hold to
 * be stamped on events: ASCII letters and digits, `_ : . + - @` and space.
 * Spelled out rather than `\w`, which is ASCII in JavaScript but Unicode in
 * Python: this pattern travels to the Airflow side (contracts/run-id.schema.json),
 * which once enqueued `manual__café` for a worker that then refused it.
 */
export const RUN_ID_PATTERN = /^[A-Za-z0-9_:.+\-@ ]+$/;

/** An Airflow run id or null outside a run. */
export const RunId = z
  .string()
  .min(1)
  .max(250)
  .regex(RUN_ID_PATTERN, 'must be ASCII letters, digits and : . + - @ _ or space')
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
  const problem = findPayloadProblem(event.payload);
  if (problem?.kind === 'unsafe-key')
    ctx.addIssue({
      code: 'custom',
      path: ['payload', ...problem.path],
      message: `unsafe key ${JSON.stringify(problem.key)}`,
    });
  else if (problem) ctx.addIssue({ code: 'custom', path: ['payload', ...problem.path], message: TOO_DEEP_MESSAGE });
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
function eventKey(event: PipelineEvent): string {
  return event.type === 'somedata' ? event.payload.data : String(event.payload.id);
}

/** The header names every producer's records carry (docs/ARCHITECTURE.md section 4). */
export const HEADERS = {
  contentType: 'content-type',
  schema: 'schema',
  traceId: 'trace-id',
} as const;

/** The Kafka message for an event: key, JSON value and the headers of docs/ARCHITECTURE.md §4. */
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
 * How deeply a payload may nest objects and arrays (the payload itself is
 * level 1). MongoDB refuses documents nested more than 100 levels and the
 * stored document adds a level or two around the payload; a real match is
 * about 4 deep. Deeper input is refused before anything recurses over it.
 */
export const MAX_PAYLOAD_DEPTH = 64;
export const TOO_DEEP_MESSAGE = `nested more than ${MAX_PAYLOAD_DEPTH} levels deep`;

/**
 * How many fields (keys and array elements, at every level) a record may hold.
 * A real match has about a hundred. FerretDB's insert time grows with the
 * square of a document's fields (5,000: 1.7 s; 100,000: minutes, past any
 * operation timeout), so a record with more would be retried for ever as
 * "store unavailable"; it is refused before anything is written.
 */
export const MAX_PAYLOAD_FIELDS = 5_000;
export const TOO_MANY_FIELDS_MESSAGE = `made of more than ${MAX_PAYLOAD_FIELDS} fields`;

export type PayloadProblem =
  | { kind: 'unsafe-key'; key: string; path: (string | number)[] }
  | { kind: 'too-deep'; path: (string | number)[] }
  | { kind: 'too-many-fields'; path: (string | number)[] };

/**
 * The first thing in `value` (in document order) that MongoDB cannot store:
 * a key that contains `.` or NUL or starts with `$` (MongoDB and FerretDB
 * refuse them; `checkKeys: false` skips this), or nesting deeper than `maxDepth`. Walks with an explicit
 * stack, never recursion, so no input is deep enough to overflow the call stack.
 */
export function findPayloadProblem(
  value: unknown,
  {
    maxDepth = MAX_PAYLOAD_DEPTH,
    maxFields = Infinity,
    checkKeys = true,
  }: { maxDepth?: number; maxFields?: number; checkKeys?: boolean } = {},
): PayloadProblem | undefined {
  // Each node keeps its parent rather than a copy of its path: a path is built only for the answer.
  interface Node {
    value: unknown;
    key?: string | number;
    parent?: Node;
    depth: number;
  }
  const pathOf = (node: Node | undefined): (string | number)[] => {
    const path: (string | number)[] = [];
    for (let at = node; at?.key !== undefined; at = at.parent) path.push(at.key);
    return path.reverse();
  };
  const stack: Node[] = [{ value, depth: 1 }];
  let fields = 0;
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.key !== undefined && ++fields > maxFields) return { kind: 'too-many-fields', path: pathOf(node.parent) };
    const { key } = node;
    if (checkKeys && typeof key === 'string' && (key.includes('.') || key.startsWith('$') || key.includes('\0')))
      return { kind: 'unsafe-key', key, path: pathOf(node) };
    if (node.value === null || typeof node.value !== 'object') continue;
    if (node.depth > maxDepth) return { kind: 'too-deep', path: pathOf(node) };
    const entries: [string | number, unknown][] = Array.isArray(node.value)
      ? node.value.map((child, index) => [index, child])
      : Object.entries(node.value);
    // Pushed last to first, so they are visited in document order.
    for (let index = entries.length - 1; index >= 0; index--) {
      const [childKey, child] = entries[index]!;
      stack.push({ value: child, key: childKey, parent: node, depth: node.depth + 1 });
    }
  }
  return undefined;
}
