/**
 * What the live page shows, section by section: the shapes the poller
 * (admin/server/live/poller.ts) builds and sends over Server-Sent Events, and the page (admin/page/)
 * renders. Types only, so the browser bundle imports them without code.
 *
 * Every section carries `at` (when it was read, ISO-8601) and, when its source
 * did not answer, `error` (what went wrong) beside the last good data.
 */

export interface PartitionOffsets {
  partition: number;
  /** The high watermark: the offset the next record will get. */
  end: number;
  /** The sink group's committed offset; null when the group has committed nothing there yet. */
  committed: number | null;
  /** end - committed (end when nothing is committed). */
  lag: number;
}

export interface TopicFlow {
  topic: string;
  role: 'somedata' | 'footdata' | 'dlq';
  partitions: PartitionOffsets[];
  /** Records the topic holds in all (sum of the end offsets). */
  records: number;
  /** Records appended per second over the last poll; null on the first. */
  ratePerSec: number | null;
  /** The sink group's lag over all partitions (somedata, footdata); null for the DLQ. */
  lag: number | null;
}

export interface FlowSection {
  at: string;
  error?: string;
  topics: TopicFlow[];
  group: { id: string; state: string; members: number };
  collections: { somedata: string; footdata: string };
  /** One point per poll, oldest first, for the charts: events/s per topic role and the group's lag. */
  history: { t: number; somedata: number; footdata: number; dlq: number; lag: number }[];
}

export interface StoredEventRow {
  eventId: string;
  topic: 'somedata' | 'footdata';
  storedAt: string | null;
  /** somedata: the term and the number asked for; footdata: "HOME 1–0 AWAY (IN_PLAY 31')". */
  summary: string;
  kafka: { partition: number; offset: number } | null;
  source: string | null;
}

export interface EventsSection {
  at: string;
  error?: string;
  events: StoredEventRow[];
}

export interface DeadLetterRow {
  reason: string | null;
  error: string | null;
  failedAt: string | null;
  eventId: string | null;
  originTopic: string | null;
}

export interface DeadLettersSection {
  at: string;
  error?: string;
  /** Records in the dead-letter topic (its end offsets). */
  total: number;
  latest: DeadLetterRow[];
}

export interface MatchRow {
  id: number;
  competition: string | null;
  utcDate: string;
  status: string;
  minute: number | null;
  home: string;
  away: string;
  score: string;
  lastUpdated: string | null;
}

export interface MatchesSection {
  at: string;
  error?: string;
  /** The day (UTC) the table covers. */
  day: string;
  matches: MatchRow[];
}

export interface StandingRow {
  position: number;
  team: string;
  played: number;
  won: number;
  draw: number;
  lost: number;
  goalDifference: number;
  points: number;
}

export interface StandingsSection {
  at: string;
  error?: string;
  tables: { competition: string; season: string | null; computedFor: string | null; rows: StandingRow[] }[];
}

export interface JobRow {
  id: string;
  name: string;
  state: string;
  runId: string | null;
  progress: string | null;
  timestamp: string | null;
  failedReason: string | null;
}

export interface JobsSection {
  at: string;
  error?: string;
  counts: Record<string, number>;
  jobs: JobRow[];
  dashboardUrl: string;
}

export interface DagRunRow {
  dagId: string;
  runId: string;
  state: string;
  runAfter: string | null;
  startDate: string | null;
  endDate: string | null;
  url: string;
}

export interface DagRunsSection {
  at: string;
  error?: string;
  airflowUrl: string;
  /** False when no LIVE_AIRFLOW_PASSWORDS_FILE is set: the page says how to show them. */
  configured: boolean;
  runs: DagRunRow[];
}

export interface ServiceHealth {
  name: string;
  /** up: ready; degraded: answers but not ready; down: no answer; unknown: not read yet. */
  state: 'up' | 'degraded' | 'down' | 'unknown';
  detail: string;
  url: string | null;
}

export interface HealthSection {
  at: string;
  services: ServiceHealth[];
}

export interface Sections {
  flow: FlowSection;
  events: EventsSection;
  deadLetters: DeadLettersSection;
  matches: MatchesSection;
  standings: StandingsSection;
  jobs: JobsSection;
  dagRuns: DagRunsSection;
  health: HealthSection;
}

export type SectionName = keyof Sections;
export const SECTION_NAMES: SectionName[] = [
  'health',
  'flow',
  'events',
  'deadLetters',
  'matches',
  'standings',
  'jobs',
  'dagRuns',
];
