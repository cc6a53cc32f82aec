/**
 * How much does "answer only after Kafka acknowledged the event" cost?
 * Requests/s and latency of `GET /somedata/car` on the real API (a child
 * `producers/main.ts`, publishing with acks=all, micro-batched) against a bare
 * Express route that publishes nothing (bench/bare-server.ts), and against the
 * naive peer a tutorial would write (bench/naive-server.ts: one awaited kafkajs
 * `producer.send` per request, acks=all), all separate processes on this
 * machine, under autocannon (in this process), in the same run.
 *
 * The measured time is cut into `slices` that alternate (bare, API, naive,
 * bare, API, naive, ...): this machine's speed drifts by tens of percent over
 * minutes, and alternating makes every server see the same drift, so their
 * ratios hold.
 *
 * Every 200 must have its record in Kafka, the API's and the naive peer's
 * alike (each publishes to a topic of its own): each slice sends a fixed number
 * of requests (autocannon `amount`, sized from the warm-up's rate to last about
 * its share of `duration`) and waits for every answer, so each topic's end
 * offsets grow by exactly the number of 2xx. CPU per process shows who
 * competes for the cores. Run by bench/run.ts (`make bench`).
 */
import autocannon from 'autocannon';
import type { Admin } from 'kafkajs';
import { endOffsetTotal, freePort } from '../harness/consumer';
import { freshTopics } from '../harness/producers';
import { waitUntilAnswers, type ServiceProcess } from '../harness/processes';
import {
  cpuMeter,
  metricFromText,
  quantile,
  ratio,
  stackPid,
  startApiChild,
  startBareChild,
  startNaiveChild,
} from './support';

export interface ApiOptions {
  /** Seconds of measured load per server (after a warm-up). Default: 10. */
  duration?: number;
  /** Alternating slices the measured seconds are cut into, per server. Default: 4. */
  slices?: number;
  /**
   * Concurrent connections of autocannon. Default: 100: enough to keep both servers CPU-bound
   * ("full load"). With far fewer the API is latency-bound instead: throughput ≈ connections /
   * (broker round trip + the time to answer a batch).
   */
  connections?: number;
  /** Seconds of warm-up per server (JIT, connections, Kafka metadata). Default: 5: at 2 the API's code is not all optimised yet. */
  warmup?: number;
  /** Environment of the API child beyond the fresh topics (e.g. PUBLISH_LINGER_MS). */
  env?: Record<string, string>;
}

export interface LoadFigures {
  requestsPerSec: number;
  /** p50 and p99: the median over the slices; max: the largest. */
  latencyMs: { p50: number; p99: number; max: number };
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** Cores used by each process during the measured phase. */
  cpu: Record<string, number>;
}

export interface ApiFigures {
  connections: number;
  bare: LoadFigures;
  api: LoadFigures & { meanBatchSize: number; meanAckMs: number };
  /** The naive peer (bench/naive-server.ts): one awaited `producer.send` per request. */
  naive: LoadFigures;
  /** Records the measured phase added to the API's topic: must equal api.ok. */
  recordsInKafka: number;
  /** Records the measured phase added to the naive peer's topic: must equal naive.ok. */
  naiveRecordsInKafka: number;
  apiOfBare: number;
  /** API / naive, requests per second. */
  apiOverNaive: number;
  /**
   * CPU time each server spent per request, µs: when both are CPU-bound, bare / API is the
   * ratio of their rates, whatever share of a core the machine gives them.
   */
  cpuMicrosPerRequest: { api: number; bare: number; naive: number };
  /** API / naive, CPU per request (below 1: the API spends less per request). */
  cpuApiOfNaive: number;
}

interface Target {
  url: string;
  /** The server's own process, by name, for the CPU figures. */
  pids: Record<string, number>;
}

/**
 * Warm every server up, call `beforeMeasured` (to read counters), then the
 * measured slices, alternating between them; the figures in `targets` order.
 */
async function alternate(
  targets: Target[],
  options: Required<Omit<ApiOptions, 'env'>>,
  beforeMeasured: () => Promise<unknown>,
): Promise<LoadFigures[]> {
  const { connections, slices } = options;
  const amounts: number[] = [];
  for (const target of targets) {
    const warm = await autocannon({ url: target.url, connections, duration: options.warmup });
    amounts.push(Math.max(connections, Math.round((warm.requests.average * options.duration) / slices)));
  }
  await beforeMeasured();
  const runs: { result: autocannon.Result; cpu: Record<string, number> }[][] = targets.map(() => []);
  for (let slice = 0; slice < slices; slice++) {
    for (const [i, target] of targets.entries()) {
      const meter = cpuMeter({
        autocannon: process.pid,
        ...target.pids,
        'kafka-broker-1': stackPid('kafka-broker-1'),
        'kafka-broker-2': stackPid('kafka-broker-2'),
      });
      meter.start();
      const result = await autocannon({ url: target.url, connections, amount: amounts[i]! });
      runs[i]!.push({ result, cpu: meter.stop() });
    }
  }
  return runs.map(combine);
}

