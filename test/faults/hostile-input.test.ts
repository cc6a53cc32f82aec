/**
 * Fault 6: hostile input, generated with fast-check.
 *
 * - 10,000 HTTP requests against every route of the API (random methods,
 *   paths, query strings, headers and bodies; oversized and malformed; and a
 *   tenth as raw bytes that are broken HTTP): no 5xx, no crash, and no event
 *   for a rejected request — the topic holds exactly one record per 200 from
 *   /somedata, and each of those is stored once.
 * - 2,000 Kafka records into both topics (1,500 + 500), two thirds malformed (random bytes,
 *   truncated JSON, wrong schemas and types, huge values, hostile keys, the
 *   other topic's events, tombstones) around good ones: every bad one is in
 *   the DLQ topic with its reason, the good ones around them are stored, and
 *   the consumer never stops.
 *
 * FAULTS_SEED replays a run (the seed is in the scenario line).
 */
import { connect } from 'node:net';
import { Agent, request } from 'node:http';
import fc from 'fast-check';
import type { KafkaMessage, Message } from 'kafkajs';
import { COLLECTIONS } from '../../lib/mongo';
import type { ConsumerService } from '../../consumer/service';
import type { RunningApi } from '../../producers/service';
import { endOffsetTotal, header, produce, waitForCommitted } from '../support/consumer';
import { readTopic } from '../support/env';
import { outcome, reportScenario, seconds } from '../support/faults';
import type { Acknowledged } from '../support/load';
import { readEvents, startTestApi } from '../support/producers';
import { useSink } from '../support/sink';
import { API_ROUTES, hostileRequest, injectedRecord, rawRequest, type HostileRequest } from './hostile';

jest.setTimeout(180_000);

const SEED = Number(process.env.FAULTS_SEED ?? Date.now() % 2 ** 31);
const HTTP_REQUESTS = 9_000;
const RAW_REQUESTS = 1_000;
/** Records injected per topic: footdata's good records are the slow ones to write (FerretDB replaces). */
const RECORDS = { somedata: 1_500, footdata: 500 };
const MAX_RECORD_BYTES = 64 * 1024;
const DLQ_REASONS = ['decode', 'schema', 'too-large', 'tombstone', 'write-rejected'];

const sut = useSink({ FOOT_TOKEN: '', CONSUMER_MAX_RECORD_BYTES: String(MAX_RECORD_BYTES) });
let api: RunningApi | undefined;
let sink: ConsumerService;
const crashes: unknown[] = [];
beforeAll(async () => {
  sink = await sut.start();
  sink.consumer.on(sink.consumer.events.CRASH, (event) => crashes.push(event.payload.error));
});
afterAll(async () => {
  await api?.stop();
});

interface Answer {
  status: number;
  eventId?: string;
}

/**
 * One request over the keep-alive pool, well framed: a body always has its
 * Content-Length (node's client sends a GET body unframed otherwise, which the
 * server can only read as the start of the next request). Broken framing is
 * what the raw channel is for.
 */
function send(agent: Agent, base: URL, hostile: HostileRequest): Promise<Answer> {
  return new Promise((resolve) => {
    const headers = {
      ...hostile.headers,
      ...(hostile.body !== undefined && { 'content-length': String(Buffer.byteLength(hostile.body)) }),
    };
    let req;
    try {
      req = request(
        {
          host: base.hostname,
          port: base.port,
          agent,
          method: hostile.method,
          path: hostile.path,
          headers,
          timeout: 15_000,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const eventId = res.headers['x-event-id'];
            resolve({ status: res.statusCode ?? 0, ...(typeof eventId === 'string' && { eventId }) });
          });
          res.on('error', () => resolve({ status: res.statusCode ?? 0 }));
        },
      );
    } catch {
      return resolve({ status: -1 }); // refused by node's client before sending (not the server's doing)
    }
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0 }));
    req.end(hostile.body);
  });
}

/**
 * Bytes on a connection of their own, which stays open until the server closes
 * it or says nothing for a second (a half-close would abort the request: node
 * drops a request whose client has ended its side). Every status line the
 * server answered, with the event ids it announced.
 */
function sendRaw(base: URL, bytes: Buffer): Promise<Answer[]> {
  return new Promise((resolve) => {
    const socket = connect(Number(base.port), base.hostname);
    let text = '';
    socket.setTimeout(1_000, () => socket.destroy());
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((match) => Number(match[1]));
      const eventIds = [...text.matchAll(/x-event-id: ([0-9a-f-]{36})/gi)].map((match) => match[1]!);
      resolve(statuses.map((status, index) => ({ status, ...(eventIds[index] && { eventId: eventIds[index] }) })));
    });
    socket.write(bytes);
  });
}

