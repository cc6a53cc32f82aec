/**
 * The smoke test's steps. Each proves one path of the running stack from the
 * outside, through the addresses a user has (smoke/settings.ts), and returns
 * one line saying what it saw; a failure throws with what was expected and
 * what came back. Every wait is bounded.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Db } from 'mongodb';
import { v7 as uuidv7 } from 'uuid';
import { createKafka } from '../lib/kafka/client';
import { createLogger } from '../lib/logger';
import { COLLECTIONS } from '../lib/mongo';
import { redactUrl } from '../lib/redact';
import { addJob, createQueue, createQueueEvents } from '../lib/jobs/queue';
import { eventually } from '../harness/env';
import type { SmokeTarget } from './settings';

/** What the steps share: the target, the store, and what an earlier step found. */
export interface SmokeContext extends SmokeTarget {
  db: Db;
  /** The somedata event of the first step, and where Kafka put it. */
  somedata?: { eventId: string; partition: number; offset: string };
}

const HTTP_TIMEOUT_MS = 10_000;
/** How long a record may take from Kafka to MongoDB (or to the DLQ and its copy) before a step fails. */
const PIPELINE_TIMEOUT_MS = 60_000;
const REDIS_READY_MS = 15_000;

export class SmokeFailure extends Error {}

/** `work`, or a SmokeFailure saying `what()` when it has not ended within `ms`. */
export function within<T>(work: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SmokeFailure(what())), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new SmokeFailure(message);
}

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) }).catch((error: Error) => {
    // fetch says only "fetch failed"; its cause says why (ECONNREFUSED 127.0.0.1:5000, a timeout).
    throw new SmokeFailure(`GET ${url}: ${(error.cause as Error | undefined)?.message ?? error.message}`);
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text };
}

const json = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.slice(0, 200);
  }
};

/** One somedata call, sent twice with one Idempotency-Key: one event, stored once. */
export async function somedataStoredOnce(ctx: SmokeContext): Promise<string> {
  const { config } = ctx;
  const term = `smoke-${randomBytes(6).toString('hex')}`;
  const headers = { 'Idempotency-Key': randomUUID() };
  const url = `${config.api.url}/somedata/${term}?number=2`;
  const first = await get(url, headers);
  expect(first.status === 200, `GET ${url} answered ${first.status}: ${first.text.slice(0, 300)}`);
  expect(
    JSON.stringify(json(first.text)) === JSON.stringify({ 0: term, 1: term }),
    `GET ${url} answered ${first.text.slice(0, 300)}, not the seed's {"0":"${term}","1":"${term}"}`,
  );
  const eventId = first.headers.get('x-event-id') ?? '';
  expect(eventId, `GET ${url} answered without an X-Event-Id header`);
  const again = await get(url, headers);
  expect(
    again.status === 200 && again.headers.get('x-event-id') === eventId,
    `the same call with the same Idempotency-Key answered ${again.status} with event ${again.headers.get('x-event-id')}, not ${eventId}`,
  );
  const somedata = ctx.db.collection(COLLECTIONS.somedata);
  await eventually(
    () => somedata.findOne({ _id: eventId as never }),
    `event ${eventId} in ${config.mongo.db}.somedata`,
    PIPELINE_TIMEOUT_MS,
  );
  const stored = await somedata.countDocuments({ 'payload.data': term });
  expect(stored === 1, `${config.mongo.db}.somedata holds ${stored} documents of the call (data ${term}), not 1`);
  ctx.somedata = {
    eventId,
    partition: Number(first.headers.get('x-kafka-partition')),
    offset: first.headers.get('x-kafka-offset') ?? '',
  };
  return `event ${eventId} stored once in ${config.mongo.db}.somedata; the same call again answered the same event`;
}

