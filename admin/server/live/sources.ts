/**
 * The readers behind the live page: each turns what a service already exposes
 * into one section (lib/live-sections.ts). They hold no timers; the poller calls them.
 *
 * - Kafka (one admin client): end offsets of the three topics and the sink
 *   group's committed offsets, so rates and lag are Kafka's own figures,
 *   right across consumer restarts and for any number of consumer instances;
 * - the store: the latest stored documents and dead letters, small sorted
 *   reads of at most `limit` documents, made only when the offsets moved;
 * - the read API: today's matches and the standings (what any client sees);
 * - each service's /readyz, Airflow's /api/v2/monitor/health and its DAG runs;
 * - the BullMQ queue the admin server already holds.
 */
import { readFile } from 'node:fs/promises';
import type { Admin } from 'kafkajs';
import type { Db, Document } from 'mongodb';
import type { Config } from '../../../lib/config';
import { COLLECTIONS } from '../../../lib/mongo';
import type { ProducerQueue } from '../../../lib/jobs/queue';
import type {
  DagRunRow,
  DeadLetterRow,
  JobRow,
  MatchRow,
  PartitionOffsets,
  ServiceHealth,
  StandingRow,
  StoredEventRow,
  TopicFlow,
} from '../../../lib/live-sections';

/** GET `url` as JSON within `timeoutMs`; the status with it. */
export async function getJson(
  url: string,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text.slice(0, 200);
  }
  return { status: response.status, body };
}

// ---------------------------------------------------------------- Kafka

export interface Offsets {
  topics: Omit<TopicFlow, 'ratePerSec'>[];
  group: { id: string; state: string; members: number };
}

export async function readOffsets(admin: Admin, config: Config): Promise<Offsets> {
  const { somedata, footdata, dlq } = config.kafka.topics;
  const groupId = config.consumer.groupId;
  const [ends, committed, groups] = await Promise.all([
    Promise.all([somedata, footdata, dlq].map((topic) => admin.fetchTopicOffsets(topic))),
    admin.fetchOffsets({ groupId, topics: [somedata, footdata] }),
    admin.describeGroups([groupId]),
  ]);
  const committedOf = new Map<string, Map<number, number>>(
    committed.map(({ topic, partitions }) => [
      topic,
      new Map(partitions.map(({ partition, offset }) => [partition, Number(offset)])),
    ]),
  );
  const roles = ['somedata', 'footdata', 'dlq'] as const;
  const topics = [somedata, footdata, dlq].map((topic, index) => {
    const role = roles[index]!;
    const ofGroup = committedOf.get(topic);
    const partitions: PartitionOffsets[] = ends[index]!.map(({ partition, high }) => {
      const end = Number(high);
      const done = role === 'dlq' ? undefined : ofGroup?.get(partition);
      const at = done !== undefined && done >= 0 ? done : null;
      return { partition, end, committed: at, lag: Math.max(0, end - (at ?? 0)) };
    });
    partitions.sort((a, b) => a.partition - b.partition);
    return {
      topic,
      role,
      partitions,
      records: partitions.reduce((sum, { end }) => sum + end, 0),
      lag: role === 'dlq' ? null : partitions.reduce((sum, { lag }) => sum + lag, 0),
    };
  });
  const group = groups.groups[0];
  return { topics, group: { id: groupId, state: group?.state ?? 'Unknown', members: group?.members.length ?? 0 } };
}

// ---------------------------------------------------------------- the store

const iso = (value: unknown): string | null =>
  value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : null;
const text = (value: unknown, fallback = ''): string => (typeof value === 'string' ? value : fallback);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const kafkaOf = (doc: Document): StoredEventRow['kafka'] => {
  const partition = num(doc._kafka?.partition);
  const offset = num(doc._kafka?.offset);
  return partition === null || offset === null ? null : { partition, offset };
};

/** "Home 1–0 Away" with the status and minute; "–" for a score not known yet. */
export function scoreLine(match: Document): string {
  const home = num(match.score?.fullTime?.home);
  const away = num(match.score?.fullTime?.away);
  return home === null || away === null ? '–' : `${home}–${away}`;
}

/**
 * The latest stored events, newest first: somedata by `_id` (the eventId, a
 * UUID v7, so its order is the order the API made them), footdata by
 * `eventId` (the event that brought each match's state; indexed).
 */
