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
 * - The corpus of the worst records (hostile.ts, `hostileCorpus`): 10,000
 *   levels of nesting, a 1 MiB string, 100k tiny keys, every JSON number
 *   edge, bytes that are not UTF-8, a valid envelope around the other topic's
 *   payload, into a consumer process of its own with a 4 MiB record limit (so
 *   each reaches decoding, validation and the store): every one is stored or
 *   dead-lettered with its reason, and that process is never restarted (same
 *   pid, alive, no crash logged).
 *
 * FAULTS_SEED replays a run (the seed is in the scenario line).
 */
import { connect } from 'node:net';
import { Agent, request } from 'node:http';
import fc from 'fast-check';
import type { KafkaMessage, Message } from 'kafkajs';
import { COLLECTIONS } from '../../lib/mongo';
import { DEAD_LETTER_REASONS } from '../../lib/kafka/dead-letter-headers';
import type { ConsumerService } from '../../consumer/service';
import type { RunningApi } from '../../producers/service';
import { ConfigResourceTypes } from 'kafkajs';
import {
  committedOffsets,
  consumerEnv,
  endOffsetTotal,
  freePort,
  header,
  produce,
  waitForCommitted,
} from '../../harness/consumer';
import { readTopic } from '../../harness/env';
import { outcome, reportScenario, seconds } from '../../harness/faults';
import type { Acknowledged } from '../../harness/load';
import { killServices, startService, waitUntilAnswers } from '../../harness/processes';
import { readEvents, startTestApi } from '../../harness/producers';
import { crashesOf, useSink } from '../../harness/sink';
import {
  API_ROUTES,
  hostileCorpus,
  hostileRequest,
  injectedRecord,
  MIB,
  rawRequest,
  type CorpusRecord,
  type HostileRequest,
} from './hostile';

jest.setTimeout(180_000);

const SEED = Number(process.env.FAULTS_SEED ?? Date.now() % 2 ** 31);
const HTTP_REQUESTS = 9_000;
const RAW_REQUESTS = 1_000;
/** Records injected per topic: footdata's good records are the slow ones to write (FerretDB replaces). */
const RECORDS = { somedata: 1_500, footdata: 500 };
const MAX_RECORD_BYTES = 64 * 1024;
const DLQ_REASONS: readonly string[] = DEAD_LETTER_REASONS;

const sut = useSink({ FOOT_TOKEN: '', CONSUMER_MAX_RECORD_BYTES: String(MAX_RECORD_BYTES) });
let api: RunningApi | undefined;
let sink: ConsumerService;
let crashes: unknown[] = [];
beforeAll(async () => {
  sink = await sut.start();
  crashes = crashesOf(sink);
});
afterAll(async () => {
  await api?.stop();
  await killServices();
});

/** The corpus's own topics, database and consumer process: records up to 4 MiB reach decoding and the store. */
const CORPUS_MAX_BYTES = 4 * MIB;
const corpus = useSink({ FOOT_TOKEN: '', CONSUMER_MAX_RECORD_BYTES: String(CORPUS_MAX_BYTES) });

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

/** Where a corpus record ended: stored, dead-lettered (with which reason), both, or nowhere. */
type Fate = 'stored' | `dlq:${string}` | 'stored+dlq' | 'nowhere';

const fits = (record: CorpusRecord, fate: Fate) =>
  record.expected === 'either'
    ? fate === 'stored' || (fate.startsWith('dlq:') && DLQ_REASONS.includes(fate.slice(4)))
    : record.expected === 'stored'
      ? fate === 'stored'
      : fate === `dlq:${record.expected}`;

