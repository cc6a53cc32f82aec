/**
 * A client retry with an `Idempotency-Key` header: across two API instances
 * on the same Redis, the same key answers the same eventId and stores one
 * document; the same key with another request is 422, while the first is in
 * flight 409; a retry after a 503 whose record landed in Kafka reuses the
 * eventId (the consumer stores one document); with Redis down a keyed request
 * is 503 and publishes nothing, a request without a key goes through.
 */
import type { Server } from 'node:http';
import { loadConfig } from '../../lib/config';
import { UnavailableError } from '../../lib/errors';
import { listen } from '../../lib/http/listen';
import { Publisher } from '../../lib/kafka/publisher';
import { COLLECTIONS } from '../../lib/mongo';
import { closeServer, createMetricsRegistry } from '../../lib/observability';
import { createApp } from '../../producers/app';
import { createFootdataFeed } from '../../producers/football/create-feed';
import { createIdempotency, type Idempotency } from '../../producers/idempotency';
import type { RunningApi } from '../../producers/service';
import { freePort, waitForCommitted, waitForCount } from '../../harness/consumer';
import { freshName, testKafka, testLogger } from '../../harness/env';
import { readEvents, startTestApi } from '../../harness/producers';
import { useSink } from '../../harness/sink';

jest.setTimeout(120_000);

const sut = useSink();
let a: RunningApi;
let b: RunningApi;
beforeAll(async () => {
  [a, b] = await Promise.all([startTestApi(sut.config), startTestApi(sut.config)]);
  await sut.start();
});
afterAll(async () => {
  await Promise.allSettled([a?.stop(), b?.stop()]);
});

const key = () => freshName('idem');
const get = (api: RunningApi, path: string, headers: Record<string, string> = {}) =>
  fetch(`${api.url}${path}`, { headers });
const post = (api: RunningApi, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${api.url}/somedata`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

async function documentsWithData(data: string): Promise<unknown[]> {
  return sut.db.collection(COLLECTIONS.somedata).find({ 'payload.data': data }).toArray();
}

/** The consumer has written every record of the topic (so a second document would be there by now). */
async function sinkCaughtUp(): Promise<void> {
  await waitForCommitted(sut.admin, sut.config.consumer.groupId, sut.config.kafka.topics.somedata);
}

describe('the same Idempotency-Key', () => {
  it('sent to two API instances answers one eventId and stores one document', async () => {
    const data = freshName('retry')
      .replace(/[^A-Za-z0-9_-]/g, '_')
      .slice(0, 60);
    const idem = key();
    const first = await get(a, `/somedata/${data}?number=2`, { 'idempotency-key': idem });
    const second = await get(b, `/somedata/${data}?number=2`, { 'idempotency-key': `"${idem}"` }); // the draft's sf-string form
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(await second.json()).toEqual(await first.json());
    const eventId = first.headers.get('x-event-id');
    expect(second.headers.get('x-event-id')).toBe(eventId);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('x-kafka-offset')).toBe(first.headers.get('x-kafka-offset'));

    await waitForCount(sut.db, COLLECTIONS.somedata, 1);
    await sinkCaughtUp();
    expect((await documentsWithData(data)).map((doc) => (doc as { _id: string })._id)).toEqual([eventId]);
  });

  it('sent concurrently to both instances: one is recorded, the others are 409 or replay it', async () => {
    const data = freshName('race')
      .replace(/[^A-Za-z0-9_-]/g, '_')
      .slice(0, 60);
    const idem = key();
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => post(i % 2 ? a : b, { data, number: 1 }, { 'idempotency-key': idem })),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status !== 200 && status !== 409)).toEqual([]);
    expect(statuses).toContain(200);
    const busy = responses.find((response) => response.status === 409);
    if (busy) {
      expect(busy.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await busy.json()).toMatchObject({ error: { code: 'idempotency_key_in_use', field: 'idempotency-key' } });
    }
    const eventIds = new Set(
      responses.filter((response) => response.status === 200).map((response) => response.headers.get('x-event-id')),
    );
    expect(eventIds.size).toBe(1);
    await sinkCaughtUp();
    expect(await documentsWithData(data)).toHaveLength(1);
  });

  it('with another request (query, body, method or path) is 422 and publishes nothing', async () => {
    const idem = key();
    expect((await get(a, '/somedata/car?number=2', { 'idempotency-key': idem })).status).toBe(200);
    const recorded = (await readEvents(sut, sut.config.kafka.topics.somedata)).length;
    const others = [
      await get(b, '/somedata/car?number=3', { 'idempotency-key': idem }),
      await get(b, '/somedata/bus?number=2', { 'idempotency-key': idem }),
      await post(b, { data: 'car', number: 2 }, { 'idempotency-key': idem }),
      await get(b, '/somedata/car?number=2', { 'idempotency-key': idem, 'x-run-id': 'another-run' }),
    ];
    expect(others.map((response) => response.status)).toEqual([422, 422, 422, 422]);
    expect(await others[0]!.json()).toMatchObject({
      error: { code: 'idempotency_key_reused', field: 'idempotency-key' },
    });
    expect((await readEvents(sut, sut.config.kafka.topics.somedata)).length).toBe(recorded);
  });
});

it('is described in /openapi.json: the header, 409, 422 and the 503 it changes', async () => {
  const doc = (await (await fetch(`${a.url}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { parameters?: { name: string }[]; responses: Record<string, unknown> }>>;
  };
  for (const [path, method] of [
    ['/somedata/{data}', 'get'],
    ['/somedata', 'post'],
  ] as const) {
    const operation = doc.paths[path]![method]!;
    expect(operation.parameters?.map((parameter) => parameter.name)).toContain('idempotency-key');
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '400', '409', '422', '503']));
    expect(JSON.stringify(operation.responses['503'])).toMatch(/Idempotency-Key/);
  }
});

