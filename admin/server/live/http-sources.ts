/**
 * The live page's readers over HTTP: the read API (today's matches and the
 * standings, what any client sees), each service's /readyz, and Airflow
 * (/api/v2/monitor/health and its DAG runs). They hold no timers; the poller calls them.
 */
import { readFile } from 'node:fs/promises';
import type { Document } from 'mongodb';
import type { DagRunRow, MatchRow, ServiceHealth, StandingRow } from '../../../lib/live-sections';
import { iso, num, scoreLine, text } from './sources';

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