export async function readLatestEvents(db: Db, limit: number): Promise<StoredEventRow[]> {
  const [somedata, footdata] = await Promise.all([
    db
      .collection(COLLECTIONS.somedata)
      .find({}, { projection: { payload: 1, source: 1, storedAt: 1, _kafka: 1 } })
      .sort({ _id: -1 })
      .limit(limit)
      .toArray(),
    db
      .collection(COLLECTIONS.footdata)
      .find(
        {},
        {
          projection: { eventId: 1, status: 1, minute: 1, score: 1, homeTeam: 1, awayTeam: 1, storedAt: 1, _kafka: 1 },
        },
      )
      .sort({ eventId: -1 })
      .limit(limit)
      .toArray(),
  ]);
  const rows: StoredEventRow[] = [
    ...somedata.map((doc) => ({
      eventId: String(doc._id),
      topic: 'somedata' as const,
      storedAt: iso(doc.storedAt),
      summary: `${text(doc.payload?.data, '?')} ×${num(doc.payload?.number) ?? '?'}`,
      kafka: kafkaOf(doc),
      source: text(doc.source) || null,
    })),
    ...footdata
      .filter((doc) => typeof doc.eventId === 'string')
      .map((doc) => ({
        eventId: doc.eventId as string,
        topic: 'footdata' as const,
        storedAt: iso(doc.storedAt),
        summary:
          `${text(doc.homeTeam?.name, '?')} ${scoreLine(doc)} ${text(doc.awayTeam?.name, '?')} ` +
          `(${text(doc.status, '?')}${num(doc.minute) !== null ? ` ${doc.minute}'` : ''})`,
        kafka: kafkaOf(doc),
        source: null,
      })),
  ];
  // Newest stored first; eventIds (UUID v7) break ties in creation order.
  rows.sort((a, b) => (b.storedAt ?? '').localeCompare(a.storedAt ?? '') || b.eventId.localeCompare(a.eventId));
  return rows.slice(0, limit);
}

/** The latest dead letters (the read API's copy of the DLQ, reader/dead-letter-index.ts), newest first. */
export async function readLatestDeadLetters(db: Db, limit: number): Promise<DeadLetterRow[]> {
  const docs = await db
    .collection(COLLECTIONS.deadLetters)
    .find({}, { projection: { reason: 1, errorClass: 1, errorMessage: 1, failedAt: 1, eventId: 1, origin: 1 } })
    .sort({ failedAt: -1 })
    .limit(limit)
    .toArray();
  return docs.map((doc) => ({
    reason: text(doc.reason) || null,
    error: [text(doc.errorClass), text(doc.errorMessage)].filter(Boolean).join(': ').slice(0, 300) || null,
    failedAt: iso(doc.failedAt),
    eventId: text(doc.eventId) || null,
    originTopic: text(doc.origin?.topic) || null,
  }));
}

// ---------------------------------------------------------------- the read API

/** The UTC day [start, end) that holds `now`, as ISO dates. */
export function utcDay(now: Date): { from: string; to: string } {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const end = new Date(start.getTime() + 86_400_000);
  return { from: start.toISOString().slice(0, 10), to: end.toISOString().slice(0, 10) };
}

export async function readMatches(readerUrl: string, day: { from: string; to: string }, timeoutMs: number) {
  const { status, body } = await getJson(`${readerUrl}/matches?from=${day.from}&to=${day.to}&limit=100`, timeoutMs);
  if (status !== 200) throw new Error(`read API /matches answered ${status}`);
  const items = ((body as { items?: Document[] }).items ?? []) as Document[];
  return items.map((match): MatchRow => ({
    id: Number(match.id),
    competition: text(match.competition?.code) || null,
    utcDate: text(match.utcDate),
    status: text(match.status, '?'),
    minute: num(match.minute),
    home: text(match.homeTeam?.name, '?'),
    away: text(match.awayTeam?.name, '?'),
    score: scoreLine(match),
    lastUpdated: text(match.lastUpdated) || null,
  }));
}

export async function readStandings(readerUrl: string, competition: string, timeoutMs: number) {
  const { status, body } = await getJson(`${readerUrl}/standings/${encodeURIComponent(competition)}`, timeoutMs);
  if (status === 404) return undefined; // not computed yet (the insights DAG runs hourly)
  if (status !== 200) throw new Error(`read API /standings/${competition} answered ${status}`);
  const doc = body as Document;
  const rows = ((doc.table ?? []) as Document[]).slice(0, 20).map((row): StandingRow => ({
    position: num(row.position) ?? 0,
    team: text(row.team?.name, '?'),
    played: num(row.played) ?? 0,
    won: num(row.won) ?? 0,
    draw: num(row.drawn) ?? 0,
    lost: num(row.lost) ?? 0,
    goalDifference: num(row.goalDifference) ?? 0,
    points: num(row.points) ?? 0,
  }));
  return { competition, season: text(doc.season) || null, computedFor: iso(doc.asOf), rows };
}

// ---------------------------------------------------------------- health

export interface HealthTarget {
  name: string;
  /** The URL checked (a /readyz or Airflow's monitor/health). */
  url: string;
  /** Where the page links to; null: no link. */
  link: string | null;
  kind: 'readyz' | 'airflow';
}

