/**
 * How much does "answer only after Kafka acknowledged the event" cost?
 * Requests/s and latency of `GET /somedata/car` on the real API (a child
 * `producers/main.ts`, publishing with acks=all, micro-batched) against a bare
 * Express route that publishes nothing (bench/bare-server.ts), both separate
 * processes on this machine, under autocannon (in this process), in the same run.
 *
 * Every 200 must have its record in Kafka: the measured phase sends a fixed
 * number of requests (autocannon `amount`, sized from the warm-up's rate to
 * last about `duration` seconds) and waits for every answer, so the topic's end
 * offsets grow by exactly the number of 2xx. CPU per process shows who competes
 * for the cores. Run by bench/run.ts (`make bench`).
 */
import autocannon from 'autocannon';
import type { Admin } from 'kafkajs';
import { endOffsetTotal, freePort } from '../test/support/consumer';
import { freshTopics, producersEnv } from '../test/support/producers';
import { startService, waitUntilAnswers, type ServiceProcess } from '../test/support/processes';
import { API_NODE_OPTIONS, cpuMeter, metricFromText, ratio, stackPid } from './support';

export interface ApiOptions {
  /** Seconds of measured load per server (after a warm-up). Default: 10. */
  duration?: number;
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
  /** Records the measured phase added to the topic: must equal api.ok. */
  recordsInKafka: number;
  apiOfBare: number;
}

/** Warm up, call `beforeMeasured` (to read counters), then the measured phase. */
async function load(
  url: string,
  options: Required<Omit<ApiOptions, 'env'>>,
  pids: Record<string, number>,
  beforeMeasured: () => Promise<unknown> = async () => undefined,
) {
  const { connections } = options;
  const warm = await autocannon({ url, connections, duration: options.warmup });
  await beforeMeasured();
  const amount = Math.max(connections, Math.round(warm.requests.average * options.duration));
  const meter = cpuMeter({
    autocannon: process.pid,
    ...pids,
    'kafka-broker-1': stackPid('kafka-broker-1'),
    'kafka-broker-2': stackPid('kafka-broker-2'),
  });
  meter.start();
  const result = await autocannon({ url, connections, amount });
  const cpu = meter.stop();
  return {
    requestsPerSec: Math.round(result.requests.total / result.duration),
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    requests: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    cpu,
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
  const o = { duration: 10, connections: 100, warmup: 5, ...options };
  const topics = await freshTopics({ FOOT_TOKEN: '', ...o.env });
  const topic = topics.config.kafka.topics.somedata;
  const [apiPort, barePort] = [await freePort(), await freePort()];
  const children: ServiceProcess[] = [];
  try {
    const api = startService('producers/main.ts', {
      ...producersEnv(topics.config, apiPort),
      LOG_LEVEL: 'warn',
      NODE_OPTIONS: API_NODE_OPTIONS,
      ...o.env,
    });
    // The same Node flags: the comparison is of the code, not of the runtime's settings.
    const bare = startService('bench/bare-server.ts', { BARE_PORT: String(barePort), NODE_OPTIONS: API_NODE_OPTIONS });
    children.push(api, bare);
    await Promise.all([
      waitUntilAnswers(`http://127.0.0.1:${apiPort}/readyz`, api),
      waitUntilAnswers(`http://127.0.0.1:${barePort}/somedata/car`, bare),
    ]);
    const bareFigures = await load(`http://127.0.0.1:${barePort}/somedata/car`, o, { bare: bare.child.pid! });

    const metricsUrl = `http://127.0.0.1:${apiPort}/metrics`;
    let before = 0;
    let counters0 = await publisherCounters(metricsUrl);
    const apiFigures = await load(`http://127.0.0.1:${apiPort}/somedata/car`, o, { api: api.child.pid! }, async () => {
      before = await settledEndOffsets(topics.admin, topic);
      counters0 = await publisherCounters(metricsUrl);
    });
    const recordsInKafka = (await settledEndOffsets(topics.admin, topic)) - before;
    const counters1 = await publisherCounters(metricsUrl);
    const delta = (name: keyof typeof counters0) => counters1[name] - counters0[name];
    return {
      connections: o.connections,
      bare: bareFigures,
      api: {
        ...apiFigures,
        meanBatchSize: Number((delta('batched') / Math.max(1, delta('batches'))).toFixed(1)),
        meanAckMs: Number(((delta('ackSeconds') / Math.max(1, delta('acks'))) * 1000).toFixed(1)),
      },
      recordsInKafka,
      apiOfBare: ratio(apiFigures.requestsPerSec, bareFigures.requestsPerSec),
    };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    await topics.drop();
  }
}
