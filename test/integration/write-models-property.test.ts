/**
 * The write-model properties against the real store, through the sink's own
 * write path (`writePlan`: one unordered bulk per batch, the verdict on its
 * errors, the one-by-one pass): for any sequence of footdata states with
 * duplicates, reorderings and batch boundaries, each stored match is the
 * state with the greatest `lastUpdated`; for any multiset of somedata events,
 * exactly one document per eventId. A modest number of runs, each in a fresh
 * collection; the pure logic is consumer/write-models/write-models.property.spec.ts.
 * fast-check prints the seed and the shrunk counterexample on a failure.
 */
import fc from 'fast-check';
import type { Db, MongoClient } from 'mongodb';
import { createMongoClient } from '../../lib/mongo';
import { writePlan } from '../../consumer/sink';
import { footdataModel } from '../../consumer/write-models/footdata';
import { somedataModel } from '../../consumer/write-models/somedata';
import type { SinkDocument } from '../../consumer/write-models/types';
import { testConfig } from '../../harness/env';
import { footdataScenario, somedataScenario } from '../../harness/write-model-properties';

jest.setTimeout(120_000);

const config = testConfig();
let mongo: MongoClient;
let db: Db;
let run = 0;
beforeAll(() => {
  mongo = createMongoClient(config.mongo);
  db = mongo.db(config.mongo.db);
});
afterAll(async () => {
  await db.dropDatabase().catch(() => undefined);
  await mongo.close();
});

const fresh = (name: string) => db.collection<SinkDocument>(`${name}_${++run}`);

describe('the write models on the real store, for any sequence of records', () => {
  it('footdata: each stored match is the state with the greatest lastUpdated', async () => {
    await fc.assert(
      fc.asyncProperty(footdataScenario(), async ({ batches, newest }) => {
        const collection = fresh('footdata');
        for (const batch of batches) {
          const result = await writePlan(collection, footdataModel.plan(batch, new Date()));
          expect(result.rejected).toEqual([]);
        }
        const stored = await collection.find({}).toArray();
        expect(stored.map((document) => document._id).sort()).toEqual([...newest.keys()].sort());
        for (const document of stored) {
          const event = newest.get(document._id as number)!;
          expect(document).toMatchObject({
            eventId: event.eventId,
            lastUpdated: new Date(event.payload.lastUpdated),
            score: event.payload.score,
          });
        }
        await collection.drop();
      }),
      { numRuns: 25 },
    );
  });

  it('somedata: exactly one document per eventId', async () => {
    await fc.assert(
      fc.asyncProperty(somedataScenario(), async ({ batches, eventIds }) => {
        const collection = fresh('somedata');
        for (const batch of batches) await writePlan(collection, somedataModel.plan(batch, new Date()));
        const ids = (await collection.find({}, { projection: { _id: 1 } }).toArray()).map((document) => document._id);
        expect(ids).toHaveLength(eventIds.size);
        expect(new Set(ids)).toEqual(eventIds);
        await collection.drop();
      }),
      { numRuns: 25 },
    );
  });
});