describe('a bad Idempotency-Key', () => {
  it('is 400 with a JSON reason, before anything is published', async () => {
    for (const bad of ['short', 'x'.repeat(256), 'has space inside', 'a,b-cdefghij', '"unterminated', 'é-accented-key'])
      expect({ bad, status: (await get(a, '/somedata/car', { 'idempotency-key': bad })).status }).toEqual({
        bad,
        status: 400,
      });
    const response = await get(a, '/somedata/car', { 'idempotency-key': 'short' });
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_request', field: 'idempotency-key' } });
  });
});

describe('a retry after a 503 whose record landed', () => {
  let server: Server | undefined;
  let publisher: Publisher | undefined;
  let idempotency: Idempotency | undefined;
  afterAll(async () => {
    if (server) await closeServer(server);
    await publisher?.close();
    await idempotency?.close();
  });

  it('reuses the eventId, and the consumer stores one document', async () => {
    // An API whose first publish reaches Kafka but answers as a timeout would (503): what PUBLISH_TIMEOUT_MS can do.
    const log = testLogger('producers');
    const registry = createMetricsRegistry('producers');
    publisher = new Publisher(testKafka(sut.config), { ...sut.config.api.publish, registry, log });
    await publisher.connect();
    const real = publisher;
    let landedButFailed = 0;
    const flaky = {
      isReady: () => real.isReady(),
      publishEvent: async (...args: Parameters<Publisher['publishEvent']>) => {
        const result = await real.publishEvent(...args);
        if (landedButFailed++ === 0) throw new UnavailableError('not acknowledged in time', { retryAfterMs: 1_000 });
        return result;
      },
    } as unknown as Publisher;
    idempotency = createIdempotency(sut.config, log);
    const app = createApp({
      log,
      registry,
      publisher: flaky,
      footdata: createFootdataFeed(sut.config.football, log, registry),
      somedataTopic: sut.config.kafka.topics.somedata,
      draining: () => false,
      idempotency,
    });
    const listening = await listen(app, { port: 0, http: sut.config.http });
    server = listening.server;

    const data = freshName('landed')
      .replace(/[^A-Za-z0-9_-]/g, '_')
      .slice(0, 60);
    const idem = key();
    const first = await fetch(`${listening.url}/somedata/${data}`, { headers: { 'idempotency-key': idem } });
    expect(first.status).toBe(503);
    const retry = await fetch(`${listening.url}/somedata/${data}`, { headers: { 'idempotency-key': idem } });
    expect(retry.status).toBe(200);

    await sinkCaughtUp();
    const inKafka = (await readEvents(sut, sut.config.kafka.topics.somedata)).filter(
      ({ event }) => event.type === 'somedata' && event.payload.data === data,
    );
    expect(inKafka).toHaveLength(2); // published twice ...
    expect(new Set(inKafka.map(({ event }) => event.eventId))).toEqual(new Set([retry.headers.get('x-event-id')]));
    expect(await documentsWithData(data)).toHaveLength(1); // ... stored once
  });
});

describe('with Redis down', () => {
  let down: RunningApi | undefined;
  afterAll(async () => {
    await down?.stop();
  });

  it('a keyed request is 503 and publishes nothing; a request without a key goes through', async () => {
    const config = loadConfig({
      ...process.env,
      TOPIC_SOMEDATA: sut.config.kafka.topics.somedata,
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      LOG_LEVEL: 'silent',
    });
    down = await startTestApi(config);
    const data = freshName('nokv')
      .replace(/[^A-Za-z0-9_-]/g, '_')
      .slice(0, 60);
    const keyed = await fetch(`${down.url}/somedata/${data}`, { headers: { 'idempotency-key': key() } });
    expect(keyed.status).toBe(503);
    expect(keyed.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await keyed.json()).toMatchObject({ error: { code: 'unavailable' } });
    const plain = await fetch(`${down.url}/somedata/${data}-plain`);
    expect(plain.status).toBe(200);
    const inKafka = (await readEvents(sut, sut.config.kafka.topics.somedata)).filter(
      ({ event }) => event.type === 'somedata' && event.payload.data.startsWith(data),
    );
    expect(inKafka.map(({ event }) => event.type === 'somedata' && event.payload.data)).toEqual([`${data}-plain`]);
    // And /readyz does not hang on Redis: requests without a key are served.
    expect((await fetch(`${down.url}/readyz`)).status).toBe(200);
  });
});
