/**
 * The readers behind the live page: each turns what a service already exposes
 * into one section (lib/live-sections.ts). They hold no timers; the poller calls them.
 *
 * - Kafka (one admin client): end offsets of the three topics and the sink
 *   group's committed offsets, so rates and lag are Kafka's own figures,
 *   right across consumer restarts and for any number of consumer instances;
 * - the store: the latest stored documents and dead letters, small sorted
 *   reads of at most `limit` documents, made only when the offsets moved;
 * - the BullMQ queue the admin server already holds.
 *
 * What is read over HTTP (the read API, each service's /readyz, Airflow) is in http-sources.ts.
 */
import type { Admin } from 'kafkajs';
import type { Db, Document } from 'mongodb';
import type { Config } from '../../../lib/config';
import { COLLECTIONS } from '../../../lib/mongo';
import type { ProducerQueue } from '../../../lib/jobs/queue';
import type { DeadLetterRow, JobRow, PartitionOffsets, StoredEventRow, TopicFlow } from '../../../lib/live-sections';

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

export const iso = (value: unknown): string | null =>
  value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : null;
export const text = (value: unknown, fallback = ''): string => (typeof value === 'string' ? value : fallback);
export const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;
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