it('the worst records (10,000 deep, 1 MiB strings, 100k keys, number edges, bad UTF-8, the other payload) each end stored or dead-lettered, and the consumer never restarts', async () => {
  const { kafka, admin, db, config } = corpus;
  const { somedata, footdata, dlq } = config.kafka.topics;
  // Kafka's own limit is 1 MiB a record: these topics take the 1 MiB strings and their envelope.
  await admin.alterConfigs({
    validateOnly: false,
    resources: [somedata, footdata, dlq].map((name) => ({
      type: ConfigResourceTypes.TOPIC,
      name,
      configEntries: [{ name: 'max.message.bytes', value: String(CORPUS_MAX_BYTES + 64 * 1024) }],
    })),
  });

  const port = await freePort();
  const ops = `http://127.0.0.1:${port}`;
  const consumer = startService('consumer/main.ts', consumerEnv(config, port));
  await waitUntilAnswers(`${ops}/readyz`, consumer);
  const pid = consumer.child.pid;

  const records = hostileCorpus();
  const sent = (topic: 'somedata' | 'footdata') => records.filter((record) => record.topic === topic).length;
  const started = Date.now();
  // One send per record, to know where each one is.
  const positions = new Map<string, { partition: number; offset: number }>();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  for (const record of records) {
    const [metadata] = await producer.send({
      topic: config.kafka.topics[record.topic],
      acks: -1,
      messages: [{ ...record.message, headers: { ...record.message.headers, 'fault-id': record.name } }],
    });
    positions.set(record.name, { partition: metadata!.partition, offset: Number(metadata!.baseOffset) });
  }
  await producer.disconnect();
  const where = (record: CorpusRecord) =>
    `${record.topic} ${positions.get(record.name)!.partition}/${positions.get(record.name)!.offset}`;
  // A record that can never end (a crash, a batch retried for ever) leaves its partition uncommitted.
  const committed = await Promise.all(
    [somedata, footdata].map((topic) =>
      waitForCommitted(admin, config.consumer.groupId, topic, 90_000).then(
        () => 'committed',
        (error: Error) => error.message,
      ),
    ),
  );
  const drainMs = Date.now() - started;

  const letters = await readTopic(kafka, dlq, { count: await endOffsetTotal(admin, dlq), timeoutMs: 30_000 });
  const reasonsOf = new Map<string, string[]>();
  for (const letter of letters) {
    const name = String(header(letter, 'fault-id'));
    reasonsOf.set(name, [...(reasonsOf.get(name) ?? []), String(header(letter, 'dlq-reason'))]);
  }
  const storedIds = new Set([
    ...(await db.collection(COLLECTIONS.somedata).distinct('_id')).map(String),
    ...(await db.collection(COLLECTIONS.footdata).distinct('_id')).map(String),
  ]);
  const fates = records.map((record) => {
    const stored = record.storedId !== undefined && storedIds.has(String(record.storedId));
    const reasons = reasonsOf.get(record.name) ?? [];
    const fate: Fate =
      stored && reasons.length > 0
        ? 'stored+dlq'
        : stored
          ? 'stored'
          : reasons.length > 0
            ? `dlq:${reasons.join('+')}`
            : 'nowhere';
    return { record, fate };
  });
  const byFate: Record<string, string[]> = {};
  for (const { record, fate } of fates) (byFate[fate] ??= []).push(record.name);
  // A record that never ends holds back the records after it in its partition: name the one at each stuck commit.
  const committedAt = {
    somedata: await committedOffsets(admin, config.consumer.groupId, somedata),
    footdata: await committedOffsets(admin, config.consumer.groupId, footdata),
  };
  const blockers = fates
    .filter(({ record, fate }) => {
      const { partition, offset } = positions.get(record.name)!;
      return fate === 'nowhere' && offset === Math.max(0, committedAt[record.topic].get(partition) ?? 0);
    })
    .map(({ record }) => `${record.name} (at ${where(record)})`);
  const unexpected = fates
    .filter(({ record, fate }) => !fits(record, fate))
    .map(({ record, fate }) => `${record.name}: ${fate} (expected ${record.expected}, at ${where(record)})`);

  const alive = consumer.child.exitCode === null && consumer.child.signalCode === null;
  const crashesLogged = consumer.output().split('consumer crashed').length - 1;
  // Why it crashed or what it keeps retrying (its pino lines), for the report.
  const troubles = [
    ...new Set(
      consumer
        .output()
        .split('\n')
        .filter((line) => line.includes('consumer crashed') || line.includes('batch failed, will try again'))
        .map((line) => {
          try {
            const entry = JSON.parse(line) as { msg: string; reason?: string; err?: { message?: string } };
            return `${entry.msg}: ${(entry.reason ?? entry.err?.message ?? '').slice(0, 200)}`;
          } catch {
            return line.slice(0, 200);
          }
        }),
    ),
  ].slice(0, 3);
  const healthz = await fetch(`${ops}/healthz`).then(
    (response) => response.status,
    () => 0,
  );
  const storedCount = (byFate.stored ?? []).length;
  reportScenario({
    scenario: 'hostile corpus',
    load: `${records.length} records (${sent('somedata')} somedata, ${sent('footdata')} footdata) into a consumer process with CONSUMER_MAX_RECORD_BYTES ${CORPUS_MAX_BYTES}`,
    fault: `depth 10,000, 1 MiB strings, 100k keys, number edges, invalid UTF-8, the other topic's payload; ends ${JSON.stringify(Object.fromEntries(Object.entries(byFate).map(([fate, names]) => [fate, names.length])))}`,
    tally: {
      acknowledged: records.length,
      stored: storedCount,
      lost: (byFate.nowhere ?? []).length,
      doubled: (byFate['stored+dlq'] ?? []).length + [...reasonsOf.values()].filter((r) => r.length > 1).length,
    },
    recovery: `consumer pid ${pid} ${alive ? 'alive' : `exited (${consumer.child.exitCode ?? consumer.child.signalCode})`}, ${crashesLogged} crash(es) logged, healthz ${healthz}; offsets ${committed.join(' / ')} ${seconds(drainMs)} after the first send`,
    notes: `${blockers.length > 0 ? `partitions left waiting at${alive ? '' : ' (all: the process is gone)'}: ${blockers.join(', ')}; ` : ''}${troubles.length > 0 ? `consumer said: ${troubles.join(' / ')}; ` : ''}not where expected: ${unexpected.length === 0 ? 'none' : unexpected.join('; ')}`,
  });
  if (unexpected.length > 0) console.log(`hostile corpus, every fate: ${JSON.stringify(byFate)}`);

  for (const letter of letters) {
    expect(DLQ_REASONS).toContain(header(letter, 'dlq-reason'));
    expect(header(letter, 'dlq-error-message')).toBeTruthy();
  }
  expect(unexpected).toEqual([]);
  expect(committed).toEqual(['committed', 'committed']);
  expect(crashesLogged).toBe(0);
  expect(alive).toBe(true);
  expect(healthz).toBe(200);
  expect(await consumer.stop('SIGTERM')).toBe(0);
});
