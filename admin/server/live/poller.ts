/**
 * The one poller of the live page: it reads the pipeline on short intervals
 * (sources.ts) and fans each changed section out to every open page, so the
 * cost to the pipeline is that of one reader however many pages watch, and
 * nothing when none does (it runs only while a page is subscribed).
 *
 * Every message is one section's whole current state, numbered by a sequence
 * that grows with each change (`<boot>.<seq>`, the SSE id): a page that
 * reconnects with Last-Event-ID gets the sections that changed since, a page
 * of an earlier process (another boot) gets them all. Nothing is lost by a
 * restart of any service, this one included, since no section is a log.
 */
import { randomBytes } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import { Counter, Gauge, type Registry } from 'prom-client';
import { z } from 'zod';
import type { Config } from '../../../lib/config';
import { describeError } from '../../../lib/errors';
import type { Logger } from '../../../lib/logger';
import { integerAtLeast, resolveOptions, withoutUndefined } from '../../../lib/options';
import type { ProducerQueue } from '../../../lib/jobs/queue';
import type { FlowSection, HealthSection, SectionName, Sections, ServiceHealth } from '../../../lib/live-sections';
import {
  AirflowRuns,
  checkHealth,
  readJobs,
  readLatestDeadLetters,
  readLatestEvents,
  readMatches,
  readOffsets,
  readStandings,
  utcDay,
  type HealthTarget,
  type Offsets,
} from './sources';

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

type Listener = (message: string) => void;
interface Stored {
  seq: number;
  json: string;
  /** The JSON without `at`: what decides whether a section changed. */
  key: string;
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
  /** Changes with each process: ids of an earlier boot mean "send everything". */
  readonly boot = randomBytes(4).toString('hex');
  private seq = 0;
  private readonly sections = new Map<SectionName, Stored>();
  private readonly listeners = new Set<Listener>();
  private readonly options: Required<LivePollerOptions>;
  private readonly reads: Counter<'source'>;
  private running: AbortController | undefined;
  /** Closed by the server's shutdown: never started again. */
  private closed = false;
  private loops: Promise<void>[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  private admin: Admin | undefined;
  private readonly airflow: AirflowRuns | undefined;
  private readonly healthTargets: HealthTarget[];
  // What the fast loop saw last, to read the store only when Kafka says something moved.
  private previous: { t: number; records: Record<string, number> } | undefined;
  private history: FlowSection['history'] = [];
  private seen = { committed: '', dlq: -1, eventsAt: 0, matchesAt: 0, deadLettersDue: 0 };
  private kafkaOk: boolean | undefined;
  private storeOk: boolean | undefined;
  private competitions: string[] = [];

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
    const { api } = deps.config;
    const { live } = deps.config.admin;
    this.reads = new Counter({
      name: 'live_page_reads_total',
      help: "Reads the live page's poller made, by source (kafka, store, read_api, readyz, redis, airflow)",
      labelNames: ['source'],
      registers: [deps.registry],
    });
    const listeners = this.listeners;
    new Gauge({
      name: 'live_page_subscribers',
      help: 'Pages connected to the live feed',
      registers: [deps.registry],
      collect() {
        this.set(listeners.size);
      },
    });
    this.healthTargets = [
      { name: 'api', url: `${api.url}/readyz`, link: null, kind: 'readyz' },
      { name: 'reader', url: `${live.readerUrl}/readyz`, link: null, kind: 'readyz' },
      { name: 'consumer', url: `${live.consumerUrl}/readyz`, link: null, kind: 'readyz' },
      { name: 'workers', url: `${live.workerUrl}/readyz`, link: null, kind: 'readyz' },
      {
        name: 'airflow',
        url: `${live.airflowUrl}/api/v2/monitor/health`,
        link: live.airflowPublicUrl,
        kind: 'airflow',
      },
    ];
    if (live.airflowPasswordsFile)
      this.airflow = new AirflowRuns({
        url: live.airflowUrl,
        publicUrl: live.airflowPublicUrl,
        user: live.airflowUser,
        passwordsFile: live.airflowPasswordsFile,
        timeoutMs: this.options.requestTimeoutMs,
      });
  }

  /** The current state as SSE messages: every section, or those changed after `lastEventId` of this boot. */
  snapshot(lastEventId?: string): string[] {
    const [boot, seqText] = (lastEventId ?? '').split('.');
    const since = boot === this.boot && /^\d+$/.test(seqText ?? '') ? Number(seqText) : -1;
    return [...this.sections.entries()]
      .filter(([, stored]) => stored.seq > since)
      .sort(([, a], [, b]) => a.seq - b.seq)
      .map(([name, stored]) => this.message(name, stored));
  }

