/**
 * Properties of the write models over an in-memory store that does what
 * MongoDB does with their operations (insert: duplicate key when the id is
 * taken; replace: only where the filter matches). The operations of a batch
 * are applied in any order, as "give the same result in either order" in
 * footdata.ts promises. The same properties against FerretDB, through the
 * sink's write path: test/integration/write-models-property.test.ts.
 */
import fc from 'fast-check';
import type { AnyBulkWriteOperation } from 'mongodb';
import { footdataScenario, somedataScenario } from '../../harness/write-model-properties';
import { footdataModel } from './footdata';
import { somedataModel } from './somedata';
import type { SinkDocument, WriteModel } from './types';

type Store = Map<unknown, SinkDocument>;

/** Apply one operation as the store would; only what the write models use. */
function apply(store: Store, op: AnyBulkWriteOperation<SinkDocument>): void {
  if ('insertOne' in op) {
    const document = op.insertOne.document as SinkDocument;
    if (!store.has(document._id)) store.set(document._id, structuredClone(document));
    return;
  }
  if ('replaceOne' in op) {
    const filter = op.replaceOne.filter as { _id: unknown; lastUpdated: { $lt: Date } };
    const stored = store.get(filter._id);
    if (stored && (stored.lastUpdated as Date) < filter.lastUpdated.$lt)
      store.set(filter._id, { ...structuredClone(op.replaceOne.replacement), _id: stored._id } as SinkDocument);
    return;
  }
  throw new Error(`an operation the model store does not know: ${Object.keys(op).join()}`);
}

/** Plan every batch and apply its operations in the order `order` picks. */
function run(model: WriteModel, batches: Parameters<WriteModel['plan']>[0][], orders: number[][]): Store {
  const store: Store = new Map();
  batches.forEach((batch, index) => {
    const ops = model.plan(batch, new Date()).writes.flatMap((write) => write.ops);
    const order = orders[index] ?? [];
    // A permutation of the batch's operations from the generated keys.
    const keyed = ops.map((op, position) => ({ op, key: order[position % Math.max(order.length, 1)] ?? position }));
    for (const { op } of keyed.sort((a, b) => a.key - b.key)) apply(store, op);
  });
  return store;
}

const orders = fc.array(fc.array(fc.nat(), { maxLength: 80 }), { maxLength: 10 });

describe('the write models, for any sequence of records', () => {
  it('footdata: with duplicates and reorderings, each stored match is the state with the greatest lastUpdated', () => {
    fc.assert(
      fc.property(footdataScenario(), orders, ({ batches, newest }, order) => {
        const store = run(footdataModel as WriteModel, batches, order);
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
      fc.property(somedataScenario(), orders, ({ batches, eventIds }, order) => {
        const store = run(somedataModel as WriteModel, batches, order);
        expect(new Set(store.keys())).toEqual(eventIds);
        for (const [id, document] of store) expect(document._id).toBe(id);
      }),
      { numRuns: 500 },
    );
  });
});
