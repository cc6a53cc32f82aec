/**
 * Fault 5: the API loses both brokers for 20 s under a steady load. It answers
 * 503 with Retry-After (never hangs, never 200 for an event Kafka does not
 * have), its memory stays bounded (no queue grows with the outage), it
 * recovers by itself, and every event it acknowledged reaches MongoDB once.
 *
 * The brokers are not stopped: the API's Kafka client reaches them through a
 * network of its own (harness/kafka-network.ts: one TCP proxy per broker,
 * and a socketFactory that sends every connection — bootstrap and the
 * advertised broker addresses alike — through them), and the test cuts it.
 * For the client this is a real outage of the whole cluster: every open
 * connection is reset and every new one refused, so metadata refreshes,
 * produce requests and reconnects fail exactly as with both brokers down. What
 * it does not exercise is the brokers' side of a restart (leader election,
 * replicas catching up), which the broker-loss scenario covers. In exchange it
 * is fast and deterministic, and the consumer (on the real addresses) and the
 * rest of the stack are not disturbed.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Config } from '../../lib/config';
import { createKafka } from '../../lib/kafka/client';
import type { RunningApi } from '../../producers/service';
import { freshName, testLogger } from '../../harness/env';
import { outcome, reportScenario, seconds, sleep } from '../../harness/faults';
import { startKafkaNetwork, type KafkaNetwork } from '../../harness/kafka-network';
import { formatStatuses, startLoad } from '../../harness/load';
import { startTestApi } from '../../harness/producers';
import { useSink } from '../../harness/sink';

jest.setTimeout(120_000);

const RATE = 500;
const OUTAGE_MS = 20_000;
const TIMEOUT_MS = 2_000;
const MAX_PENDING = 2_000;

const sut = useSink({ PUBLISH_TIMEOUT_MS: String(TIMEOUT_MS), PUBLISH_MAX_PENDING: String(MAX_PENDING) });
let network: KafkaNetwork | undefined;
let api: RunningApi | undefined;
afterAll(async () => {
  await network?.restore();
  await api?.stop();
  await network?.close();
});

const MB = 1024 * 1024;
// A full collection before reading the heap, so the figure is what is retained, not garbage not yet collected.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Memory {
  /** Heap still in use after a full collection, in MB. */
  retainedHeapMb: number;
  /** Highest resident set size seen since the last reading, in MB. */
  peakRssMb: number;
  /** Highest publisher backlog seen since the last reading (records waiting or in flight). */
  peakPending: number;
}

/** This process's memory (the API runs in it) and the publisher's backlog, sampled every 100 ms. */
function watchMemory(publisher: RunningApi['publisher']) {
  let peakRss = 0;
  let peakPending = 0;
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    peakPending = Math.max(peakPending, publisher.pending);
  }, 100);
  return {
    /** Retained heap now, and the peaks since the last reading. */
    read(): Memory {
      gc();
      const reading = {
        retainedHeapMb: Math.round(process.memoryUsage().heapUsed / MB),
        peakRssMb: Math.round(peakRss / MB),
        peakPending,
      };
      peakRss = 0;
      peakPending = 0;
      return reading;
    },
    stop: () => clearInterval(timer),
  };
}

const fmt = (m: Memory) => `heap ${m.retainedHeapMb} MB retained, rss ≤ ${m.peakRssMb} MB, pending ≤ ${m.peakPending}`;

it('with both brokers unreachable for 20 s, the API answers 503 + Retry-After, stays bounded, and recovers', async () => {
  network = await startKafkaNetwork(sut.config.kafka.brokers);
  const config: Config = { ...sut.config, kafka: { ...sut.config.kafka, brokers: network.brokers } };
  const kafka = createKafka(config.kafka, testLogger('kafka'), {
    clientId: freshName('outage'),
    overrides: { socketFactory: network.socketFactory },
  });
  await sut.start(); // on the real addresses: only the API loses Kafka
  api = await startTestApi(config, { kafka });
  // Clients keep coming during the outage: enough concurrency that requests pile up if anything is unbounded.
  const load = startLoad({ url: api.url, ratePerSec: RATE, concurrency: 400, prefix: 'ko' });
  const memory = watchMemory(api.publisher);

  await sleep(5_000);
  const before = memory.read();
  await network.cut('refuse');
  const cutAtMs = load.elapsedMs();
  await sleep(OUTAGE_MS);
  const during = memory.read();
  const statusesDuring = { ...load.figures().statuses };
  await network.restore();
  const restoredAtMs = load.elapsedMs();
  const firstOkMs = await load.firstOkAfter(restoredAtMs, 60_000);
  await sleep(5_000);
  const after = memory.read();
  memory.stop();
  const figures = await load.stop();
  await api.stop();
  const result = await outcome(sut, figures.acknowledged);

  reportScenario({
    scenario: 'kafka outage (API)',
    load: `${RATE} req/s × ${seconds(figures.durationMs)}, up to 400 in flight (${formatStatuses(figures.statuses, figures.errors)})`,
    fault: `both brokers unreachable for the API (proxies refuse) from ${seconds(cutAtMs)} for ${seconds(OUTAGE_MS)}; memory (API process) before: ${fmt(before)}; during: ${fmt(during)}; after: ${fmt(after)}`,
    tally: result,
    recovery: `first 200 ${seconds(firstOkMs - restoredAtMs)} after the network returned; longest gap between 200s ${seconds(figures.longestGapMs)}`,
  });

  expect(result.explanation).toEqual([]);
  expect(result.lost).toBe(0);
  expect(result.doubled).toBe(0);
  expect(statusesDuring[503]).toBeGreaterThan(100); // refused quickly and in numbers, not hanging
  expect(figures.unavailableWithoutRetryAfter).toBe(0);
  expect(Object.keys(figures.statuses).filter((status) => !['200', '503'].includes(status))).toEqual([]);
  expect(figures.errors).toBe(0); // every request answered
  expect(during.peakPending).toBeLessThanOrEqual(MAX_PENDING);
  expect(during.retainedHeapMb - before.retainedHeapMb).toBeLessThan(32);
  expect(after.retainedHeapMb - before.retainedHeapMb).toBeLessThan(32);
  expect(firstOkMs - restoredAtMs).toBeLessThan(10_000);
});
