/**
 * The somedata feature: a user asks for `data` `number` times; we answer the
 * seed's payload and record the interaction as one event in Kafka, answering
 * only once the broker acknowledged it (DESIGN §12).
 */
import type { PublishResult, Publisher } from '../lib/kafka/publisher';
import { createEvent, somedataItems, type EventOrigin, type SomedataItems } from '../lib/schemas';

export interface SomedataRequest {
  data: string;
  number: number;
}

export interface RecordedInteraction {
  items: SomedataItems;
  eventId: string;
  position: PublishResult;
}

export async function recordInteraction(
  publisher: Publisher,
  topic: string,
  request: SomedataRequest,
  origin: EventOrigin,
  traceId: string,
): Promise<RecordedInteraction> {
  const items = somedataItems(request.data, request.number);
  const event = createEvent('somedata', { data: request.data, number: request.number, items }, origin);
  const position = await publisher.publishEvent(topic, event, traceId);
  return { items, eventId: event.eventId, position };
}
