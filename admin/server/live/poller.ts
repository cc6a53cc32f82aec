/**
 * The one poller of the live page: it reads the pipeline on short intervals
 * (section-reads.ts, sources.ts) and fans each changed section out to every open page (feed.ts), so the
 * cost to the pipeline is that of one reader however many pages watch, and
 * nothing when none does (it runs only while a page is subscribed).
 *
 * Every message is one section's whole current state, numbered by a sequence
 * that grows with each change (`<boot>.<seq>`, the SSE id): a page that
 * reconnects with Last-Event-ID gets the sections that changed since, a page
 * of an earlier process (another boot) gets them all. Nothing is lost by a
 * restart of any service, this one included, since no section is a log.
 */
import type { Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import { Counter, Gauge, type Registry } from 'prom-client';
import { z } from 'zod';
import type { Config } from '../../../lib/config';
import { describeError } from '../../../lib/errors';
import type { ProducerQueue } from '../../../lib/jobs/queue';
import type { Logger } from '../../../lib/logger';
import { integerAtLeast, resolveOptions, withoutUndefined } from '../../../lib/options';
import { SectionFeed, type Listener } from './feed';
import { SectionReads } from './section-reads';

export interface LivePollerOptions {
  /** Interval of the fast reads (Kafka offsets, the services' /readyz), in ms. Default: config.admin.live.pollMs (LIVE_POLL_MS, 1_000). */
  pollMs?: number;
  /** The store's latest events and today's matches are read again at least this often, moved or not, in ms. Default: 10_000. */
  refreshMs?: number;
  /** Interval of the standings' reads, in ms. Default: 30_000. */
  standingsMs?: number;
  /** Interval of the BullMQ reads, in ms. Default: 2_000. */
  jobsMs?: number;
  /** Interval of the Airflow reads, in ms. Default: 5_000. */
  dagRunsMs?: number;
  /** Rows of the latest events; jobs and DAG runs show about half. Default: 20. */
  latestLimit?: number;
  /** Points kept for the charts (one per fast read). Default: 120. */
  historyPoints?: number;
  /** Longest wait for one HTTP read, in ms. Default: 2_000. */
  requestTimeoutMs?: number;
  /** How long the poller keeps running after the last page left, in ms (a reload does not restart it). Default: 10_000. */
  idleStopMs?: number;
}

export interface LivePollerDeps {
  config: Config;
  log: Logger;
  queue: ProducerQueue;
  kafka: Kafka;
  db: Db;
  registry: Registry;
  /** Whether this server's Redis answers (its own readiness). */
  redisAnswers: () => Promise<boolean>;
  /** Where the dashboard is, for the jobs' link. */
  dashboardPath: string;
}

const DEFAULTS = {
  refreshMs: 10_000,
  standingsMs: 30_000,
  jobsMs: 2_000,
  dagRunsMs: 5_000,
  latestLimit: 20,
  historyPoints: 120,
  requestTimeoutMs: 2_000,
  idleStopMs: 10_000,
};

const LivePollerOptionsSchema = z.object(
  Object.fromEntries([...Object.keys(DEFAULTS), 'pollMs'].map((name) => [name, integerAtLeast(1)])) as Record<
    keyof LivePollerOptions,
    ReturnType<typeof integerAtLeast>
  >,
);

export class LivePoller {
  private readonly feed = new SectionFeed();
  private readonly options: Required<LivePollerOptions>;
  private readonly reads: SectionReads;
  private running: AbortController | undefined;
  /** Closed by the server's shutdown: never started again. */
  private closed = false;
  private loops: Promise<void>[] = [];
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: LivePollerDeps,
    options: LivePollerOptions = {},
  ) {
    this.options = resolveOptions(
      'live poller',
      LivePollerOptionsSchema,
      { ...DEFAULTS, pollMs: deps.config.admin.live.pollMs, ...withoutUndefined(options) },
      { hints: { pollMs: 'set LIVE_POLL_MS' } },
    );
    const reads = new Counter({
      name: 'live_page_reads_total',
      help: "Reads the live page's poller made, by source (kafka, store, read_api, readyz, redis, airflow)",
      labelNames: ['source'],
      registers: [deps.registry],
    });
    const listeners = this.feed.listeners;
    new Gauge({
      name: 'live_page_subscribers',
      help: 'Pages connected to the live feed',
      registers: [deps.registry],
      collect() {
        this.set(listeners.size);
      },
    });
    this.reads = new SectionReads(deps, this.options, this.feed, reads);
  }

  /** Changes with each process: ids of an earlier boot mean "send everything". */
  get boot(): string {
    return this.feed.boot;
  }

  /** The current state as SSE messages: every section, or those changed after `lastEventId` of this boot. */
  snapshot(lastEventId?: string): string[] {
    return this.feed.snapshot(lastEventId);
  }

  /** Receive every change from now on; the poller runs while someone listens. Returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.feed.listeners.add(listener);
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (!this.running && !this.closed) this.start();
    return () => {
      this.feed.listeners.delete(listener);
      if (this.feed.listeners.size === 0 && !this.idleTimer)
        this.idleTimer = setTimeout(() => void this.stop(), this.options.idleStopMs).unref();
    };
  }

  get subscribers(): number {
    return this.feed.listeners.size;
  }

  /**
   * Stop for good (the admin server's shutdown): a page that reconnects meanwhile gets the last
   * sections, but no poller starts again to outlive the server.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }

  /** Stop the loops (waiting for the reads in flight) and the Kafka admin client; a new subscriber starts them again. */
  async stop(): Promise<void> {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.running?.abort();
    this.running = undefined;
    await Promise.allSettled(this.loops);
    this.loops = [];
    await this.reads.reset();
  }

  private start(): void {
    const running = new AbortController();
    this.running = running;
    const o = this.options;
    this.loops = [
      this.every(running.signal, o.pollMs, () => this.reads.readFlow()),
      this.every(running.signal, o.pollMs, () => this.reads.readHealth()),
      this.every(running.signal, o.jobsMs, () => this.reads.readJobs()),
      this.every(running.signal, o.standingsMs, () => this.reads.readStandings()),
      this.every(running.signal, o.dagRunsMs, () => this.reads.readDagRuns()),
    ];
  }

  /** Run `read` every `ms` (from the start of one run to the next) until `signal` aborts; a run never overlaps the next. */
  private async every(signal: AbortSignal, ms: number, read: () => Promise<void>): Promise<void> {
    while (!signal.aborted) {
      const started = Date.now();
      try {
        await read();
      } catch (error) {
        this.deps.log.warn({ reason: describeError(error) }, 'live page read failed');
      }
      const wait = Math.max(0, ms - (Date.now() - started));
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, wait);
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }
}