/** One server's slices as one set of figures: counts add up, rates over the total time. */
function combine(slices: { result: autocannon.Result; cpu: Record<string, number> }[]): LoadFigures {
  const total = (pick: (result: autocannon.Result) => number) =>
    slices.reduce((sum, { result }) => sum + pick(result), 0);
  const medianOf = (pick: (result: autocannon.Result) => number) =>
    quantile(
      slices.map(({ result }) => pick(result)),
      0.5,
    );
  const seconds = total((result) => result.duration);
  const cpu: Record<string, number> = {};
  for (const { result, cpu: cores } of slices)
    for (const [name, used] of Object.entries(cores)) cpu[name] = (cpu[name] ?? 0) + (used * result.duration) / seconds;
  return {
    requestsPerSec: Math.round(total((result) => result.requests.total) / seconds),
    latencyMs: {
      p50: medianOf((result) => result.latency.p50),
      p99: medianOf((result) => result.latency.p99),
      max: Math.max(...slices.map(({ result }) => result.latency.max)),
    },
    requests: total((result) => result.requests.total),
    ok: total((result) => result['2xx']),
    non2xx: total((result) => result.non2xx),
    errors: total((result) => result.errors + result.timeouts),
    cpu: Object.fromEntries(Object.entries(cpu).map(([name, used]) => [name, Number(used.toFixed(2))])),
  };
}

/**
 * The records in `topic` once no more arrive: requests the warm-up cut off are
 * still being published when it returns. Two equal reads 500 ms apart.
 */
async function settledEndOffsets(admin: Admin, topic: string): Promise<number> {
  let last = -1;
  for (;;) {
    const now = await endOffsetTotal(admin, topic);
    if (now === last) return now;
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The publisher's batching counters, as the API's /metrics shows them. */
async function publisherCounters(metricsUrl: string) {
  const text = await (await fetch(metricsUrl)).text();
  return {
    batches: metricFromText(text, 'publisher_batch_size_count'),
    batched: metricFromText(text, 'publisher_batch_size_sum'),
    acks: metricFromText(text, 'publisher_ack_latency_seconds_count'),
    ackSeconds: metricFromText(text, 'publisher_ack_latency_seconds_sum'),
  };
}

export async function run(options: ApiOptions = {}): Promise<ApiFigures> {
  const o = { duration: 10, slices: 4, connections: 100, warmup: 5, ...options };
  const topics = await freshTopics({ FOOT_TOKEN: '', ...o.env });
  // The naive peer's records go to topics of their own, created the same way: each topic's count is one server's.
  const naiveTopics = await freshTopics({ FOOT_TOKEN: '' });
  const topic = topics.config.kafka.topics.somedata;
  const naiveTopic = naiveTopics.config.kafka.topics.somedata;
  const [apiPort, barePort, naivePort] = [await freePort(), await freePort(), await freePort()];
  const children: ServiceProcess[] = [];
  try {
    const api = startApiChild(topics.config, apiPort, o.env);
    const bare = startBareChild(barePort);
    const naive = startNaiveChild(naivePort, naiveTopics.config.kafka.brokers, naiveTopic);
    children.push(api, bare, naive);
    await Promise.all([
      waitUntilAnswers(`http://127.0.0.1:${apiPort}/readyz`, api),
      waitUntilAnswers(`http://127.0.0.1:${barePort}/somedata/car`, bare),
      waitUntilAnswers(`http://127.0.0.1:${naivePort}/somedata/car`, naive),
    ]);
    const metricsUrl = `http://127.0.0.1:${apiPort}/metrics`;
    let before = 0;
    let naiveBefore = 0;
    let counters0 = await publisherCounters(metricsUrl);
    const [bareFigures, apiFigures, naiveFigures] = (await alternate(
      [
        { url: `http://127.0.0.1:${barePort}/somedata/car`, pids: { bare: bare.child.pid! } },
        { url: `http://127.0.0.1:${apiPort}/somedata/car`, pids: { api: api.child.pid! } },
        { url: `http://127.0.0.1:${naivePort}/somedata/car`, pids: { naive: naive.child.pid! } },
      ],
      o,
      async () => {
        [before, naiveBefore] = await Promise.all([
          settledEndOffsets(topics.admin, topic),
          settledEndOffsets(naiveTopics.admin, naiveTopic),
        ]);
        counters0 = await publisherCounters(metricsUrl);
      },
    )) as [LoadFigures, LoadFigures, LoadFigures];
    const [after, naiveAfter] = await Promise.all([
      settledEndOffsets(topics.admin, topic),
      settledEndOffsets(naiveTopics.admin, naiveTopic),
    ]);
    const counters1 = await publisherCounters(metricsUrl);
    const delta = (name: keyof typeof counters0) => counters1[name] - counters0[name];
    const microsPerRequest = (figures: LoadFigures, name: string) =>
      Math.round((figures.cpu[name]! / figures.requestsPerSec) * 1e6);
    const cpuMicrosPerRequest = {
      api: microsPerRequest(apiFigures, 'api'),
      bare: microsPerRequest(bareFigures, 'bare'),
      naive: microsPerRequest(naiveFigures, 'naive'),
    };
    return {
      connections: o.connections,
      bare: bareFigures,
      api: {
        ...apiFigures,
        meanBatchSize: Number((delta('batched') / Math.max(1, delta('batches'))).toFixed(1)),
        meanAckMs: Number(((delta('ackSeconds') / Math.max(1, delta('acks'))) * 1000).toFixed(1)),
      },
      naive: naiveFigures,
      recordsInKafka: after - before,
      naiveRecordsInKafka: naiveAfter - naiveBefore,
      apiOfBare: ratio(apiFigures.requestsPerSec, bareFigures.requestsPerSec),
      apiOverNaive: ratio(apiFigures.requestsPerSec, naiveFigures.requestsPerSec),
      cpuMicrosPerRequest,
      cpuApiOfNaive: ratio(cpuMicrosPerRequest.api, cpuMicrosPerRequest.naive),
    };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    await Promise.all([topics.drop(), naiveTopics.drop()]);
  }
}
