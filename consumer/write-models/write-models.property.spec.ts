/**
 * Properties of the write models over an in-memory store that does what
 * MongoDB does with their operations (insert: duplicate key when the id is
 * taken; replace: only where the filter matches), driven as the sink drives
 * them (consumer/sink.ts): read what the model asks for, plan, apply the
 * operations in any order, then the `ifTaken` operations of the inserts that
 * found their id taken. Several writers run at once with their steps
 * interleaved in any order (a batch handled again by a second consumer, a
 * zombie writer), so a write may land long after its read and after other
 * writers' writes. The same properties against FerretDB, through the sink's
 * write path: test/integration/write-models-property.test.ts.
 */
import fc from 'fast-check';
import type { AnyBulkWriteOperation } from 'mongodb';
import { footdataScenario, somedataScenario } from '../../harness/write-model-properties';
import { footdataModel } from './footdata';
import { somedataModel } from './somedata';
import type { HeldDocuments, SinkDocument, SinkRecord, StoreRead, WriteModel } from './types';

type Store = Map<unknown, SinkDocument>;

/** Apply one operation as the store would; false: an insert that found its id taken. */
function apply(store: Store, op: AnyBulkWriteOperation<SinkDocument>): boolean {
  if ('insertOne' in op) {
    const document = op.insertOne.document as SinkDocument;
    if (store.has(document._id)) return false;
    store.set(document._id, structuredClone(document));
    return true;
  }
  if ('replaceOne' in op) {
    const filter = op.replaceOne.filter as { _id: unknown; lastUpdated: { $lt: Date } };
    const stored = store.get(filter._id);
    if (stored && (stored.lastUpdated as Date) < filter.lastUpdated.$lt)
      store.set(filter._id, { ...structuredClone(op.replaceOne.replacement), _id: stored._id } as SinkDocument);
    return true;
  }
  throw new Error(`an operation the model store does not know: ${Object.keys(op).join()}`);
}

/** What the sink's read finds: the named documents that are stored, with only the projected fields. */
function read(store: Store, { ids, projection }: StoreRead): HeldDocuments {
  const held = new Map<SinkDocument['_id'], SinkDocument>();
  for (const id of ids) {
    const stored = store.get(id);
    if (stored)
      held.set(
        id,
        Object.fromEntries(
          Object.entries(stored).filter(([key]) => key === '_id' || key in projection),
        ) as SinkDocument,
      );
  }
  return held;
}

/** The items reordered by the generated keys (a permutation). */
function permute<T>(items: T[], order: number[]): T[] {
  const keyed = items.map((item, position) => ({ item, key: order[position % Math.max(order.length, 1)] ?? position }));
  return keyed.sort((a, b) => a.key - b.key).map(({ item }) => item);
}

/**
 * One writer handling one batch, one step per `yield`: the read, then each
 * operation, then each second-pass operation. Checks that the plan accounts
 * for every record of the batch exactly once (a write or superseded), which
 * the sink's counters rest on.
 */
function* writer(store: Store, model: WriteModel, batch: SinkRecord[], order: number[]): Generator<void, void> {
  const held = model.reads ? read(store, model.reads(batch)) : undefined;
  yield; // other writers may write between this read and the writes planned from it
  const plan = model.plan(batch, new Date(), held);
  expect([...plan.writes.map((write) => write.record), ...plan.superseded].sort(byOffset)).toEqual(
    [...batch].sort(byOffset),
  );
  const again: AnyBulkWriteOperation<SinkDocument>[] = [];
  for (const { op, ifTaken } of permute(
    plan.writes.flatMap((write) => write.ops.map((op) => ({ op, ifTaken: write.ifTaken }))),
    order,
  )) {
    if (!apply(store, op) && ifTaken) again.push(...ifTaken);
    yield;
  }
  for (const op of again) {
    apply(store, op);
    yield;
  }
}
const byOffset = (a: SinkRecord, b: SinkRecord) => a.origin.offset - b.origin.offset;

/**
 * Each batch handled by a writer, some handled again by a second one
 * (`replays`), the writers' steps interleaved as `schedule` picks them, then
 * run to their end.
 */
function run(model: WriteModel, batches: SinkRecord[][], plan: Interleaving): Store {
  const store: Store = new Map();
  const handled = [
    ...batches,
    ...plan.replays.flatMap((pick) => (batches.length ? [batches[pick % batches.length]!] : [])),
  ];
  const running = handled.map((batch, index) => writer(store, model, batch, plan.orders[index] ?? []));
  for (const pick of plan.schedule) {
    if (running.length === 0) break;
    const at = pick % running.length;
    if (running[at]!.next().done) running.splice(at, 1);
  }
  for (const rest of running) while (!rest.next().done);
  return store;
}

interface Interleaving {
  orders: number[][];
  replays: number[];
  schedule: number[];
}
const interleavings: fc.Arbitrary<Interleaving> = fc.record({
  orders: fc.array(fc.array(fc.nat(), { maxLength: 80 }), { maxLength: 14 }),
  replays: fc.array(fc.nat(), { maxLength: 4 }),
  schedule: fc.array(fc.nat(), { maxLength: 200 }),
});

describe('the write models, for any sequence of records and any interleaving of their writers', () => {
  it('footdata: with duplicates, reorderings and stale reads, each stored match is the state with the greatest lastUpdated', () => {
    fc.assert(
      fc.property(footdataScenario(), interleavings, ({ batches, newest }, interleaving) => {
        const store = run(footdataModel as WriteModel, batches, interleaving);
        expect([...store.keys()].sort()).toEqual([...newest.keys()].sort());
        for (const [id, event] of newest) {
          const stored = store.get(id)!;
          expect(stored.eventId).toBe(event.eventId);
          expect(stored.lastUpdated).toEqual(new Date(event.payload.lastUpdated));
          expect(stored.score).toEqual(event.payload.score);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('somedata: for any multiset of events with duplicates, exactly one document per eventId', () => {
    fc.assert(
      fc.property(somedataScenario(), interleavings, ({ batches, eventIds }, interleaving) => {
        const store = run(somedataModel as WriteModel, batches, interleaving);
        expect(new Set(store.keys())).toEqual(eventIds);
        for (const [id, document] of store) expect(document._id).toBe(id);
      }),
      { numRuns: 500 },
    );
  });
});
