/**
 * What the write-model properties share, in the unit spec (an in-memory
 * store) and the integration test (FerretDB through the sink's write path):
 * fast-check generators of record sequences with duplicates, reorderings and
 * batch boundaries, and the expected end state of the collection.
 */
import fc from 'fast-check';
import type { KafkaMessage } from 'kafkajs';
import type { FootdataEvent, PipelineEvent, SomedataEvent } from '../lib/schemas';
import type { SinkRecord } from '../consumer/write-models/types';
import { aMatch, footdataEvent, somedataEvent } from './consumer';

export function sinkRecord<E extends PipelineEvent>(event: E, offset: number): SinkRecord<E> {
  return { event, origin: { topic: event.type, partition: 0, offset }, message: {} as KafkaMessage };
}

/** Cut `items` into consecutive batches at the given cut points (each taken modulo the length). */
export function inBatches<T>(items: T[], cuts: number[]): T[][] {
  const points = [...new Set(cuts.map((cut) => (items.length === 0 ? 0 : cut % items.length)))]
    .filter((point) => point > 0)
    .sort((a, b) => a - b);
  const batches: T[][] = [];
  let start = 0;
  for (const point of [...points, items.length]) {
    if (point > start) batches.push(items.slice(start, point));
    start = point;
  }
  return batches;
}

export interface FootdataScenario {
  /** Batches of records in the order the sink sees them (duplicates and reorderings included). */
  batches: SinkRecord<FootdataEvent>[][];
  /** Per match id, the event with the greatest lastUpdated among those sent. */
  newest: Map<number, FootdataEvent>;
}

/**
 * Up to `maxMatches` matches, each with up to 5 states of distinct
 * `lastUpdated` (one event per state, so a duplicate is the same event
 * again); any sequence of those states, duplicates included, in any order,
 * cut into any batches.
 */
export function footdataScenario(maxMatches = 4): fc.Arbitrary<FootdataScenario> {
  const states = fc.uniqueArray(fc.integer({ min: 0, max: 600 }), { minLength: 1, maxLength: 5 });
  return fc
    .record({
      matches: fc.array(states, { minLength: 1, maxLength: maxMatches }),
      picks: fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 40 }),
      cuts: fc.array(fc.nat(), { maxLength: 6 }),
    })
    .map(({ matches, picks, cuts }) => {
      const base = Date.parse('2026-11-24T20:00:00Z');
      const events = matches.map((minutes) => {
        const id = aMatch().id;
        return minutes.map((minute) =>
          footdataEvent(
            aMatch({
              id,
              lastUpdated: new Date(base + minute * 1_000).toISOString(),
              minute: minute % 120,
              score: { winner: null, fullTime: { home: minute, away: 0 } },
            }),
          ),
        );
      });
      const sent = picks.map(([match, state]) => {
        const ofMatch = events[match % events.length]!;
        return ofMatch[state % ofMatch.length]!;
      });
      const newest = new Map<number, FootdataEvent>();
      for (const event of sent) {
        const current = newest.get(event.payload.id);
        if (!current || Date.parse(current.payload.lastUpdated) < Date.parse(event.payload.lastUpdated))
          newest.set(event.payload.id, event);
      }
      const records = sent.map((event, index) => sinkRecord(event, index));
      return { batches: inBatches(records, cuts), newest };
    });
}

export interface SomedataScenario {
  batches: SinkRecord<SomedataEvent>[][];
  /** Every distinct event id sent. */
  eventIds: Set<string>;
}

/** A multiset of somedata events (each sent one or more times), in any order, cut into any batches. */
export function somedataScenario(): fc.Arbitrary<SomedataScenario> {
  return fc
    .record({
      distinct: fc.integer({ min: 1, max: 8 }),
      picks: fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
      cuts: fc.array(fc.nat(), { maxLength: 6 }),
    })
    .map(({ distinct, picks, cuts }) => {
      const events = Array.from({ length: distinct }, (_, index) => somedataEvent(`p${index}`, 1 + (index % 3)));
      const sent = picks.map((pick) => events[pick % events.length]!);
      const records = sent.map((event, index) => sinkRecord(event, index));
      return { batches: inBatches(records, cuts), eventIds: new Set(sent.map((event) => event.eventId)) };
    });
}
