/**
 * Topic → collection mapping, and the write-model strategy of each topic
 * (MongoDB's Kafka sink connector: `topic.override.<topic>.collection` and
 * `writemodel.strategy`). Topic names come from config; collections are fixed.
 */
import type { Config } from '../lib/config';
import { COLLECTIONS } from '../lib/mongo';
import type { EventType } from '../lib/schemas';
import { footdataModel } from './write-models/footdata';
import { somedataModel } from './write-models/somedata';
import type { WriteModel } from './write-models/types';

export interface SinkRoute {
  /** The only event type the topic may carry; any other is dead-lettered as `schema`. */
  type: EventType;
  collection: string;
  model: WriteModel;
}

export function sinkRoutes(topics: Config['kafka']['topics']): Map<string, SinkRoute> {
  return new Map<string, SinkRoute>([
    [topics.somedata, { type: 'somedata', collection: COLLECTIONS.somedata, model: somedataModel as WriteModel }],
    [topics.footdata, { type: 'footdata', collection: COLLECTIONS.footdata, model: footdataModel as WriteModel }],
  ]);
}
