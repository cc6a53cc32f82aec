/**
 * What the live poller reads for each section, and the little state the reads
 * keep between two runs (the last offsets, for rates; the chart's history; what
 * moved since the store was last read). The sources themselves are in
 * sources.ts; the loops that call these reads are the poller's (poller.ts).
 */
import type { Admin } from 'kafkajs';
import type { Counter } from 'prom-client';
import type { FlowSection, HealthSection, ServiceHealth } from '../../../lib/live-sections';
import type { SectionFeed } from './feed';
import type { LivePollerDeps, LivePollerOptions } from './poller';
import { AirflowRuns, checkHealth, readMatches, readStandings, utcDay, type HealthTarget } from './http-sources';
import { readJobs, readLatestDeadLetters, readLatestEvents, readOffsets, type Offsets } from './sources';

/** Polls that read the matches again after footdata moved: the read API's copy catches up within READER_VIEW_REFRESH_MS. */
const MATCH_POLLS_AFTER_A_MOVE = 5;

export class SectionReads {
  private admin: Admin | undefined;
  private readonly airflow: AirflowRuns | undefined;
  private readonly healthTargets: HealthTarget[];
  // What the fast loop saw last, to read the store only when Kafka says something moved.
  private previous: { t: number; records: Record<string, number> } | undefined;
  private history: FlowSection['history'] = [];
  private seen = { committed: '', dlq: -1, eventsAt: 0, matchesAt: 0, matchesDue: 0, deadLettersDue: 0 };
  private kafkaOk: boolean | undefined;
  private storeOk: boolean | undefined;
  private competitions: string[] = [];

  constructor(
    private readonly deps: LivePollerDeps,
    private readonly options: Required<LivePollerOptions>,
    private readonly feed: SectionFeed,
    /** live_page_reads_total, by source. */
    private readonly reads: Counter<'source'>,
  ) {
    const { api } = deps.config;
    const { live } = deps.config.admin;
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

  /** Forget the offsets of the last run and let go of the Kafka admin client (the poller stopped). */
  async reset(): Promise<void> {
    this.previous = undefined;
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  // ---------------------------------------------------------------- Kafka, then the store when it moved

  async readFlow(): Promise<void> {
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
      this.feed.failed(
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
    this.feed.publish('flow', {
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
    // The read API answers from a copy a refresh behind the store (reader/views.ts): look again for a few polls.
    if (footdataMoved) this.seen.matchesDue = MATCH_POLLS_AFTER_A_MOVE;
    if (this.seen.matchesDue > 0 || now - this.seen.matchesAt >= this.options.refreshMs) {
      this.seen.matchesDue -= 1;
      await this.readMatches();
      this.seen.matchesAt = now;
    }
    // The read API copies the DLQ into the store a batch later: look again for a few polls.
    if (dlqTotal !== this.seen.dlq) this.seen.deadLettersDue = 5;
    const last = this.feed.last('deadLetters');
    if (this.seen.deadLettersDue > 0 || !last) {
      this.seen.deadLettersDue -= 1;
      this.seen.dlq = dlqTotal;
      await this.readDeadLetters(dlqTotal);
    } else if (last.total !== dlqTotal) this.feed.publish('deadLetters', { ...last, total: dlqTotal });
  }

  private async readEvents(): Promise<void> {
    try {
      this.reads.inc({ source: 'store' }, 2);
      const events = await readLatestEvents(this.deps.db, this.options.latestLimit);
      this.storeOk = true;
      this.feed.publish('events', { at: new Date().toISOString(), events });
    } catch (error) {
      this.storeOk = false;
      this.feed.failed('events', { at: '', events: [] }, error);
    }
  }

  private async readDeadLetters(total: number): Promise<void> {
    try {
      this.reads.inc({ source: 'store' });
      const latest = await readLatestDeadLetters(this.deps.db, 8);
      this.storeOk = true;
      this.feed.publish('deadLetters', { at: new Date().toISOString(), total, latest });
    } catch (error) {
      this.storeOk = false;
      this.feed.failed('deadLetters', { at: '', total, latest: [] }, error);
    }
  }

  // ---------------------------------------------------------------- the read API

  private async readMatches(): Promise<void> {
    const day = utcDay(new Date());
    try {
      this.reads.inc({ source: 'read_api' });
      const matches = await readMatches(this.deps.config.admin.live.readerUrl, day, this.options.requestTimeoutMs);
      this.competitions = [...new Set(matches.map((match) => match.competition).filter((c): c is string => !!c))];
      this.feed.publish('matches', { at: new Date().toISOString(), day: day.from, matches });
    } catch (error) {
      this.feed.failed('matches', { at: '', day: day.from, matches: [] }, error);
    }
  }

  async readStandings(): Promise<void> {
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
      this.feed.publish('standings', { at: new Date().toISOString(), tables });
    } catch (error) {
      this.feed.failed('standings', { at: '', tables: [] }, error);
    }
  }

  // ---------------------------------------------------------------- BullMQ, Airflow, health

  async readJobs(): Promise<void> {
    const dashboardUrl = this.deps.dashboardPath;
    try {
      this.reads.inc({ source: 'redis' }, 6);
      const { counts, jobs } = await readJobs(this.deps.queue, 5);
      this.feed.publish('jobs', { at: new Date().toISOString(), counts, jobs, dashboardUrl });
    } catch (error) {
      this.feed.failed('jobs', { at: '', counts: {}, jobs: [], dashboardUrl }, error);
    }
  }

  async readDagRuns(): Promise<void> {
    const airflowUrl = this.deps.config.admin.live.airflowPublicUrl;
    if (!this.airflow) {
      this.feed.publish('dagRuns', { at: new Date().toISOString(), airflowUrl, configured: false, runs: [] });
      return;
    }
    try {
      this.reads.inc({ source: 'airflow' });
      const runs = await this.airflow.latest(8);
      this.feed.publish('dagRuns', { at: new Date().toISOString(), airflowUrl, configured: true, runs });
    } catch (error) {
      this.feed.failed('dagRuns', { at: '', airflowUrl, configured: true, runs: [] }, error);
    }
  }

  async readHealth(): Promise<void> {
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
    this.feed.publish('health', section);
  }
}
