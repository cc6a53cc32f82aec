/**
 * The somedata feature: a user asks for `data` `number` times; we answer the
 * seed's payload and record the interaction as one event in Kafka, answering
 * only once the broker acknowledged it (docs/ARCHITECTURE.md §9). With an idempotency key
 * (`recordInteractionOnce`), a retry of the same request gets the same event.
 */
import { v7 as uuidv7 } from 'uuid';
import type { PublishResult, Publisher } from '../lib/kafka/publisher';
import type { Logger } from '../lib/logger';
import { createEvent, somedataItems, type EventOrigin, type SomedataItems } from '../lib/schemas';
import { fingerprintOf, type Idempotency } from './idempotency';

export interface SomedataRequest {
  data: string;
  number: number;
}

export interface RecordedInteraction {
  items: SomedataItems;
  eventId: string;
  position: PublishResult;
}

/** An event's identity when it is published again (a retry with an idempotency key). */
export interface EventIdentity {
  eventId: string;
  producedAt: string;
}

export async function recordInteraction(
  publisher: Publisher,
  topic: string,
  request: SomedataRequest,
  origin: EventOrigin,
  traceId: string,
  identity?: EventIdentity,
): Promise<RecordedInteraction> {
  const items = somedataItems(request.data, request.number);
  const event = {
    ...createEvent('somedata', { data: request.data, number: request.number, items }, origin),
    ...(identity && { eventId: identity.eventId, producedAt: identity.producedAt }),
  };
  const position = await publisher.publishEvent(topic, event, traceId);
  return { items, eventId: event.eventId, position };
}

export interface KeyedRequest {
  /** The Idempotency-Key. */
  key: string;
  /** What identifies the request besides the body: its method and path. */
  method: string;
  path: string;
}

/** The answer to a keyed request: recorded now, replayed from an earlier use, or refused. */
export type KeyedOutcome =
  { kind: 'recorded'; recorded: RecordedInteraction; replayed: boolean } | { kind: 'busy' } | { kind: 'mismatch' };

/**
 * `recordInteraction` at most once per idempotency key and window: the first
 * use records the key → eventId before publishing; a use after an
 * acknowledgement answers it again without publishing; a use after an attempt
 * that ended without one (a 503: the record may have landed) publishes the
 * same event again, which the consumer stores once (`_id` = eventId).
 * Throws UnavailableError when the key store does not answer: nothing is published then.
 */
export async function recordInteractionOnce(
  deps: { publisher: Publisher; topic: string; idempotency: Idempotency; log: Logger },
  keyed: KeyedRequest,
  request: SomedataRequest,
  origin: EventOrigin,
  traceId: string,
): Promise<KeyedOutcome> {
  const fingerprint = fingerprintOf([keyed.method, keyed.path, request.data, request.number, origin]);
  // The identity a first use records, so that every retry publishes exactly this event.
  const claim = await deps.idempotency.claim(keyed.key, fingerprint, {
    eventId: uuidv7(),
    producedAt: new Date().toISOString(),
  });
  if (claim.outcome === 'busy' || claim.outcome === 'mismatch') return { kind: claim.outcome };
  if (claim.outcome === 'done') {
    const { eventId, position } = claim.record;
    return {
      kind: 'recorded',
      replayed: true,
      recorded: { items: somedataItems(request.data, request.number), eventId, position },
    };
  }

  const { record, owner } = claim;
  let recorded: RecordedInteraction;
  try {
    recorded = await recordInteraction(deps.publisher, deps.topic, request, origin, traceId, {
      eventId: record.eventId,
      producedAt: record.producedAt,
    });
  } catch (error) {
    // The key keeps its eventId: a retry publishes the same event again. Failing to give the lease
    // back only makes retries wait for it to expire (409 until then).
    await deps.idempotency.release(keyed.key, owner).catch((releaseError: unknown) => {
      deps.log.warn({ err: releaseError, eventId: record.eventId }, 'idempotency key not released');
    });
    throw error;
  }
  // The event is in Kafka, so the client gets its 200 even when the key cannot be marked: a retry
  // then publishes the same event again, and the consumer stores it once.
  await deps.idempotency.complete(keyed.key, owner, { ...record, position: recorded.position }).catch((error) => {
    deps.log.warn({ err: error, eventId: record.eventId }, 'idempotency key not marked as acknowledged');
  });
  return { kind: 'recorded', replayed: false, recorded };
}
