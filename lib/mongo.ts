/**
 * The MongoDB client every service builds from config, and the indexes of the
 * pipeline's collections. Works against MongoDB 7/8 and FerretDB 1.24 alike:
 * only plain CRUD, bulk writes and `$match`/`$group`+`$sum` aggregations.
 */
import { readFileSync } from 'node:fs';
import { MongoClient, type Db, type MongoClientOptions } from 'mongodb';
import INDEX_LIST from './mongo-indexes.json';
import type { Config } from './config';
import { ConfigError } from './errors';

/** Collection names (docs/ARCHITECTURE.md §5). */
export const COLLECTIONS = {
  somedata: 'somedata',
  footdata: 'footdata',
  // Written by the insights DAG (airflow/plugins/kafka_pipeline_provider/insights/) and the read API's DLQ index (reader/).
  standings: 'standings',
  somedataHourly: 'somedata_hourly',
  pipelineVolumeHourly: 'pipeline_volume_hourly',
  deadLetters: 'dead_letters',
  // One document per collection below, its count of write batches (countChange).
  changeCounts: 'change_counts',
} as const;

/**
 * The collections whose writers count their write batches in `change_counts`
 * (the sink for footdata, the read API's DLQ copy for dead_letters), so the read
 * API's in-memory views (reader/views.ts) re-read one only when it changed.
 */
export const CHANGE_COUNTED: ReadonlySet<string> = new Set([COLLECTIONS.footdata, COLLECTIONS.deadLetters]);

/** Count a write batch on `collection`, after it is written (a string `_id`: a point read even on FerretDB). */
export async function countChange(db: Db, collection: string): Promise<void> {
  await db
    .collection<{ _id: string; batches: number }>(COLLECTIONS.changeCounts)
    .updateOne({ _id: collection }, { $inc: { batches: 1 } }, { upsert: true });
}

/** The write batches counted on `collection` so far (0: none yet). */
export async function changesOf(db: Db, collection: string): Promise<number> {
  const found = await db
    .collection<{ _id: string; batches: number }>(COLLECTIONS.changeCounts)
    .findOne({ _id: collection });
  return found?.batches ?? 0;
}

/**
 * The connection string to use: MONGO_URL, with the password from
 * MONGO_PASSWORD_FILE filled in when one is configured (the Docker secret).
 */
export function resolveMongoUrl(config: Config['mongo']): string {
  if (!config.passwordFile) return config.url;
  let password: string;
  try {
    password = readFileSync(config.passwordFile, 'utf8').trim();
  } catch (error) {
    const problem = `MONGO_PASSWORD_FILE: cannot read ${config.passwordFile} (${(error as Error).message})`;
    throw new ConfigError(`invalid configuration:\n  - ${problem}`, [problem]);
  }
  const url = new URL(config.url);
  if (!url.username) {
    const problem = 'MONGO_URL: must name a user (mongodb://user@host:port) when MONGO_PASSWORD_FILE is set';
    throw new ConfigError(`invalid configuration:\n  - ${problem}`, [problem]);
  }
  url.password = encodeURIComponent(password);
  return url.toString();
}

/** MONGO_OPERATION_TIMEOUT_MS's default (lib/config.ts). */
export const DEFAULT_OPERATION_TIMEOUT_MS = 10_000;

/**
 * A client on which every operation ends within about the operation timeout
 * (MONGO_OPERATION_TIMEOUT_MS), even against a store that accepts connections
 * and never answers (a paused process, a black-holed network): each stage is
 * bounded on its own, since mongodb 7.8 made the one-for-all `timeoutMS` a
 * no-op (it could leave a pooled connection out of step with its answers).
 *
 *  - finding the server (serverSelectionTimeoutMS) and opening a connection
 *    (connectTimeoutMS): 5 s, or the operation timeout when shorter;
 *  - waiting for a pooled connection (waitQueueTimeoutMS): the operation timeout;
 *  - each answer on a connection (socketTimeoutMS): the operation timeout; the
 *    connection is then closed, never reused.
 *
 * A timeout is a driver error (MongoNetworkTimeoutError, WaitQueueTimeoutError,
 * MongoServerSelectionError; inside a bulk write a MongoBulkWriteError without
 * write errors): callers treat it as "store unavailable" and retry with backoff.
 * The operation may still complete on the server; the pipeline's writes are idempotent.
 */
export function createMongoClient(config: Config['mongo'], options: MongoClientOptions = {}): MongoClient {
  const operationTimeoutMs = config.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
  return new MongoClient(resolveMongoUrl(config), {
    appName: 'kafka-pipeline',
    serverSelectionTimeoutMS: Math.min(5_000, operationTimeoutMs),
    connectTimeoutMS: Math.min(5_000, operationTimeoutMs),
    waitQueueTimeoutMS: operationTimeoutMs,
    socketTimeoutMS: operationTimeoutMs,
    ...options,
  });
}

/**
 * The indexes of docs/ARCHITECTURE.md section 5, per collection, in one list
 * that db/init/20-indexes.js reads too (the compose stack's fresh MongoDB):
 * `runId` on both topics' collections (verify_sink); `producedAt` and
 * `storedAt` for the insights DAG's hourly reads (ensure_indexes in
 * airflow/plugins/kafka_pipeline_provider/insights/run.py, same names); on footdata, the read API's pages by (utcDate, _id)
 * per filter and its lookup by eventId (reader/queries.ts); those of the
 * insights collections and of the read API's dead_letters copy.
 */
export const INDEXES = INDEX_LIST as unknown as Record<
  (typeof COLLECTIONS)[keyof typeof COLLECTIONS],
  { key: Record<string, 1 | -1>; name: string }[]
>;

/** Create the pipeline's indexes; idempotent (an existing identical index is a no-op). */
export async function ensureIndexes(db: Db): Promise<void> {
  for (const [collection, indexes] of Object.entries(INDEXES)) {
    // One index per command: FerretDB 1.24 drops the connection (a server-side
    // panic) when one createIndexes command names several indexes that all exist.
    for (const { key, name } of indexes) await db.collection(collection).createIndex(key, { name });
  }
}

/**
 * Whether the store is FerretDB rather than MongoDB: FerretDB's buildInfo names
 * itself (`ferretdbVersion`, or a `ferretdb` section), MongoDB's does not.
 */
export async function isFerretDb(db: Db): Promise<boolean> {
  const info = await db.admin().command({ buildInfo: 1 });
  return 'ferretdbVersion' in info || 'ferretdb' in info;
}