export async function checkHealth(target: HealthTarget, timeoutMs: number): Promise<ServiceHealth> {
  const base = { name: target.name, url: target.link };
  try {
    const { status, body } = await getJson(target.url, timeoutMs);
    if (target.kind === 'airflow') {
      const parts = Object.entries((body ?? {}) as Record<string, { status?: string }>);
      const unhealthy = parts.filter(([, part]) => part?.status !== 'healthy').map(([name]) => name);
      if (status === 200 && parts.length && !unhealthy.length) return { ...base, state: 'up', detail: 'healthy' };
      return { ...base, state: 'degraded', detail: `unhealthy: ${unhealthy.join(', ') || `HTTP ${status}`}` };
    }
    const checks = ((body as { checks?: Record<string, boolean> })?.checks ?? {}) as Record<string, boolean>;
    const failing = Object.entries(checks)
      .filter(([, ok]) => !ok)
      .map(([name]) => name);
    if (status === 200) return { ...base, state: 'up', detail: Object.keys(checks).join(', ') || 'ready' };
    return { ...base, state: 'degraded', detail: `not ready: ${failing.join(', ') || `HTTP ${status}`}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const name = (error as Error).name;
    return {
      ...base,
      state: 'down',
      detail: name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (cause ?? (error as Error).message),
    };
  }
}

// ---------------------------------------------------------------- BullMQ

const JOB_STATES = ['active', 'waiting', 'delayed', 'failed', 'completed'] as const;

export async function readJobs(
  queue: ProducerQueue,
  perState: number,
): Promise<{ counts: Record<string, number>; jobs: JobRow[] }> {
  const [counts, ...lists] = await Promise.all([
    queue.getJobCounts(...JOB_STATES),
    ...JOB_STATES.map((state) => queue.getJobs([state], 0, perState - 1)),
  ]);
  const jobs: JobRow[] = lists.flatMap((list, index) =>
    list.filter(Boolean).map((job) => {
      const progress = job.progress as { published?: number; failed?: number } | number | undefined;
      return {
        id: String(job.id),
        name: job.name,
        state: JOB_STATES[index]!,
        runId: text((job.data as { runId?: unknown }).runId) || null,
        progress:
          typeof progress === 'object' && progress
            ? `${progress.published ?? 0} published, ${progress.failed ?? 0} failed`
            : typeof progress === 'number'
              ? `${progress}%`
              : null,
        timestamp: job.timestamp ? new Date(job.timestamp).toISOString() : null,
        failedReason: job.failedReason ? job.failedReason.slice(0, 200) : null,
      };
    }),
  );
  jobs.sort((a, b) => (b.timestamp ?? '').localeCompare(a.timestamp ?? ''));
  return { counts, jobs: jobs.slice(0, perState * 2) };
}

// ---------------------------------------------------------------- Airflow

/** An Airflow REST API v2 client that logs in with SimpleAuthManager's password and keeps the token. */
export class AirflowRuns {
  private token: string | undefined;

  constructor(
    private readonly options: {
      url: string;
      publicUrl: string;
      user: string;
      passwordsFile: string;
      timeoutMs: number;
    },
  ) {}

  private async login(): Promise<string> {
    const passwords = JSON.parse(await readFile(this.options.passwordsFile, 'utf8')) as Record<string, string>;
    const password = passwords[this.options.user];
    if (!password) throw new Error(`no password for ${this.options.user} in LIVE_AIRFLOW_PASSWORDS_FILE`);
    const response = await fetch(`${this.options.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: this.options.user, password }),
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    if (!response.ok) throw new Error(`Airflow /auth/token answered ${response.status}`);
    return ((await response.json()) as { access_token: string }).access_token;
  }

  async latest(limit: number): Promise<DagRunRow[]> {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      this.token ??= await this.login();
      const { status, body } = await getJson(
        `${this.options.url}/api/v2/dags/~/dagRuns?order_by=-run_after&limit=${limit}`,
        this.options.timeoutMs,
        { authorization: `Bearer ${this.token}` },
      );
      if (status === 401 || status === 403) {
        this.token = undefined; // expired: log in again once
        continue;
      }
      if (status !== 200) throw new Error(`Airflow dagRuns answered ${status}`);
      return ((body as { dag_runs?: Document[] }).dag_runs ?? []).map((run) => ({
        dagId: text(run.dag_id),
        runId: text(run.dag_run_id),
        state: text(run.state, '?'),
        runAfter: text(run.run_after) || null,
        startDate: text(run.start_date) || null,
        endDate: text(run.end_date) || null,
        url: `${this.options.publicUrl}/dags/${encodeURIComponent(text(run.dag_id))}/runs/${encodeURIComponent(text(run.dag_run_id))}`,
      }));
    }
    throw new Error('Airflow refused the token twice');
  }
}