async function inPool<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

const routeOf = (path: string) =>
  API_ROUTES.filter((route) => route !== '/').find(
    (route) => path === route || path.startsWith(`${route}/`) || path.startsWith(`${route}?`),
  ) ?? (path.startsWith('/?') || path === '/' ? '/' : 'other');

it('10,000 hostile HTTP requests: no 5xx, no crash, and one event per 200 from /somedata', async () => {
  api = await startTestApi(sut.config);
  const base = new URL(api.url);
  const requests = fc.sample(hostileRequest, { numRuns: HTTP_REQUESTS, seed: SEED });
  const raws = fc.sample(rawRequest, { numRuns: RAW_REQUESTS, seed: SEED + 1 });
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const started = Date.now();
  const answers = await inPool(requests, 32, (hostile) => send(agent, base, hostile));
  const rawAnswers = (await inPool(raws, 64, (bytes) => sendRaw(base, bytes))).flat();
  const durationMs = Date.now() - started;
  agent.destroy();

  const statuses: Record<number, number> = {};
  for (const { status } of [...answers, ...rawAnswers]) statuses[status] = (statuses[status] ?? 0) + 1;
  const byRoute: Record<string, number> = {};
  for (const { path } of requests) byRoute[routeOf(path)] = (byRoute[routeOf(path)] ?? 0) + 1;
  const serverErrors = [...answers.entries()]
    .filter(([, answer]) => answer.status >= 500)
    .map(([index, answer]) => ({
      status: answer.status,
      ...requests[index]!,
      body: String(requests[index]!.body).slice(0, 200),
    }));
  const acknowledged = new Map<string, Acknowledged>();
  for (const { eventId } of [...answers, ...rawAnswers])
    if (eventId) acknowledged.set(eventId, { data: eventId, partition: -1, offset: -1, atMs: 0 });

  // Still up, and still publishing.
  expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  const after = await fetch(`${api.url}/somedata/after-the-storm`);
  expect(after.status).toBe(200);
  acknowledged.set(after.headers.get('x-event-id')!, { data: 'after-the-storm', partition: -1, offset: -1, atMs: 0 });
  await api.stop();

  const inTopic = await endOffsetTotal(sut.admin, sut.config.kafka.topics.somedata);
  // Events nobody got a 200 for, by the data they carry (to find the request in the sample).
  const unacknowledged = (await readEvents(sut, sut.config.kafka.topics.somedata))
    .filter(({ event }) => !acknowledged.has(event.eventId))
    .map(({ event }) => (event.type === 'somedata' ? event.payload.data : event.eventId));
  const result = await outcome(sut, acknowledged);

  reportScenario({
    scenario: 'hostile HTTP',
    load: `${HTTP_REQUESTS + RAW_REQUESTS} generated requests (${RAW_REQUESTS} as raw bytes) in ${seconds(durationMs)}, seed ${SEED}; by route ${JSON.stringify(byRoute)}`,
    fault: `random methods, paths, queries, headers, bodies (oversized, truncated, binary, deep, prototype keys), broken HTTP; answers ${JSON.stringify(statuses)}`,
    tally: { ...result, doubled: inTopic - acknowledged.size },
    recovery: `never down (healthz 200 and a 200 publish after); ${inTopic} records in the topic for ${acknowledged.size} publishing 200s`,
  });

  expect(serverErrors.slice(0, 5)).toEqual([]);
  expect(rawAnswers.filter(({ status }) => status >= 500)).toEqual([]);
  expect(unacknowledged).toEqual([]);
  expect(inTopic).toBe(acknowledged.size);
  expect(result.explanation).toEqual([]);
  expect(result.lost).toBe(0);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(API_ROUTES.filter((route) => (byRoute[route] ?? 0) < 20)).toEqual([]); // every route had its share
});

