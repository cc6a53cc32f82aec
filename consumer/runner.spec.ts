import type { Batch, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { Db } from 'mongodb';
import { Registry } from 'prom-client';
import { toKafkaMessage } from '../lib/schemas';
import { somedataEvent } from '../harness/consumer';
import { testLogger } from '../harness/env';
import type { DeadLetter } from './dead-letters';
import { createFilter } from './filter';
import { createConsumerMetrics } from './metrics';
import { sinkRoutes } from './routes';
import { createBatchHandler } from './runner';
import { StoreGate } from './store-gate';

const topics = { somedata: 'somedata', footdata: 'footdata', dlq: 'dlq' };

function kafkaMessage(offset: number, value: string | null): KafkaMessage {
  return {
    key: null,
    value: value === null ? null : Buffer.from(value),
    headers: {},
    offset: String(offset),
    timestamp: '0',
    attributes: 0,
  };
}

/** A batch of offsets 10..: two good records and one that is not JSON. */
function batchOf(): Batch {
  const messages = [
    kafkaMessage(10, toKafkaMessage(somedataEvent()).value),
    kafkaMessage(11, 'not json'),
    kafkaMessage(12, toKafkaMessage(somedataEvent()).value),
  ];
  return {
    topic: 'somedata',
    partition: 0,
    highWatermark: '20',
    messages,
    firstOffset: () => '10',
    lastOffset: () => '12',
    offsetLag: () => '7',
  } as unknown as Batch;
}

/** The probe write of the store gate: answered at once unless `answer` says otherwise. */
type Probe = () => Promise<unknown>;

function harness(write: (attempt: number) => object | Error | Promise<object>, probe: Probe = async () => undefined) {
  const calls: string[] = [];
  let attempt = 0;
  const state = { running: true, heartbeatError: undefined as Error | undefined };
  const db = {
    collection: () => ({
      collectionName: 'somedata',
      bulkWrite: async () => {
        attempt += 1;
        calls.push(`write#${attempt}`);
        const outcome = await write(attempt);
        if (outcome instanceof Error) throw outcome;
        return { insertedCount: 0, upsertedCount: 0, modifiedCount: 0, ...outcome };
      },
    }),
  } as unknown as Db;
  const letters: DeadLetter[] = [];
  const health: string[] = [];
  const registry = new Registry();
  const metrics = createConsumerMetrics(registry);
  const handle = createBatchHandler({
    db,
    routes: sinkRoutes(topics),
    filter: createFilter({ competitions: [], areas: [] }),
    deadLetters: {
      publish: async (dead) => {
        calls.push('dead-letters');
        letters.push(...dead);
      },
    },
    metrics,
    log: testLogger(),
    storeGate: new StoreGate({
      probes: {
        collectionName: 'consumer_probes',
        replaceOne: async () => {
          calls.push('probe');
          return probe();
        },
      } as unknown as ConstructorParameters<typeof StoreGate>[0]['probes'],
      member: 'test-group',
      log: testLogger(),
    }),
    options: {
      maxRecordBytes: 1024 * 1024,
      futureToleranceMs: 3_600_000,
      retryInitialDelayMs: 10,
      retryMaxDelayMs: 40,
      heartbeatIntervalMs: 20,
    },
    health: { failing: (stage) => health.push(`failing:${stage}`), healthy: () => health.push('healthy') },
  });
  const payload = {
    batch: batchOf(),
    resolveOffset: (offset: string) => calls.push(`resolve:${offset}`),
    heartbeat: async () => {
      calls.push('heartbeat');
      if (state.heartbeatError) throw state.heartbeatError;
    },
    commitOffsetsIfNecessary: async () => {
      calls.push('commit');
    },
    uncommittedOffsets: () => ({ topics: [] }),
    isRunning: () => state.running,
    isStale: () => false,
    pause: () => () => undefined,
  } as unknown as EachBatchPayload;
  return { handle: () => handle(payload), calls, letters, health, state, registry };
}

const without = (calls: string[], name: string) => calls.filter((call) => call !== name);

describe('the batch loop', () => {
  it('writes, dead-letters, then resolves, heartbeats and commits, in that order', async () => {
    const h = harness(() => ({ insertedCount: 2 }));
    await h.handle();
    expect(h.calls).toEqual(['write#1', 'dead-letters', 'resolve:12', 'heartbeat', 'commit']);
    expect(h.letters.map((letter) => [letter.reason, letter.message.offset])).toEqual([['decode', '11']]);
    const metrics = await h.registry.getMetricsAsJSON();
    const value = (name: string) => metrics.find((metric) => metric.name === name)?.values[0]?.value;
    expect(value('consumer_records_consumed_total')).toBe(3);
    expect(value('consumer_records_written_total')).toBe(2);
    expect(value('consumer_records_dead_lettered_total')).toBe(1);
    expect(value('consumer_lag_records')).toBe(7);
  });

  it('tries the same batch again while the store is down, heartbeating, and commits only once it is written', async () => {
    const h = harness((attempt) => (attempt < 4 ? new Error('connection refused') : { insertedCount: 2 }));
    await h.handle();
    const steps = without(h.calls, 'heartbeat');
    expect(steps).toEqual([
      ...['write#1', 'probe', 'write#2', 'probe', 'write#3', 'probe', 'write#4'],
      ...['dead-letters', 'resolve:12', 'commit'],
    ]);
    expect(h.calls.indexOf('resolve:12')).toBeGreaterThan(h.calls.indexOf('write#4'));
    expect(h.calls.slice(0, h.calls.indexOf('write#4')).filter((call) => call === 'heartbeat').length).toBeGreaterThan(
      0,
    );
    expect(h.health).toEqual(['failing:write', 'failing:write', 'failing:write', 'healthy']);
  });

  it('sends a batch to a paused store once, then only its probe until the store has answered it', async () => {
    // A paused store: it takes every command and answers none; the client gives up after 20 ms,
    // but what it sent stays queued in the store. Resumed after 300 ms.
    let paused = true;
    let resume = () => {};
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    const timedOut = () =>
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('connection timed out')), 20));
    const h = harness(
      () => (paused ? timedOut() : { insertedCount: 2 }),
      () => resumed,
    );
    setTimeout(() => {
      paused = false;
      resume();
    }, 300);
    await h.handle();
    const steps = without(h.calls, 'heartbeat');
    expect(steps.filter((step) => step.startsWith('write')).length).toBe(2);
    expect(steps).toEqual(['write#1', 'probe', 'write#2', 'dead-letters', 'resolve:12', 'commit']);
  });

  it('leaves the batch unresolved and uncommitted when the consumer stops during an outage', async () => {
    const h = harness(() => new Error('connection refused'));
    setTimeout(() => (h.state.running = false), 100);
    await h.handle();
    expect(h.calls.some((call) => call.startsWith('resolve') || call === 'commit' || call === 'dead-letters')).toBe(
      false,
    );
  });

  it('hands a lost group membership to kafkajs without resolving the batch', async () => {
    const h = harness(() => new Error('connection refused'));
    setTimeout(() => (h.state.heartbeatError = new Error('The group is rebalancing')), 60);
    await expect(h.handle()).rejects.toThrow(/rebalancing/);
    expect(h.calls.some((call) => call.startsWith('resolve'))).toBe(false);
  });
});
