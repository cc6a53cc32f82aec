/**
 * The MongoDB client every service builds from config, and the indexes of the
 * pipeline's collections. Works against MongoDB 7/8 and FerretDB 1.24 alike:
 * only plain CRUD, bulk writes and `$match`/`$group`+`$sum` aggregations.
 */
import { readFileSync } from 'node:fs';
import { MongoClient, type Db, type MongoClientOptions } from 'mongodb';
import type { Config } from './config';
import { ConfigError } from './errors';

/** Collection names (docs/ARCHITECTURE.md §5). */
export const COLLECTIONS = {
  somedata: 'somedata',
  footdata: 'footdata',
  // Written by the insights DAG (airflow/plugins/insights_compute.py) and the read API's DLQ index (reader/).
  standings: 'standings',
  somedataHourly: 'somedata_hourly',
  pipelineVolumeHourly: 'pipeline_volume_hourly',
  deadLetters: 'dead_letters',
} as const;

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
const DEFAULT_OPERATION_TIMEOUT_MS = 10_000;

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

/** The indexes of docs/ARCHITECTURE.md §5, per collection. */
export const INDEXES: Record<
  (typeof COLLECTIONS)[keyof typeof COLLECTIONS],
  { key: Record<string, 1 | -1>; name: string }[]
> = {
  somedata: [
    { key: { runId: 1 }, name: 'runId' },
    // The insights DAG's hourly reads (airflow/plugins/insights_compute.py INDEXES, same names).
    { key: { producedAt: 1 }, name: 'producedAt' },
    { key: { storedAt: 1 }, name: 'storedAt' },
  ],
  footdata: [
    { key: { runId: 1 }, name: 'runId' },
    { key: { utcDate: 1 }, name: 'utcDate' },
    { key: { 'competition.code': 1 }, name: 'competition_code' },
    // The read API (reader/queries.ts): GET /matches pages by (utcDate, _id) per filter; GET /events by eventId.
    { key: { utcDate: 1, _id: 1 }, name: 'utcDate_id' },
    { key: { 'competition.code': 1, utcDate: 1, _id: 1 }, name: 'competition_utcDate_id' },
    { key: { status: 1, utcDate: 1 }, name: 'status_utcDate' },
    { key: { eventId: 1 }, name: 'eventId' },
    { key: { storedAt: 1 }, name: 'storedAt' },
  ],
  standings: [{ key: { competition: 1, season: -1 }, name: 'competition_season' }],
  somedata_hourly: [
    { key: { hour: 1, term: 1 }, name: 'hour_term' },
    { key: { term: 1, hour: 1 }, name: 'term_hour' },
  ],
  pipeline_volume_hourly: [{ key: { hour: 1 }, name: 'hour' }],
  dead_letters: [{ key: { eventId: 1, failedAt: -1 }, name: 'eventId_failedAt' }],
};

/** Create the pipeline's indexes; idempotent (an existing identical index is a no-op). */
export async function ensureIndexes(db: Db): Promise<void> {
  for (const [collection, indexes] of Object.entries(INDEXES)) {
    // One index per command: FerretDB 1.24 drops the connection (a server-side
    // panic) when one createIndexes command names several indexes that all exist.
    for (const { key, name } of indexes) await db.collection(collection).createIndex(key, { name });
  }
}
