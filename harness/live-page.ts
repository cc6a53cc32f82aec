/**
 * What the live page's tests and its benchmark share: the whole pipeline in
 * this process on fresh topics and a fresh database (API, read API, admin
 * server with the live page) plus the consumer as a child process on a port
 * of its own, so it can be stopped and started again without touching the
 * shared stack's consumer.
 */
import type { Config } from '../lib/config';
import type { RunningApi } from '../producers/service';
import { startReader, type RunningReader } from '../reader/service';
import { startAdmin, type AdminServer } from '../admin/server/server';
import type { LivePollerOptions } from '../admin/server/live/poller';
import { consumerEnv, freePort } from './consumer';
import { freshName, testLogger } from './env';
import { startService, waitUntilAnswers, type ServiceProcess } from './processes';
import { startTestApi } from './producers';
import { useSink, type SinkUnderTest } from './sink';

export const LIVE_USER = 'ops';
export const LIVE_PASSWORD = 'live-page-test-password';
export const basicAuthHeader = (user = LIVE_USER, password = LIVE_PASSWORD) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

export interface LivePipeline {
  sut: SinkUnderTest;
  api: RunningApi;
  reader: RunningReader;
  admin: AdminServer;
  /** The consumer child process now running (undefined while stopped). */
  consumer: ServiceProcess | undefined;
  consumerPort: number;
  /** The admin server's config (the file's names, the in-process services' URLs). */
  config: Config;
  stopConsumer(): Promise<void>;
  startConsumer(): Promise<void>;
}

/** For a test file: start everything in beforeAll, stop it in afterAll. */
export function useLivePipeline(live: LivePollerOptions = {}, overrides: Record<string, string> = {}): LivePipeline {
  let consumerPort = 0;
  const context = {} as LivePipeline;
  // Declared before useSink's hooks, as jest runs afterAll hooks in the order they are declared: the
  // services stop before the sink drops its topics (a poller reading a dropped topic outlives its stop).
  afterAll(async () => {
    // The file's fresh queue goes with it (jobs a test added).
    await context.admin?.queue.obliterate({ force: true }).catch(() => undefined);
    await context.admin?.stop();
    await context.stopConsumer?.();
    await context.reader?.stop();
    await context.api?.stop();
  });
  const sut = useSink(() => {
    return {
      ADMIN_USER: LIVE_USER,
      ADMIN_PASSWORD: LIVE_PASSWORD,
      READER_DLQ_GROUP: freshName('reader-dlq'),
      ...overrides,
    };
  });
  context.sut = sut;
  beforeAll(async () => {
    consumerPort = await freePort();
    context.consumerPort = consumerPort;
    context.api = await startTestApi(sut.config);
    context.reader = await startReader(sut.config, testLogger('reader'), {
      port: 0,
      host: '127.0.0.1',
      connectRetries: 3,
    });
    context.config = {
      ...sut.config,
      api: { ...sut.config.api, url: context.api.url },
      admin: {
        ...sut.config.admin,
        live: {
          ...sut.config.admin.live,
          readerUrl: context.reader.url,
          consumerUrl: `http://127.0.0.1:${consumerPort}`,
        },
      },
    };
    context.startConsumer = async () => {
      const child = startService('consumer/main.ts', consumerEnv(sut.config, consumerPort));
      context.consumer = child;
      await waitUntilAnswers(`http://127.0.0.1:${consumerPort}/readyz`, child);
    };
    context.stopConsumer = async () => {
      await context.consumer?.stop('SIGTERM');
      context.consumer = undefined;
    };
    await context.startConsumer();
    context.admin = await startAdmin(context.config, testLogger('admin'), { port: 0, host: '127.0.0.1', live });
  }, 120_000);
  return context;
}
