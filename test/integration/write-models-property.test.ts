/**
 * The write-model properties against the real store, through the sink's own
 * write path (`writeRecords`: the read of what the store holds, the plan, one
 * unordered bulk per batch, the verdict on its errors, the second and
 * one-by-one passes): for any sequence of footdata states with
 * duplicates, reorderings and batch boundaries, each stored match is the
 * state with the greatest `lastUpdated`; for any multiset of somedata events,
 * exactly one document per eventId. A modest number of runs, each in a fresh
 * collection; the pure logic is consumer/write-models/write-models.property.spec.ts.
 * fast-check prints the seed and the shrunk counterexample on a failure.
 */
import fc from 'fast-check';
import type { Db, MongoClient } from 'mongodb';
import { createMongoClient } from '../../lib/mongo';
import { writeRecords } from '../../consumer/sink';
import { footdataModel } from '../../consumer/write-models/footdata';
import { somedataModel } from '../../consumer/write-models/somedata';
import type { SinkDocument, SinkRecord, WriteModel } from '../../consumer/write-models/types';
import { testConfig } from '../../harness/env';
import { aMatch, footdataEvent } from '../../harness/consumer';
import { footdataScenario, sinkRecord, somedataScenario } from '../../harness/write-model-properties';
import type { Match } from '../../lib/schemas';

jest.setTimeout(120_000);

const config = testConfig();
let mongo: MongoClient;
let db: Db;
let run = 0;
/** The commands the store was sent, by name, in order. */
const sent: string[] = [];
beforeAll(() => {
  mongo = createMongoClient(config.mongo, { monitorCommands: true });
  mongo.on('commandStarted', (event) => {
    if (event.commandName !== 'getMore') sent.push(event.commandName);
  });
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
          const result = await writeRecords(collection, footdataModel as WriteModel, batch);
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
        for (const batch of batches) await writeRecords(collection, somedataModel as WriteModel, batch);
        const ids = (await collection.find({}, { projection: { _id: 1 } }).toArray()).map((document) => document._id);
        expect(ids).toHaveLength(eventIds.size);
        expect(new Set(ids)).toEqual(eventIds);
        await collection.drop();
      }),
      { numRuns: 25 },
    );
  });
});

describe('a season of footdata on the real store', () => {
  /** Every match of `matches` once, in `lastUpdated` order, as records of one batch. */
  const batchOf = (matches: Match[]) => matches.map((match, offset) => sinkRecord(footdataEvent(match), offset));
  const season = (minute: number) =>
    Array.from({ length: 300 }, (_, index) =>
      aMatch({ id: 900_000 + index, minute, lastUpdated: `2026-11-24T20:${minute}:00Z` }),
    );

  it('stores new matches with inserts alone, leaves a batch it already holds untouched, and replaces only what changed', async () => {
    const collection = fresh('footdata');
    const write = async (records: SinkRecord[]) => {
      sent.length = 0; // a getMore continues the same read: not counted
      const result = await writeRecords(collection, footdataModel as WriteModel, records);
      return { result, sent: [...sent] };
    };

    expect(await write(batchOf(season(10)))).toEqual({
      result: { written: 300, duplicates: 0, rejected: [] },
      sent: ['find', 'insert'],
    });
    expect(await write(batchOf(season(10)))).toEqual({
      result: { written: 0, duplicates: 300, rejected: [] },
      sent: ['find'],
    });
    const later = season(20).slice(0, 2);
    expect(await write([...batchOf(season(10)).slice(2), ...batchOf(later)])).toEqual({
      result: { written: 2, duplicates: 298, rejected: [] },
      sent: ['find', 'update'],
    });
    expect(await collection.countDocuments({ minute: 20 })).toBe(2);
    await collection.drop();
  });
});