it('2,000 Kafka records, two thirds malformed: every bad one dead-lettered with its reason, every good one stored', async () => {
  const { kafka, admin, db, config } = sut;
  const { somedata, footdata, dlq } = config.kafka.topics;
  const dlqBefore = await endOffsetTotal(admin, dlq);
  const storedBefore = await db.collection(COLLECTIONS.somedata).countDocuments();

  const sample = (type: 'somedata' | 'footdata', seed: number) =>
    fc.sample(injectedRecord(type, MAX_RECORD_BYTES + 10_000), { numRuns: RECORDS[type], seed });
  const records = { somedata: sample('somedata', SEED + 2), footdata: sample('footdata', SEED + 3) };
  // Each record says which it is, in a header the dead letter keeps.
  const tagged = (type: 'somedata' | 'footdata'): Message[] =>
    records[type].map(({ message, bad }, index) => ({
      ...message,
      headers: { ...message.headers, 'fault-id': `${type}-${index}-${bad ?? 'good'}` },
    }));
  const started = Date.now();
  await produce(kafka, somedata, tagged('somedata'), 200);
  await produce(kafka, footdata, tagged('footdata'), 200);
  const producedMs = Date.now() - started;
  await waitForCommitted(admin, config.consumer.groupId, somedata, 90_000);
  await waitForCommitted(admin, config.consumer.groupId, footdata, 90_000);
  const drainMs = Date.now() - started;

  const bad = [...records.somedata, ...records.footdata].filter((record) => record.bad);
  const expectedBad = new Set(
    (['somedata', 'footdata'] as const).flatMap((type) =>
      records[type].flatMap(({ bad: kind }, index) => (kind ? [`${type}-${index}-${kind}`] : [])),
    ),
  );
  const letters: KafkaMessage[] = await readTopic(kafka, dlq, {
    count: dlqBefore + expectedBad.size,
    timeoutMs: 30_000,
  });
  const ours = letters.filter((letter) => header(letter, 'fault-id'));
  const reasons: Record<string, number> = {};
  for (const letter of ours)
    reasons[String(header(letter, 'dlq-reason'))] = (reasons[String(header(letter, 'dlq-reason'))] ?? 0) + 1;
  const kinds: Record<string, number> = {};
  for (const record of bad) kinds[record.bad!] = (kinds[record.bad!] ?? 0) + 1;

  const goodSomedata = records.somedata
    .filter((record) => !record.bad)
    .map((record) => JSON.parse(String(record.message.value)));
  const goodFootdata = records.footdata
    .filter((record) => !record.bad)
    .map((record) => JSON.parse(String(record.message.value)));
  const storedSomedata = new Set((await db.collection(COLLECTIONS.somedata).distinct('_id')).map(String));
  const storedMatches = new Set((await db.collection(COLLECTIONS.footdata).distinct('_id')).map(Number));
  const lostSomedata = goodSomedata.filter((event) => !storedSomedata.has(event.eventId));
  const lostMatches = goodFootdata.filter((event) => !storedMatches.has(event.payload.id));
  const storedNow = await db.collection(COLLECTIONS.somedata).countDocuments();

  reportScenario({
    scenario: 'hostile Kafka records',
    load: `${RECORDS.somedata} + ${RECORDS.footdata} records into ${somedata} and ${footdata}, seed ${SEED}: ${goodSomedata.length + goodFootdata.length} good, ${bad.length} malformed ${JSON.stringify(kinds)}`,
    fault: `dead-lettered ${ours.length} ${JSON.stringify(reasons)}`,
    tally: {
      acknowledged: goodSomedata.length + goodFootdata.length,
      stored: goodSomedata.length - lostSomedata.length + goodFootdata.length - lostMatches.length,
      lost: lostSomedata.length + lostMatches.length,
      doubled: storedNow - storedBefore - (goodSomedata.length - lostSomedata.length),
    },
    recovery: `never stopped (ready ${sink.ready()}, crashes ${crashes.length}); sent in ${seconds(producedMs)}, all committed ${seconds(drainMs)} after the first send`,
  });

  expect(bad.length).toBeGreaterThanOrEqual(1_000);
  expect(new Set(ours.map((letter) => header(letter, 'fault-id')))).toEqual(expectedBad);
  expect(ours).toHaveLength(expectedBad.size); // each bad record dead-lettered once
  expect(Object.keys(reasons).filter((reason) => !DLQ_REASONS.includes(reason))).toEqual([]);
  for (const letter of ours) {
    expect(header(letter, 'dlq-error-message')).toBeTruthy();
    expect([somedata, footdata]).toContain(header(letter, 'dlq-origin-topic'));
  }
  expect(lostSomedata).toEqual([]);
  expect(lostMatches).toEqual([]);
  expect(storedNow - storedBefore).toBe(goodSomedata.length);
  expect(crashes).toEqual([]);
  expect(sink.ready()).toBe(true);
});
