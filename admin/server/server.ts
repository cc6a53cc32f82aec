/**
 * The admin server (port 3000, docs/ARCHITECTURE.md §5a and §8): the BullMQ dashboard
 * (bull-board) at /admin/queues and the live page of the pipeline at /
 * (live/routes.ts: Server-Sent Events from one poller), both behind basic auth, and the ops routes
 * /healthz, /readyz (Redis answers) and /metrics (jobs by state, a bounded
 * cost per scrape: queue-metrics.ts).
 *
 * A process of its own, apart from the workers, so workers scale without
 * fighting over the port. It refuses to start without ADMIN_PASSWORD: there is
 * no unauthenticated dashboard.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express from 'express';
import type { HelmetOptions } from 'helmet';
import { z } from 'zod';
import type { Config } from '../../lib/config';
import { errorHandler } from '../../lib/http/error-handler';
import { listen } from '../../lib/http/listen';
import { notFound } from '../../lib/http/not-found';
import { opsRoutes } from '../../lib/http/ops-routes';
import { requestContext } from '../../lib/http/request-context';
import { securityHeaders } from '../../lib/http/security-headers';
import { createKafka } from '../../lib/kafka/client';
import type { Logger } from '../../lib/logger';
import { createMongoClient } from '../../lib/mongo';
import { closeServer, createMetricsRegistry } from '../../lib/observability';
import { integerAtLeast, resolveOptions, withoutUndefined } from '../../lib/options';
import { Shutdown } from '../../lib/shutdown';
import { createQueue, type ProducerQueue } from '../../lib/jobs/queue';
import { closeRedis, createRedis, logEachOutageOnce, redisAnswers } from '../../lib/redis';
import { basicAuth } from './basic-auth';
import { LivePoller, type LivePollerOptions } from './live/poller';
import { liveRoutes } from './live/routes';
import { registerQueueMetrics } from './queue-metrics';
import { ADMIN_STOP_STEP_MS } from '../../lib/shutdown-bounds';

export interface AdminOptions {
  /** Port to listen on; 0 picks a free one (tests). Default: ADMIN_PORT (3000). */
  port?: number;
  /** Interface to listen on. Default: config.http.host (HTTP_HOST, 127.0.0.1). */
  host?: string;
  /** Where the dashboard is served. Default: '/admin/queues'. */
  basePath?: string;
  /** How long one reading of the queue's counts serves /metrics scrapes, in ms. Default: 1_000. */
  metricsCacheMs?: number;
  /** Longest wait for one shutdown step, in ms. Default: 5_000. */
  stopStepTimeoutMs?: number;
  /** The live page's poller (live/poller.ts). Default: {} (its defaults, LIVE_POLL_MS). */
  live?: LivePollerOptions;
}

export interface AdminServer {
  /** The base URL, e.g. http://127.0.0.1:3000 */
  url: string;
  port: number;
  /** The queue the dashboard shows (a client of the producer-jobs queue). */
  queue: ProducerQueue;
  /** The live page's one poller (its reads count in /metrics as live_page_reads_total). */
  live: LivePoller;
  /** Its cleanup steps; `main.ts` runs them on SIGTERM. */
  shutdown: Shutdown;
  /** Stop listening, close the queue and Redis. Calling it again returns the same promise. */
  stop(): Promise<boolean>;
}

const DEFAULTS = { basePath: '/admin/queues', metricsCacheMs: 1_000, stopStepTimeoutMs: ADMIN_STOP_STEP_MS, live: {} };

const AdminOptionsSchema = z.object({
  port: z.number().int().min(0).max(65_535, { error: 'must be a port, 0 to 65535' }),
  basePath: z.string().regex(/^\/[A-Za-z0-9/_-]*[A-Za-z0-9_-]$/, { error: 'must start with / and not end with /' }),
  metricsCacheMs: integerAtLeast(0),
  stopStepTimeoutMs: integerAtLeast(1),
});

