/**
 * What the consumer's tests share: events built with the shared schemas,
 * producing them with kafkajs, and reading outcomes back (documents in
 * MongoDB, committed offsets in Kafka).
 */
import { createServer, type AddressInfo } from 'node:net';
import type { Admin, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import type { Db } from 'mongodb';
import {
  createEvent,
  somedataItems,
  toKafkaMessage,
  type FootdataEvent,
  type Match,
  type SomedataEvent,
} from '../lib/schemas';
import type { Config } from '../lib/config';
import { headerText } from '../lib/kafka/dead-letter-headers';
import { retry } from '../lib/retry';
import { eventually } from './env';

let matchIds = 700_000 + Math.floor(Math.random() * 100_000);

/** A football-data.org match (the fields the schema requires, plus a few). */
export function aMatch(overrides: Partial<Match> = {}): Match {
  return {
    id: ++matchIds,
    utcDate: '2026-11-24T20:00:00Z',
    status: 'IN_PLAY',
    lastUpdated: '2026-11-24T20:31:00Z',
    minute: 31,
    competition: { id: 2015, name: 'Ligue 1', code: 'FL1' },
    area: { id: 2081, name: 'France', code: 'FRA' },
    homeTeam: { id: 524, name: 'Paris Saint-Germain FC' },
    awayTeam: { id: 516, name: 'Olympique de Marseille' },
    score: { winner: null, fullTime: { home: 1, away: 0 }, halfTime: { home: 1, away: 0 } },
    ...overrides,
  };
}

export function somedataEvent(data = 'car', number = 2, runId: string | null = null): SomedataEvent {
  return createEvent('somedata', { data, number, items: somedataItems(data, number) }, { source: 'api', runId });
}

export function footdataEvent(match: Match, runId: string | null = null): FootdataEvent {
  return createEvent('footdata', match, { source: 'job:test', runId });
}

/** Send messages with acks=all, in sends of `chunk`. */
export async function produce(kafka: Kafka, topic: string, messages: Message[], chunk = 1_000): Promise<void> {
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let start = 0; start < messages.length; start += chunk)
      await producer.send({ topic, acks: -1, messages: messages.slice(start, start + chunk) });
  } finally {
    await producer.disconnect();
  }
}

export const asMessages = (events: (SomedataEvent | FootdataEvent)[]): Message[] =>
  events.map((event) => toKafkaMessage(event));

/** Wait until `collection` holds `count` documents (fails with the last count seen). */
export async function waitForCount(db: Db, collection: string, count: number, timeoutMs = 60_000): Promise<number> {
  let last = -1;
  try {
    return await eventually(
      async () => {
        last = await db.collection(collection).countDocuments();
        return last >= count ? last : undefined;
      },
      `${count} documents in ${collection}`,
      timeoutMs,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; last count ${last}`, { cause: error });
  }
}

/**
 * Committed offsets of a group on a topic, by partition (-1: none yet). Asked
 * again while the answer is transient: after a broker restart the group's
 * coordinator may still be loading its offsets (COORDINATOR_LOAD_IN_PROGRESS).
 */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Map<number, number>> {
  const [offsets] = await retry(() => admin.fetchOffsets({ groupId, topics: [topic] }), {
    retries: 10,
    maxDelayMs: 2_000,
  });
  return new Map((offsets?.partitions ?? []).map(({ partition, offset }) => [partition, Number(offset)]));
}

/** Sum of the end offsets of a topic: how many records it holds (none deleted yet). */
export async function endOffsetTotal(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, { high }) => sum + Number(high), 0);
}

/** Wait until the group has committed every record of `topic` (committed offset == end offset on each partition). */
export async function waitForCommitted(
  admin: Admin,
  groupId: string,
  topic: string,
  timeoutMs = 60_000,
): Promise<void> {
  let last = '';
  try {
    await eventually(
      async () => {
        const [ends, committed] = await Promise.all([
          admin.fetchTopicOffsets(topic),
          committedOffsets(admin, groupId, topic),
        ]);
        last = ends.map(({ partition, high }) => `${partition}: ${committed.get(partition)}/${high}`).join(', ');
        return ends.every(({ partition, high }) => Number(high) === 0 || committed.get(partition) === Number(high));
      },
      `group ${groupId} to commit all of ${topic}`,
      timeoutMs,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; committed/end: ${last}`, { cause: error });
  }
}

/** The environment a child consumer process needs to use the names of `config`. */
export function consumerEnv(config: Config, port: number): Record<string, string> {
  return {
    TOPIC_SOMEDATA: config.kafka.topics.somedata,
    TOPIC_FOOTDATA: config.kafka.topics.footdata,
    TOPIC_DLQ: config.kafka.topics.dlq,
    MONGO_URL: config.mongo.url,
    MONGO_DB: config.mongo.db,
    CONSUMER_GROUP: config.consumer.groupId,
    CONSUMER_PORT: String(port),
    CONSUMER_MAX_RECORD_BYTES: String(config.consumer.maxRecordBytes),
    CONSUMER_SESSION_TIMEOUT_MS: String(config.consumer.sessionTimeoutMs),
    CONSUMER_CONCURRENCY: String(config.consumer.concurrency),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
  };
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The value of one header of a Kafka record, as text. */
export function header(message: KafkaMessage, name: string): string | undefined {
  return headerText(message.headers, name);
}

/**
 * Per partition, how many documents lie below the offset `committed` says
 * was committed and yet were stored at or after `since`: a commit that ran
 * ahead of its write when `since` is when the store went away. Should be 0 each.
 */
export async function storedAfterTheirCommit(
  db: Db,
  collection: string,
  committed: Map<number, number>,
  since: Date,
): Promise<Record<number, number>> {
  const late: Record<number, number> = {};
  for (const [partition, offset] of committed)
    late[partition] = await db.collection(collection).countDocuments({
      '_kafka.partition': partition,
      '_kafka.offset': { $lt: offset },
      storedAt: { $gte: since },
    });
  return late;
}