  /** Receive every change from now on; the poller runs while someone listens. Returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (!this.running && !this.closed) this.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && !this.idleTimer)
        this.idleTimer = setTimeout(() => void this.stop(), this.options.idleStopMs).unref();
    };
  }

  get subscribers(): number {
    return this.listeners.size;
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
    this.previous = undefined;
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  private start(): void {
    const running = new AbortController();
    this.running = running;
    const o = this.options;
    this.loops = [
      this.every(running.signal, o.pollMs, () => this.readFlow()),
      this.every(running.signal, o.pollMs, () => this.readHealth()),
      this.every(running.signal, o.jobsMs, () => this.readJobs()),
      this.every(running.signal, o.standingsMs, () => this.readStandings()),
      this.every(running.signal, o.dagRunsMs, () => this.readDagRuns()),
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

  private message(name: SectionName, stored: Stored): string {
    return `id: ${this.boot}.${stored.seq}\nevent: ${name}\ndata: ${stored.json}\n\n`;
  }

  private publish<K extends SectionName>(name: K, data: Sections[K]): void {
    const { at: _at, ...rest } = data;
    const key = JSON.stringify(rest);
    if (this.sections.get(name)?.key === key) return;
    const stored = { seq: ++this.seq, json: JSON.stringify(data), key };
    this.sections.set(name, stored);
    const message = this.message(name, stored);
    for (const listener of this.listeners) listener(message);
  }

  /** The last good data of a section with `error` set, or `empty` when there is none yet. */
  private failed<K extends SectionName>(name: K, empty: Sections[K], error: unknown): void {
    const last = this.sections.get(name);
    const base = last ? (JSON.parse(last.json) as Sections[K]) : empty;
    this.publish(name, { ...base, at: new Date().toISOString(), error: describeError(error) });
  }

  // ---------------------------------------------------------------- Kafka, then the store when it moved

  private async readFlow(): Promise<void> {
    const { config } = this.deps;
    const now = Date.now();
    let offsets: Offsets;
    try {
      if (!this.admin) {
        const admin = this.deps.kafka.admin();
        await admin.connect();
        this.admin = admin;
      }
      // Three ListOffsets (one per topic), an OffsetFetch and a DescribeGroups.
      this.reads.inc({ source: 'kafka' }, 5);
      offsets = await readOffsets(this.admin, config);
      this.kafkaOk = true;
    } catch (error) {
      this.kafkaOk = false;
      const admin = this.admin;
      this.admin = undefined;
      await admin?.disconnect().catch(() => undefined);
      this.failed(
        'flow',
        {
          at: '',
          topics: [],
          group: { id: config.consumer.groupId, state: 'Unknown', members: 0 },
          collections: { somedata: 'somedata', footdata: 'footdata' },
          history: this.history,
        },
        error,
      );
      return;
    }
    const records = Object.fromEntries(offsets.topics.map((topic) => [topic.role, topic.records]));
    const seconds = this.previous ? (now - this.previous.t) / 1000 : 0;
    const rate = (role: string) =>
      this.previous && seconds > 0
        ? Math.max(0, (records[role]! - (this.previous.records[role] ?? 0)) / seconds)
        : null;
    this.previous = { t: now, records };
    const topics = offsets.topics.map((topic) => ({ ...topic, ratePerSec: rate(topic.role) }));
    const lag = topics.reduce((sum, topic) => sum + (topic.lag ?? 0), 0);
    if (seconds > 0) {
      const point = {
        t: now,
        somedata: rate('somedata') ?? 0,
        footdata: rate('footdata') ?? 0,
        dlq: rate('dlq') ?? 0,
        lag,
      };
      this.history = [...this.history, point].slice(-this.options.historyPoints);
    }
    this.publish('flow', {
      at: new Date(now).toISOString(),
      topics,
      group: offsets.group,
      collections: { somedata: 'somedata', footdata: 'footdata' },
      history: this.history,
    });
    await this.readStoreIfMoved(offsets, now);
  }

  private async readStoreIfMoved(offsets: Offsets, now: number): Promise<void> {
    const committed = offsets.topics
      .filter((topic) => topic.role !== 'dlq')
      .map((topic) => `${topic.role}:${topic.partitions.map((p) => p.committed ?? -1).join(',')}`)
      .join('|');
    const footdataMoved = committed.split('|')[1] !== this.seen.committed.split('|')[1];
    const moved = committed !== this.seen.committed;
    const dlqTotal = offsets.topics.find((topic) => topic.role === 'dlq')?.records ?? 0;
    // The sink commits after its write: a committed offset that moved means new documents are there.
    if (moved || now - this.seen.eventsAt >= this.options.refreshMs) {
      await this.readEvents();
      this.seen.committed = committed;
      this.seen.eventsAt = now;
    }
    if (footdataMoved || now - this.seen.matchesAt >= this.options.refreshMs) {
      await this.readMatches();
      this.seen.matchesAt = now;
    }
    // The read API copies the DLQ into the store a batch later: look again for a few polls.
    if (dlqTotal !== this.seen.dlq) this.seen.deadLettersDue = 5;
    if (this.seen.deadLettersDue > 0 || !this.sections.has('deadLetters')) {
      this.seen.deadLettersDue -= 1;
      this.seen.dlq = dlqTotal;
      await this.readDeadLetters(dlqTotal);
    } else if (this.sections.has('deadLetters')) {
      const last = JSON.parse(this.sections.get('deadLetters')!.json) as Sections['deadLetters'];
      if (last.total !== dlqTotal) this.publish('deadLetters', { ...last, total: dlqTotal });
    }
  }

