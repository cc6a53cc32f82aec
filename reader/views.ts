/**
 * The read API's in-memory views of the collections its routes list and
 * filter (matches, standings, hourly insights, dead letters), for a store that
 * cannot serve those queries from an index: FerretDB 1.24 on SQLite hands
 * SQLite only `_id` equal to a string or an ObjectId and filters and sorts
 * everything else in Go over the whole collection (docs/ARCHITECTURE.md §5b).
 *
 * Each view is a copy of its collection, read whole in the background, so a
 * request never waits for the store: it runs the route's own ReadQuery
 * (reader/read-queries.ts) over the copy (reader/in-memory-query.ts). Every
 * `refreshMs` a view checks its collection: footdata and dead_letters, whose
 * writers count their write batches (lib/mongo.ts countChange), are re-read
 * when the count moved (one point read of a tiny document otherwise) and at
 * the latest every `hourlyRefreshMs`; the others are re-read each time, the
 * hourly insights every `hourlyRefreshMs`. An answer is thus at most one
 * refresh behind the store, and a view not brought up to date for
 * `maxStalenessMs` past its period (the store away) answers 503, like the store would. `somedata` (100,000s of events,
 * read only by its string `_id`) stays in the store: too large to copy, and
 * FerretDB hands SQLite that `_id` equality, which the local stack's FerretDB
 * answers from its `_id` index (infra/ferretdb/id-pushdown.sed).
 */
import type { Db, Document } from 'mongodb';
import { describeError, UnavailableError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { CHANGE_COUNTED, changesOf, COLLECTIONS } from '../lib/mongo';
import { compareBy, runInMemory } from './in-memory-query';
import type { ReadSource } from './queries';
import { storeSource } from './queries';
import type { CollectionName, ReadQuery } from './read-queries';

export interface ReadViewsOptions {
  /** How often the matches, standings and dead letters are read again. */
  refreshMs: number;
  /** How often the hourly insights (written once an hour) are read again. */
  hourlyRefreshMs: number;
  /** A view not brought up to date for this long past its period answers 503 instead of its copy. */
  maxStalenessMs: number;
  log: Logger;
}

/** Each viewed collection and the order its copy is kept in (its main route's sort). */
const VIEWED: { collection: CollectionName; order: Record<string, 1 | -1>; hourly: boolean }[] = [
  { collection: COLLECTIONS.footdata, order: { utcDate: 1, _id: 1 }, hourly: false },
  { collection: COLLECTIONS.standings, order: { competition: 1, season: -1 }, hourly: false },
  { collection: COLLECTIONS.deadLetters, order: { failedAt: -1, _id: 1 }, hourly: false },
  { collection: COLLECTIONS.somedataHourly, order: { hour: 1, term: 1 }, hourly: true },
];

interface View {
  order: Record<string, 1 | -1>;
  everyMs: number;
  docs: readonly Document[];
  /** The copy is what the store held at this instant (ms). */
  readAt: number;
  /** When it was last read whole (ms), and its writers' batch count then (counted collections). */
  wholeAt: number;
  batches: number;
}

export class ReadViews implements ReadSource {
  private readonly views = new Map<CollectionName, View>();
  private readonly store: ReadSource;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly refreshing = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly options: ReadViewsOptions,
  ) {
    this.store = storeSource(db);
    for (const { collection, order, hourly } of VIEWED)
      this.views.set(collection, {
        order,
        everyMs: hourly ? options.hourlyRefreshMs : options.refreshMs,
        docs: [],
        readAt: 0,
        wholeAt: 0,
        batches: -1,
      });
  }

  /** Read every view once (throws when the store cannot be read), then keep them fresh. */
  async start(): Promise<void> {
    await Promise.all([...this.views.keys()].map((collection) => this.refresh(collection)));
    for (const collection of this.views.keys()) this.schedule(collection);
  }

  find(query: ReadQuery): Promise<Document[]> {
    const view = this.views.get(query.collection);
    if (!view) return this.store.find(query);
    const age = Date.now() - view.readAt;
    if (age > view.everyMs + this.options.maxStalenessMs)
      return Promise.reject(
        new UnavailableError(
          `the store is unavailable (the ${query.collection} view is ${Math.round(age / 1000)} s old)`,
          {
            retryAfterMs: 2_000,
          },
        ),
      );
    return Promise.resolve(runInMemory(view.docs, view.order, query));
  }

  /** Whether every view is younger than `maxStalenessMs` (readiness). */
  fresh(): boolean {
    const now = Date.now();
    return [...this.views.values()].every((view) => now - view.readAt <= view.everyMs + this.options.maxStalenessMs);
  }

  /**
   * Bring one view up to date: a counted collection whose count has not moved
   * since its last whole read (and that read is younger than `hourlyRefreshMs`)
   * is still what the store holds; otherwise read it whole and swap the copy in
   * (the old copy serves until then). The count is read before the documents,
   * so a batch written during the read moves it again and is read next time.
   */
  private async refresh(collection: CollectionName): Promise<void> {
    const view = this.views.get(collection)!;
    const startedAt = Date.now();
    const counted = CHANGE_COUNTED.has(collection);
    const batches = counted ? await changesOf(this.db, collection) : -1;
    if (counted && batches === view.batches && startedAt - view.wholeAt < this.options.hourlyRefreshMs) {
      view.readAt = startedAt;
      return;
    }
    // In batches, so decoding a large collection leaves room for requests in between.
    const docs = await this.db.collection(collection).find({}, { batchSize: 500 }).toArray();
    docs.sort(compareBy(view.order));
    view.docs = docs;
    view.readAt = startedAt;
    view.wholeAt = startedAt;
    view.batches = batches;
  }

  private schedule(collection: CollectionName): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const run = this.refresh(collection)
        .catch((error: unknown) =>
          this.options.log.warn(
            { collection, reason: describeError(error) },
            'cannot refresh a read view, keeping the last',
          ),
        )
        .finally(() => {
          this.refreshing.delete(run);
          this.schedule(collection);
        });
      this.refreshing.add(run);
    }, this.views.get(collection)!.everyMs);
    this.timers.add(timer);
  }

  /** Stop refreshing; waits for a refresh in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.refreshing]);
  }
}
