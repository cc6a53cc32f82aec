/**
 * The count at the end of a chaos run, Jepsen-style: what the clients were
 * told (the load's 200s with their event ids, and what each BullMQ job says it
 * published) against what MongoDB holds, and the longest time during the load
 * in which nothing new was stored.
 */
import type { Db } from 'mongodb';
import { COLLECTIONS } from '../../lib/mongo';
import type { Acknowledged } from '../../harness/load';

export interface JobOutcome {
  id: string;
  /** What the job reported published (0 when it failed). */
  published: number;
  /**
   * Requests the job counted failed (a 503, no answer in time). Each may still have landed, as a
   * 503 from the API promises nothing either way (docs/ARCHITECTURE.md section 9).
   */
  failed: number;
}

export interface ChaosCount {
  /** The load's 200s plus the events the jobs published. */
  acknowledged: number;
  /** Of those, how many are in MongoDB. */
  stored: number;
  /** Acknowledged and not stored (load events by id; job events by count per job). */
  lost: number;
  /** Stored more than once: one event id twice, one load request under two ids, a job's events beyond what it published. */
  doubled: number;
  /** Documents beyond the first with the same event id (`_id`): the unique index on `_id` should keep this 0. */
  sameEventIdTwice: number;
  /** Load requests (`payload.data` is unique per request) stored under more than one event id. */
  sameRequestTwice: number;
  /** Per job: published / stored. */
  jobs: { id: string; published: number; failed: number; stored: number }[];
  /** Stored events nobody got a 200 for (a publish that timed out but landed): allowed, at-least-once. */
  unacknowledgedStored: number;
  /** Up to 20 lost load event ids. */
  lostIds: string[];
  /** The longest time within the load in which no document was stored, in ms, and when it ended (ms since the load started). */
  longestStallMs: number;
  longestStallEndedAtMs: number;
}

interface Stored {
  _id: string;
  source?: string;
  storedAt?: Date;
  payload?: { data?: string };
}

/**
 * Count the somedata collection of `db` against the acknowledgements.
 * `loadStartedAt`/`loadStoppedAt` (epoch ms) bound the stall measure;
 * `prefix` is the load's `data` prefix.
 */
export async function countChaos(
  db: Db,
  options: {
    acknowledged: Map<string, Acknowledged>;
    jobs: JobOutcome[];
    prefix: string;
    loadStartedAt: number;
    loadStoppedAt: number;
  },
): Promise<ChaosCount> {
  const documents = await db
    .collection<Stored>(COLLECTIONS.somedata)
    .find({}, { projection: { _id: 1, source: 1, storedAt: 1, 'payload.data': 1 } })
    .toArray();

  const ids = new Set<string>();
  let sameEventIdTwice = 0;
  const requests = new Set<string>();
  let sameRequestTwice = 0;
  const perSource = new Map<string, number>();
  for (const document of documents) {
    const id = String(document._id);
    if (ids.has(id)) sameEventIdTwice++;
    ids.add(id);
    const data = document.payload?.data;
    if (document.source === 'api' && data?.startsWith(`${options.prefix}-`)) {
      if (requests.has(data)) sameRequestTwice++;
      requests.add(data);
    }
    if (document.source) perSource.set(document.source, (perSource.get(document.source) ?? 0) + 1);
  }

  const lostIds = [...options.acknowledged.keys()].filter((eventId) => !ids.has(eventId));
  const jobs = options.jobs.map(({ id, published, failed }) => ({
    id,
    published,
    failed,
    stored: perSource.get(`job:${id}`) ?? 0,
  }));
  const jobsLost = jobs.reduce((sum, job) => sum + Math.max(0, job.published - job.stored), 0);
  // Stored beyond the 200s: failed requests that landed, up to the failed ones; past them, doubled.
  const jobsLanded = jobs.reduce((sum, job) => sum + clamp(job.stored - job.published, 0, job.failed), 0);
  const jobsDoubled = jobs.reduce((sum, job) => sum + Math.max(0, job.stored - job.published - job.failed), 0);
  const jobsPublished = jobs.reduce((sum, job) => sum + job.published, 0);
  const loadStored = options.acknowledged.size - lostIds.length;
  const jobsStored = jobs.reduce((sum, job) => sum + Math.min(job.published, job.stored), 0);

  const stall = longestStall(
    documents.flatMap((document) => (document.storedAt ? [new Date(document.storedAt).getTime()] : [])),
    options.loadStartedAt,
    options.loadStoppedAt,
  );
  return {
    acknowledged: options.acknowledged.size + jobsPublished,
    stored: loadStored + jobsStored,
    lost: lostIds.length + jobsLost,
    doubled: sameEventIdTwice + sameRequestTwice + jobsDoubled,
    sameEventIdTwice,
    sameRequestTwice,
    jobs,
    unacknowledgedStored: (perSource.get('api') ?? 0) - sameRequestTwice - loadStored + jobsLanded,
    lostIds: lostIds.slice(0, 20),
    longestStallMs: stall.ms,
    longestStallEndedAtMs: stall.endedAt - options.loadStartedAt,
  };
}

/** The longest gap between consecutive store times within [from, to] (the edges count as times). */
export function longestStall(storedAt: number[], from: number, to: number): { ms: number; endedAt: number } {
  const times = [from, ...storedAt.filter((time) => time > from && time < to).sort((a, b) => a - b), to];
  let longest = { ms: 0, endedAt: from };
  for (let index = 1; index < times.length; index++) {
    const gap = times[index]! - times[index - 1]!;
    if (gap > longest.ms) longest = { ms: gap, endedAt: times[index]! };
  }
  return longest;
}

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));
