/**
 * `startReader()`: the read API in-process — MongoDB connected and its indexes
 * ensured, on FerretDB its in-memory views read (views.ts), the dead-letter
 * index consuming the DLQ, the app listening — and `stop()` to take it down in order. `main.ts` runs it as a service; tests
 * start it on port 0.
 */
import type { Config } from '../lib/config';
import { describeError } from '../lib/errors';
import { listenService, serviceBase, type RunningService, type ServiceDeps } from '../lib/http/service';
import type { Logger } from '../lib/logger';
import { createMongoClient, ensureIndexes, isFerretDb } from '../lib/mongo';
import { closeServer } from '../lib/observability';
import { retry } from '../lib/retry';
import { Shutdown } from '../lib/shutdown';
import { createReaderApp, SERVICE } from './app';
import { DeadLetterIndex } from './dead-letter-index';
import { storeSource, type ReadSource } from './queries';

const HOURLY_VIEW_REFRESH_MS = 60_000;
const VIEW_MAX_STALENESS_MS = 30_000;
import { ReadViews } from './views';

/** `connectRetries` counts the attempts to reach MongoDB and Kafka; `port` defaults to config.reader.port. */
export type ReaderDeps = ServiceDeps;

/** `stop()`: stop accepting, finish in-flight requests, stop the dead-letter index, close MongoDB. */
export type RunningReader = RunningService;

export async function startReader(config: Config, log: Logger, deps: ReaderDeps = {}): Promise<RunningReader> {
  const { registry, kafka, connecting } = serviceBase(SERVICE, config, log, deps);
  const mongo = createMongoClient(config.mongo);
  const db = mongo.db(config.mongo.db);
  await retry(() => ensureIndexes(db), {
    ...connecting,
    onRetry: ({ error, attempt }) =>
      log.warn({ attempt, reason: describeError(error) }, 'cannot reach MongoDB yet, retrying'),
  });
  const deadLetters = new DeadLetterIndex(kafka, db, {
    topic: config.kafka.topics.dlq,
    groupId: config.reader.dlqGroupId,
    log,
  });
  await retry(() => deadLetters.start(), {
    ...connecting,
    onRetry: ({ error, attempt }) =>
      log.warn({ attempt, reason: describeError(error) }, 'cannot start the dead-letter index yet, retrying'),
  });

  // On FerretDB (or when asked), the listed collections are read from in-memory views (reader/views.ts).
  const useViews = config.reader.views === 'on' || (config.reader.views === 'auto' && (await isFerretDb(db)));
  const views = useViews
    ? new ReadViews(db, {
        refreshMs: config.reader.viewRefreshMs,
        // The hourly insights change once an hour; a copy answers 503 only after the store was away this long.
        hourlyRefreshMs: Math.max(config.reader.viewRefreshMs * 30, HOURLY_VIEW_REFRESH_MS),
        maxStalenessMs: Math.max(config.reader.viewRefreshMs * 15, VIEW_MAX_STALENESS_MS),
        log,
      })
    : null;
  if (views)
    await retry(() => views.start(), {
      ...connecting,
      onRetry: ({ error, attempt }) =>
        log.warn({ attempt, reason: describeError(error) }, 'cannot read the read views yet, retrying'),
    });
  const source: ReadSource = views ?? storeSource(db);

  const app = createReaderApp({
    log,
    registry,
    source,
    readiness: {
      mongo: async () => (await db.command({ ping: 1 })).ok === 1,
      deadLetterIndex: () => deadLetters.isRunning(),
      ...(views && { readViews: () => views.fresh() }),
    },
  });
  const { server, port, url } = await listenService(app, config, deps, config.reader.port);
  log.info({ port, dlq: config.kafka.topics.dlq, views: useViews }, 'read API listening');

  const shutdown = new Shutdown(log, { stepTimeoutMs: 10_000 })
    .add('stop accepting requests, finish those in flight', () => closeServer(server))
    .add('stop the dead-letter index', () => deadLetters.stop())
    .add('stop refreshing the read views', async () => views?.stop())
    .add('close MongoDB', () => mongo.close());
  return { url, port, stop: () => shutdown.run('stop') };
}