/**
 * helmet's defaults suit an HTML app (scripts from this origin only, no
 * framing). Styles and fonts are kept to this origin too: bull-board's page
 * asks Google Fonts for its typeface, and an admin page should not tell a
 * third party who opens it (it falls back to the system font). No Referer
 * leaves the dashboard (its URLs name queues and jobs).
 */
const DASHBOARD_HELMET: HelmetOptions = {
  contentSecurityPolicy: {
    directives: { styleSrc: ["'self'", "'unsafe-inline'"], fontSrc: ["'self'", 'data:'] },
  },
  referrerPolicy: { policy: 'no-referrer' },
};

export async function startAdmin(config: Config, log: Logger, options: AdminOptions = {}): Promise<AdminServer> {
  const settings: Required<AdminOptions> = resolveOptions(
    'admin server',
    AdminOptionsSchema,
    {
      ...DEFAULTS,
      port: config.admin.port,
      host: config.http.host,
      ...withoutUndefined(options),
    },
    { hints: { port: 'set ADMIN_PORT' } },
  );
  // First, before connecting anything: no password, no server.
  const auth = basicAuth({ user: config.admin.user, password: config.admin.password });

  const queue = createQueue(config);
  const redis = createRedis(config, 'workers-admin', log);
  // The queue's connection and ours reach the same Redis: ours being back means the outage is over.
  const onQueueError = logEachOutageOnce(log, 'queue connection error');
  queue.on('error', onQueueError);
  redis.on('ready', () => onQueueError.reset());
  const registry = createMetricsRegistry('workers-admin');
  registerQueueMetrics(registry, queue, { cacheMs: settings.metricsCacheMs });

  // The live page reads Kafka and the store itself; both clients connect on the first page's first read.
  const kafka = createKafka(config.kafka, log, { clientId: `${config.kafka.clientId}-admin-live` });
  const mongo = createMongoClient(config.mongo);
  const live = new LivePoller(
    {
      config,
      log: log.child({ component: 'live-page' }),
      queue,
      kafka,
      db: mongo.db(config.mongo.db),
      registry,
      redisAnswers: () => redisAnswers(redis),
      dashboardPath: settings.basePath,
    },
    settings.live,
  );

  const board = new ExpressAdapter().setBasePath(settings.basePath);
  createBullBoard({
    queues: [new BullMQAdapter(queue, { description: 'somedata and footdata producer jobs' })],
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'kafka-pipeline', hideDocsLink: true } },
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(requestContext(log));
  app.use(securityHeaders(DASHBOARD_HELMET));
  app.use(opsRoutes({ service: 'workers-admin', registry, readiness: { redis: () => redisAnswers(redis) } }));
  app.use(liveRoutes({ poller: live, log, auth, readerUrl: config.admin.live.readerUrl }));
  app.use(settings.basePath, auth, board.getRouter());
  app.use(notFound());
  app.use(errorHandler(log));

  const shutdown = new Shutdown(log, { stepTimeoutMs: settings.stopStepTimeoutMs });
  let listening;
  try {
    listening = await listen(app, { port: settings.port, http: config.http, host: settings.host });
  } catch (error) {
    await shutdown
      .add('mongo client', () => mongo.close())
      .add('queue', () => queue.close())
      .add('redis', () => closeRedis(redis))
      .run('failed to listen');
    throw error;
  }
  const { server, port, url } = listening;
  shutdown
    .add('live page poller', () => live.close())
    .add('http server', () => closeServer(server))
    .add('mongo client', () => mongo.close())
    .add('queue', () => queue.close())
    .add('redis', () => closeRedis(redis));
  log.info({ port, dashboard: `${url}${settings.basePath}` }, 'admin server listening');
  return {
    url,
    port,
    queue,
    live,
    shutdown,
    stop: () => shutdown.run('stop'),
  };
}
