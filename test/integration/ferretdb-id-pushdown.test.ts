/**
 * The local stack's FerretDB (SQLite) finds a document by its string or
 * ObjectId `_id` with a search of the `_id` index, not a scan of the whole
 * collection: it is built with its `_id` lookup written as that index is
 * (infra/ferretdb/id-pushdown.sed, infra/services/30-ferretdb.sh). The plan is
 * SQLite's own, for the SQL FerretDB sends (FerretDB's `explain` runs EXPLAIN
 * QUERY PLAN on it). And the answers are the ones the whole collection gives,
 * for reads and for the writes that look a document up the same way.
 * docker compose and Kubernetes run MongoDB, where none of this applies.
 */
import { ObjectId, type Collection, type Db, type MongoClient } from 'mongodb';
import { createMongoClient, isFerretDb } from '../../lib/mongo';
import { testConfig } from '../../harness/env';

jest.setTimeout(60_000);

type Doc = { _id: string | number | ObjectId; n: number };

const config = testConfig();
let mongo: MongoClient;
let db: Db;
let events: Collection<Doc>;
const objectId = new ObjectId();

beforeAll(async () => {
  mongo = createMongoClient(config.mongo);
  db = mongo.db(`id_pushdown_${Date.now().toString(36)}`);
  expect({ store: 'FerretDB', is: await isFerretDb(db) }).toEqual({ store: 'FerretDB', is: true });
  events = db.collection<Doc>('events');
  const docs: Doc[] = Array.from({ length: 2_000 }, (_, n) => ({ _id: `event-${n}`, n }));
  docs.push({ _id: 7, n: -1 }, { _id: '7', n: -2 }, { _id: objectId, n: -3 }, { _id: '{"$o":"x"}', n: -4 });
  await events.insertMany(docs);
});
afterAll(async () => {
  await db.dropDatabase().catch(() => undefined);
  await mongo.close();
});

/** SQLite's plan for the SQL FerretDB runs for `filter`, one line per step, and whether FerretDB handed it the filter. */
async function sqlitePlan(filter: object): Promise<{ plan: string; pushdown: unknown }> {
  const explained = await db.command({ explain: { find: 'events', filter }, verbosity: 'queryPlanner' });
  const plan = (explained.queryPlanner as { Plan?: string[] }).Plan ?? [];
  return { plan: plan.map((step) => step.replace(/^.*detail=/, '')).join('; '), pushdown: explained.filterPushdown };
}

describe("FerretDB's lookup by _id on SQLite", () => {
  it.each([
    ['a string', 'event-42'],
    ['an ObjectId', objectId],
  ])('of %s _id is a search of the _id index, not a scan', async (_what, id) => {
    const { plan, pushdown } = await sqlitePlan({ _id: id });
    expect(pushdown).toBe(true);
    expect(plan).toMatch(/^SEARCH \S+ USING INDEX \S+__id_ \(<expr>=\?\)$/);
  });

  it('a filter FerretDB does not hand SQLite (a number _id) is still a scan: the check above can fail', async () => {
    expect(await sqlitePlan({ _id: 7 })).toEqual({ plan: expect.stringMatching(/^SCAN /), pushdown: false });
  });

  it('answers what the whole collection holds, present, absent or look-alike', async () => {
    const all = await events.find({ n: { $gte: -10 } }).toArray();
    const probes: Doc['_id'][] = [
      'event-0',
      'event-1999',
      'event-2000',
      '',
      7,
      '7',
      objectId,
      new ObjectId(),
      '{"$o":"x"}',
    ];
    for (const id of probes) {
      const expected = all.filter(
        (doc) => JSON.stringify(doc._id) === JSON.stringify(id) && typeof doc._id === typeof id,
      );
      expect({ id, found: await events.find({ _id: id }).toArray() }).toEqual({ id, found: expected });
    }
  });

  it('updates and deletes exactly the document it looked up by string _id', async () => {
    await events.replaceOne({ _id: 'event-5' }, { n: 5_000 });
    await events.updateOne({ _id: 'event-6' }, { $set: { n: 6_000 } });
    await events.deleteOne({ _id: 'event-7' });
    const changed = await events.find({ n: { $gte: 1_000 } }, { sort: { n: 1 } }).toArray();
    expect(changed).toEqual([
      { _id: 'event-1000', n: 1_000 },
      ...Array.from({ length: 999 }, (_, k) => ({ _id: `event-${1_001 + k}`, n: 1_001 + k })),
      { _id: 'event-5', n: 5_000 },
      { _id: 'event-6', n: 6_000 },
    ]);
    expect(await events.countDocuments({})).toBe(2_003);
    expect(await events.findOne({ _id: 'event-7' })).toBeNull();
    expect(await events.findOne({ _id: '7' })).toEqual({ _id: '7', n: -2 });
  });
});