/** The read API says where the first step's event went: stored, at the position Kafka gave it. */
export async function readApiSaysStored(ctx: SmokeContext): Promise<string> {
  expect(ctx.somedata, 'no event to look up: the somedata step failed');
  const { eventId, partition, offset } = ctx.somedata;
  const url = `${ctx.config.admin.live.readerUrl}/events/${eventId}`;
  const answer = await get(url);
  const body = json(answer.text) as { status?: string; stored?: { collection?: string; kafka?: unknown } };
  expect(answer.status === 200, `GET ${url} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
  expect(body.status === 'stored', `GET ${url} says ${JSON.stringify(body.status)}, not "stored"`);
  const kafka = body.stored?.kafka as { partition?: number; offset?: string | number } | undefined;
  expect(
    kafka?.partition === partition && String(kafka?.offset) === offset,
    `GET ${url} places the event at ${JSON.stringify(kafka)}, the API published it at partition ${partition} offset ${offset}`,
  );
  return `GET /events/${eventId}: stored in ${body.stored?.collection}, partition ${partition}, offset ${offset}`;
}

/** The live page and the BullMQ dashboard: 401 without credentials or with a wrong password, 200 with them. */
export async function dashboardsNeedCredentials(ctx: SmokeContext): Promise<string> {
  const { user: adminUser, password: adminPassword } = ctx.config.admin;
  expect(
    adminPassword,
    'no admin password: set ADMIN_PASSWORD or ADMIN_PASSWORD_FILE (the stack writes .stack/admin-password)',
  );
  const basic = (password: string) => ({
    authorization: `Basic ${Buffer.from(`${adminUser}:${password}`).toString('base64')}`,
  });
  const seen: string[] = [];
  for (const [page, path] of [
    ['live page', '/'],
    ['dashboard', '/admin/queues'],
  ] as const) {
    const url = `${ctx.adminUrl}${path}`;
    const anonymous = await get(url);
    expect(anonymous.status === 401, `GET ${url} without credentials answered ${anonymous.status}, not 401`);
    const wrong = await get(url, basic(`${adminPassword}-wrong`));
    expect(wrong.status === 401, `GET ${url} with a wrong password answered ${wrong.status}, not 401`);
    const allowed = await get(url, basic(adminPassword));
    expect(
      allowed.status === 200 && /text\/html/.test(allowed.headers.get('content-type') ?? ''),
      `GET ${url} as ${adminUser} answered ${allowed.status} (${allowed.headers.get('content-type')}), not an HTML page` +
        (allowed.status === 401 ? ': is ADMIN_PASSWORD(_FILE) the password the admin server was started with?' : ''),
    );
    seen.push(`${page} ${path}`);
  }
  return `${seen.join(', ')}: 401 without credentials and with a wrong password, 200 as ${adminUser}`;
}

/** A record no schema accepts, written straight to Kafka: dead-lettered with its reason, never stored. */
export async function poisonDeadLettered(ctx: SmokeContext): Promise<string> {
  const { config } = ctx;
  const eventId = uuidv7();
  const poison = {
    eventId,
    type: 'somedata',
    version: 1,
    producedAt: new Date().toISOString(),
    source: 'smoke',
    runId: null,
    payload: { data: 'not a valid term!', number: 0, items: {} },
  };
  const kafka = createKafka(config.kafka, createLogger({ service: 'smoke', level: config.logLevel }));
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({
      topic: config.kafka.topics.somedata,
      messages: [{ key: 'smoke-poison', value: JSON.stringify(poison) }],
    });
  } finally {
    await producer.disconnect();
  }
  const url = `${config.admin.live.readerUrl}/events/${eventId}`;
  type Letter = {
    reason?: string;
    errorMessage?: string;
    dlq?: { topic?: string; partition?: number; offset?: number };
  };
  const location = await eventually(
    async () => {
      const answer = await get(url);
      return answer.status === 200 && (json(answer.text) as { status?: string; deadLetters?: Letter[] });
    },
    `GET ${url} to find the poison record (dead-lettered by the sink, copied by the read API)`,
    PIPELINE_TIMEOUT_MS,
  );
  expect(
    location.status === 'dead-lettered',
    `GET ${url} says ${JSON.stringify(location.status)}, not "dead-lettered"`,
  );
  const letter = location.deadLetters?.[0];
  expect(
    letter?.reason === 'schema' && letter.dlq?.topic === config.kafka.topics.dlq,
    `the poison record's dead letter is ${JSON.stringify(letter)}: expected reason "schema" in ${config.kafka.topics.dlq}`,
  );
  return (
    `event ${eventId} in ${letter.dlq?.topic} (partition ${letter.dlq?.partition}, offset ${letter.dlq?.offset}), ` +
    `reason ${letter.reason}: ${(letter.errorMessage ?? '').slice(0, 100)}`
  );
}

/** One footdata job through the workers (a poll of the API's /footdata): every match it published is stored. */
export async function footdataPollStored(ctx: SmokeContext): Promise<string> {
  const queue = createQueue(ctx.config);
  const events = createQueueEvents(ctx.config);
  // A refused password or an unreachable Redis is an `error` event while the clients retry: the last one says why.
  let redisError = '';
  const onError = (error: Error) => (redisError = error.message);
  queue.on('error', onError);
  events.on('error', onError);
  try {
    await within(
      Promise.all([queue.waitUntilReady(), events.waitUntilReady()]),
      REDIS_READY_MS,
      () =>
        `Redis (${redactUrl(ctx.config.redis.url)}) not ready within ${REDIS_READY_MS / 1000} s: ${redisError || 'no answer'}`,
    );
    const job = await addJob(queue, 'footdata', {});
    const result = await job.waitUntilFinished(events, 120_000);
    const matches = result.matches ?? [];
    expect(
      result.published > 0 && matches.length > 0,
      `footdata job ${job.id} published nothing: ${JSON.stringify(result)}`,
    );
    const footdata = ctx.db.collection(COLLECTIONS.footdata);
    const ids = matches.map((match) => match.id);
    const newest = new Map(matches.map((match) => [match.id, Date.parse(match.lastUpdated)]));
    await eventually(
      async () => {
        const stored = await footdata
          .find({ _id: { $in: ids as never[] } }, { projection: { lastUpdated: 1 } })
          .toArray();
        // A match is stored at the polled state or a newer one (the sink never moves a match backwards).
        const current = stored.filter((doc) => (doc.lastUpdated as Date).getTime() >= newest.get(doc._id as never)!);
        return current.length === ids.length;
      },
      `the ${ids.length} matches of footdata job ${job.id} in ${ctx.config.mongo.db}.footdata`,
      PIPELINE_TIMEOUT_MS,
    );
    return `job ${job.id} polled /footdata and published ${result.published} matches; all ${ids.length} are in ${ctx.config.mongo.db}.footdata`;
  } finally {
    // close() waits for a connection that may never come (the error above): bounded too.
    await within(Promise.allSettled([events.close(), queue.close()]), 5_000, () => 'closing').catch(() => undefined);
  }
}

/** The Airflow password of `user` from a SimpleAuthManager passwords file ({user: password}). */
export function airflowPassword(file: string | undefined, user: string): string {
  if (!file) throw new SmokeFailure('no Airflow password: set LIVE_AIRFLOW_PASSWORDS_FILE (a JSON {user: password})');
  const password = (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)[user];
  if (typeof password !== 'string') throw new SmokeFailure(`${file} holds no password for the Airflow user ${user}`);
  return password;
}
