/**
 * What the fault tests share: the count that decides a scenario (every
 * acknowledged event in MongoDB exactly once) and the one line each scenario
 * prints, also appended to `.stack/test-results/faults.txt`.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from 'mongodb';
import { COLLECTIONS } from '../lib/mongo';
import { waitForCommitted } from './consumer';
import type { Acknowledged } from './load';
import { readEvents, type TopicsUnderTest } from './producers';
import type { SinkUnderTest } from './sink';
import { STACK_DIR } from './stack';

export const FAULTS_REPORT = join(STACK_DIR, 'test-results', 'faults.txt');

export interface Tally {
  acknowledged: number;
  /** Acknowledged events found in the collection. */
  stored: number;
  /** Acknowledged events not found. */
  lost: number;
  /** Documents beyond the first for the same request (same `payload.data`): one request stored twice. */
  doubled: number;
  /** Events stored that nobody got a 200 for (a publish that timed out but landed): allowed, at-least-once. */
  unacknowledgedStored: number;
  /** The event ids of the lost events (for the failure message). */
  lostIds: string[];
}

/** Compare the acknowledged events with the somedata collection of `db`. */
export async function tally(db: Db, acknowledged: Map<string, unknown>): Promise<Tally> {
  const documents = await db
    .collection<{ _id: string; payload?: { data?: string } }>(COLLECTIONS.somedata)
    .find({}, { projection: { _id: 1, 'payload.data': 1 } })
    .toArray();
  const storedIds = new Set(documents.map((document) => String(document._id)));
  const dataSeen = new Set<string>();
  let doubled = 0;
  for (const document of documents) {
    const data = document.payload?.data ?? String(document._id);
    if (dataSeen.has(data)) doubled++;
    dataSeen.add(data);
  }
  const lostIds = [...acknowledged.keys()].filter((eventId) => !storedIds.has(eventId));
  const stored = acknowledged.size - lostIds.length;
  return {
    acknowledged: acknowledged.size,
    stored,
    lost: lostIds.length,
    doubled,
    unacknowledgedStored: documents.length - stored - doubled,
    lostIds: lostIds.slice(0, 20),
  };
}

export interface ScenarioLine {
  scenario: string;
  /** The load, e.g. "1000 req/s target, 962/s acknowledged, 30 s". */
  load: string;
  /** The fault, e.g. "kill -9 kafka-broker-2 at 5 s, restarted after 15 s". */
  fault: string;
  /** Left out where no event is at stake (printed as n/a). */
  tally?: Pick<Tally, 'acknowledged' | 'stored' | 'lost' | 'doubled'>;
  /** How long until it worked again, and how that was measured. */
  recovery: string;
  /** Anything else worth a figure. */
  notes?: string;
}

/** Print the scenario's line and append it to the faults report. */
export function reportScenario(line: ScenarioLine): string {
  const figure = (name: keyof Tally) => `${name} ${line.tally ? line.tally[name as 'lost'] : 'n/a'}`;
  const text = [
    `[fault] ${line.scenario}`,
    `load: ${line.load}`,
    `fault: ${line.fault}`,
    figure('acknowledged'),
    figure('stored'),
    figure('lost'),
    figure('doubled'),
    `recovery: ${line.recovery}`,
    ...(line.notes ? [line.notes] : []),
  ].join(' | ');
  console.log(text);
  mkdirSync(join(STACK_DIR, 'test-results'), { recursive: true });
  appendFileSync(FAULTS_REPORT, `${text}\n`);
  return text;
}

export interface Outcome extends Tally {
  /** From the call until the consumer group had committed every record of the topic. */
  drainMs: number;
  /** Per lost event, where it should be (empty when none is lost). */
  explanation: string[];
}

/**
 * After the load (and the API flushed): wait until the consumer group has
 * committed every record of the somedata topic, then count.
 */
export async function outcome(
  sut: SinkUnderTest,
  acknowledged: Map<string, Acknowledged>,
  timeoutMs = 120_000,
): Promise<Outcome> {
  const topic = sut.config.kafka.topics.somedata;
  const started = Date.now();
  await waitForCommitted(sut.admin, sut.config.consumer.groupId, topic, timeoutMs);
  const drainMs = Date.now() - started;
  const counted = await tally(sut.db, acknowledged);
  const lost = counted.lostIds.map((eventId) => ({ eventId, ...acknowledged.get(eventId)! }));
  return { ...counted, drainMs, explanation: await explainLoss(sut.db, sut, topic, lost) };
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * For a failure message: where each lost event should be. Reads the whole
 * topic (from the end offsets) and says, per lost event, whether Kafka holds
 * it, at which position, and what the collection holds at the position the
 * API was told.
 */
export async function explainLoss(
  db: Db,
  topics: TopicsUnderTest,
  topic: string,
  lost: { eventId: string; partition: number; offset: number }[],
): Promise<string[]> {
  if (lost.length === 0) return [];
  const records = await readEvents(topics, topic);
  const inKafka = new Map(records.map(({ message, event }) => [event.eventId, message.offset]));
  const lines: string[] = [];
  for (const { eventId, partition, offset } of lost.slice(0, 20)) {
    const atPosition = await db
      .collection(COLLECTIONS.somedata)
      .findOne({ '_kafka.partition': partition, '_kafka.offset': offset }, { projection: { _id: 1 } });
    lines.push(
      `${eventId}: acknowledged at ${partition}/${offset}; in Kafka: ${inKafka.has(eventId) ? `yes (offset ${inKafka.get(eventId)})` : 'no'}; stored at that position: ${atPosition ? String(atPosition._id) : 'nothing'}`,
    );
  }
  return lines;
}