  private async readEvents(): Promise<void> {
    try {
      this.reads.inc({ source: 'store' }, 2);
      const events = await readLatestEvents(this.deps.db, this.options.latestLimit);
      this.storeOk = true;
      this.publish('events', { at: new Date().toISOString(), events });
    } catch (error) {
      this.storeOk = false;
      this.failed('events', { at: '', events: [] }, error);
    }
  }

  private async readDeadLetters(total: number): Promise<void> {
    try {
      this.reads.inc({ source: 'store' });
      const latest = await readLatestDeadLetters(this.deps.db, 8);
      this.storeOk = true;
      this.publish('deadLetters', { at: new Date().toISOString(), total, latest });
    } catch (error) {
      this.storeOk = false;
      this.failed('deadLetters', { at: '', total, latest: [] }, error);
    }
  }

  // ---------------------------------------------------------------- the read API

  private async readMatches(): Promise<void> {
    const day = utcDay(new Date());
    try {
      this.reads.inc({ source: 'read_api' });
      const matches = await readMatches(this.deps.config.admin.live.readerUrl, day, this.options.requestTimeoutMs);
      this.competitions = [...new Set(matches.map((match) => match.competition).filter((c): c is string => !!c))];
      this.publish('matches', { at: new Date().toISOString(), day: day.from, matches });
    } catch (error) {
      this.failed('matches', { at: '', day: day.from, matches: [] }, error);
    }
  }

  private async readStandings(): Promise<void> {
    try {
      const tables = [];
      for (const competition of this.competitions.slice(0, 6)) {
        this.reads.inc({ source: 'read_api' });
        const table = await readStandings(
          this.deps.config.admin.live.readerUrl,
          competition,
          this.options.requestTimeoutMs,
        );
        if (table) tables.push(table);
      }
      this.publish('standings', { at: new Date().toISOString(), tables });
    } catch (error) {
      this.failed('standings', { at: '', tables: [] }, error);
    }
  }

  // ---------------------------------------------------------------- BullMQ, Airflow, health

  private async readJobs(): Promise<void> {
    const dashboardUrl = this.deps.dashboardPath;
    try {
      this.reads.inc({ source: 'redis' }, 6);
      const { counts, jobs } = await readJobs(this.deps.queue, 5);
      this.publish('jobs', { at: new Date().toISOString(), counts, jobs, dashboardUrl });
    } catch (error) {
      this.failed('jobs', { at: '', counts: {}, jobs: [], dashboardUrl }, error);
    }
  }

  private async readDagRuns(): Promise<void> {
    const airflowUrl = this.deps.config.admin.live.airflowPublicUrl;
    if (!this.airflow) {
      this.publish('dagRuns', { at: new Date().toISOString(), airflowUrl, configured: false, runs: [] });
      return;
    }
    try {
      this.reads.inc({ source: 'airflow' });
      const runs = await this.airflow.latest(8);
      this.publish('dagRuns', { at: new Date().toISOString(), airflowUrl, configured: true, runs });
    } catch (error) {
      this.failed('dagRuns', { at: '', airflowUrl, configured: true, runs: [] }, error);
    }
  }

  private async readHealth(): Promise<void> {
    const timeoutMs = this.options.requestTimeoutMs;
    this.reads.inc({ source: 'readyz' }, this.healthTargets.length);
    this.reads.inc({ source: 'redis' });
    const [services, redis] = await Promise.all([
      Promise.all(this.healthTargets.map((target) => checkHealth(target, timeoutMs))),
      this.deps.redisAnswers().catch(() => false),
    ]);
    const derived = (name: string, ok: boolean | undefined, what: string): ServiceHealth => ({
      name,
      url: null,
      state: ok === undefined ? 'unknown' : ok ? 'up' : 'down',
      detail: ok === undefined ? 'not read yet' : ok ? what : `the live page cannot read ${name}`,
    });
    const section: HealthSection = {
      at: new Date().toISOString(),
      services: [
        ...services,
        {
          name: 'admin',
          url: this.deps.dashboardPath,
          state: redis ? 'up' : 'degraded',
          detail: redis ? 'redis' : 'redis does not answer',
        },
        derived('kafka', this.kafkaOk, 'offsets read'),
        derived('mongodb', this.storeOk, 'latest documents read'),
      ],
    };
    this.publish('health', section);
  }
}
