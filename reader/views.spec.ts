import type { Db, Document } from 'mongodb';
import { UnavailableError } from '../lib/errors';
import { COLLECTIONS } from '../lib/mongo';
import { createLogger } from '../lib/logger';
import { matchQuery, eventQueries } from './read-queries';
import { ReadViews } from './views';

/** A store of fixed collections whose reads can be made to fail (pure logic: the real store is in test/integration). */
function fakeDb(collections: Record<string, Document[]>) {
  const state = { failing: false, reads: 0, batches: 0 };
  const cursor = (docs: () => Document[]) => {
    const chain = {
      sort: () => chain,
      limit: () => chain,
      toArray: async () => {
        state.reads++;
        if (state.failing) throw new Error('store away');
        return docs();
      },
    };
    return chain;
  };
  const db = {
    collection: (name: string) => ({
      find: () => cursor(() => [...(collections[name] ?? [])]),
      // change_counts: the writers' batch count of every counted collection.
      findOne: async () => {
        if (state.failing) throw new Error('store away');
        return name === COLLECTIONS.changeCounts ? { batches: state.batches } : null;
      },
    }),
  };
  return { db: db as unknown as Db, state };
}

const log = createLogger({ service: 'test', level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ReadViews', () => {
  it('answers the viewed collections from its copy and the others from the store', async () => {
    const { db, state } = fakeDb({
      [COLLECTIONS.footdata]: [{ _id: 7, id: 7, utcDate: new Date(0) }],
      [COLLECTIONS.somedata]: [{ _id: 'e1' }],
    });
    const views = new ReadViews(db, { refreshMs: 60_000, hourlyRefreshMs: 60_000, maxStalenessMs: 60_000, log });
    await views.start();
    const readsAfterStart = state.reads;
    expect(await views.find(matchQuery(7))).toEqual([{ _id: 7, id: 7, utcDate: new Date(0) }]);
    expect(await views.find(matchQuery(8))).toEqual([]);
    expect(state.reads).toBe(readsAfterStart);
    await views.find(eventQueries('e1').somedata);
    expect(state.reads).toBe(readsAfterStart + 1);
    await views.stop();
  });

  it('keeps serving its last copy while a refresh fails, and answers 503 once it is older than maxStalenessMs', async () => {
    const { db, state } = fakeDb({ [COLLECTIONS.footdata]: [{ _id: 7, utcDate: new Date(0) }] });
    const views = new ReadViews(db, { refreshMs: 10, hourlyRefreshMs: 10, maxStalenessMs: 150, log });
    await views.start();
    state.failing = true;
    await sleep(50);
    expect(await views.find(matchQuery(7))).toHaveLength(1);
    await sleep(200);
    expect(views.fresh()).toBe(false);
    await expect(views.find(matchQuery(7))).rejects.toBeInstanceOf(UnavailableError);
    state.failing = false;
    await sleep(50);
    expect(views.fresh()).toBe(true);
    expect(await views.find(matchQuery(7))).toHaveLength(1);
    await views.stop();
  });

  it('re-reads a counted collection only when its writers counted a batch', async () => {
    const footdata = [{ _id: 7, utcDate: new Date(0) }];
    const { db, state } = fakeDb({ [COLLECTIONS.footdata]: footdata });
    const views = new ReadViews(db, { refreshMs: 10, hourlyRefreshMs: 60_000, maxStalenessMs: 1_000, log });
    await views.start();
    footdata.push({ _id: 8, utcDate: new Date(1) });
    await sleep(60);
    expect(await views.find(matchQuery(8))).toEqual([]);
    state.batches++;
    await sleep(60);
    expect(await views.find(matchQuery(8))).toHaveLength(1);
    await views.stop();
  });

  it('stops refreshing when stopped', async () => {
    const { db, state } = fakeDb({});
    const views = new ReadViews(db, { refreshMs: 10, hourlyRefreshMs: 10, maxStalenessMs: 1_000, log });
    await views.start();
    await views.stop();
    const reads = state.reads;
    await sleep(50);
    expect(state.reads).toBe(reads);
  });

  it('refuses to start when the store cannot be read', async () => {
    const { db, state } = fakeDb({});
    state.failing = true;
    const views = new ReadViews(db, { refreshMs: 10, hourlyRefreshMs: 10, maxStalenessMs: 1_000, log });
    await expect(views.start()).rejects.toThrow('store away');
    await views.stop();
  });
});
