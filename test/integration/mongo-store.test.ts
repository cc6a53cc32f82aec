/**
 * The MongoDB-protocol store (FerretDB by default, any MongoDB through
 * MONGO_URL) does everything the pipeline asks of it.
 */
import type { Db, MongoClient, MongoServerError } from 'mongodb';
import { COLLECTIONS, createMongoClient, ensureIndexes } from '../../lib/mongo';
import { testConfig } from '../../harness/env';

const config = testConfig();
let client: MongoClient;
let db: Db;

beforeAll(async () => {
  client = createMongoClient(config.mongo);
  await client.connect();
  db = client.db(config.mongo.db);
});
afterAll(async () => {
  await db.dropDatabase().catch(() => undefined);
  await client.close();
});

describe('the document store', () => {
  it('inserts, upserts, finds and aggregates with $match/$group/$sum', async () => {
    const events = db.collection<{ _id: string; runId: string; n: number }>('events');
    await events.insertMany([
      { _id: 'a', runId: 'r1', n: 1 },
      { _id: 'b', runId: 'r1', n: 2 },
      { _id: 'c', runId: 'r2', n: 5 },
    ]);
    await events.updateOne({ _id: 'd' }, { $setOnInsert: { runId: 'r2', n: 7 } }, { upsert: true });
    await events.updateOne({ _id: 'd' }, { $setOnInsert: { runId: 'r2', n: 100 } }, { upsert: true });

    expect(await events.findOne({ _id: 'd' })).toEqual({ _id: 'd', runId: 'r2', n: 7 });
    // One accumulator per $group: FerretDB 1.24 computes only the first accumulator
    // of a $group and answers 0 for the others (MongoDB computes all of them).
    const byRun = (accumulator: object) =>
      events
        .aggregate([
          { $match: { n: { $gt: 1 } } },
          { $group: { _id: '$runId', value: accumulator } },
          { $sort: { _id: 1 } },
        ])
        .toArray();
    expect(await byRun({ $sum: '$n' })).toEqual([
      { _id: 'r1', value: 2 },
      { _id: 'r2', value: 12 },
    ]);
    expect(await byRun({ $sum: 1 })).toEqual([
      { _id: 'r1', value: 1 },
      { _id: 'r2', value: 2 },
    ]);
  });

  it('reports a unique index violation as code 11000', async () => {
    const users = db.collection('users');
    await users.createIndex({ email: 1 }, { unique: true });
    await users.insertOne({ email: 'a@example.org' });
    const error = await users.insertOne({ email: 'a@example.org' }).catch((caught: MongoServerError) => caught);
    expect(error).toMatchObject({ code: 11000 });
  });

  it('ensureIndexes creates the pipeline indexes and is idempotent', async () => {
    await ensureIndexes(db);
    await ensureIndexes(db);
    const somedata = (await db.collection(COLLECTIONS.somedata).indexes()).map((index) => index.name);
    const footdata = (await db.collection(COLLECTIONS.footdata).indexes()).map((index) => index.name);
    expect(somedata).toEqual(expect.arrayContaining(['_id_', 'runId']));
    expect(footdata).toEqual(expect.arrayContaining(['_id_', 'runId', 'utcDate', 'competition_code']));
  });
});
