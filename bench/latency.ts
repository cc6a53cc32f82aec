/**
 * End-to-end latency at a steady rate: requests to `GET /somedata/:data` on
 * the API (a child `producers/main.ts`), the sink (a child `consumer/main.ts`)
 * writing them to MongoDB, and for every stored event the time from the
 * request to its document: `storedAt - producedAt`. Both stamps are taken by
 * our code on this one host (same clock): `producedAt` when the API builds the
 * event, `storedAt` when the sink plans the bulk write that stores it; the
 * write itself (mean reported beside) comes on top before the document is
 * visible. Run by bench/run.ts (`make bench`).
 *
 * What the time is made of, per event, from two more stamps on the same clock:
 * the Kafka record's timestamp (kafkajs stamps it when it encodes the
 * publisher's `sendBatch`) and the moment the load generator got the 200:
 *
 *   producedAt → record timestamp   batching: the publisher's linger, and the send before it
 *   record timestamp → 200          the acknowledgement (acks=all) and the answer
 *   200 → storedAt                  the sink: its fetch, and the batch it was still writing
 *
 * each as p50 / p99, and their means over the slowest 1% of events (what the
 * p99 is made of).
 *
 * `searchRates` adds a search for the highest rate whose p99 stays within
 * `searchP99Ms`: shorter runs at each rate in turn, stopping at the first that
 * misses (p99 over, or fewer than 95% of the requests acknowledged). When
 * `rate` itself misses, the search goes down instead (`searchRatesBelow`)
 * and stops at the first rate that stays within.
 */
import type { Db } from 'mongodb';
import { COLLECTIONS, createMongoClient } from '../lib/mongo';
import { consumerEnv, endOffsetTotal, freePort } from '../harness/consumer';
import { eventually, freshName, readTopic } from '../harness/env';
import { tally } from '../harness/faults';
import { startLoad, type LoadFigures as Load } from '../harness/load';
import { freshTopics, type TopicsUnderTest } from '../harness/producers';
import { startService, waitUntilAnswers, type ServiceProcess } from '../harness/processes';
import { cpuMeter, fetchMetric, machineMeter, quantile, stackPid, startApiChild } from './support';

export interface LatencyOptions {
  /** Requests per second. Default: 1_000. */
  rate?: number;
  /** Seconds of load. Default: 60. */
  duration?: number;
  /** Environment of both children beyond the fresh names (e.g. PUBLISH_LINGER_MS). */
  env?: Record<string, string>;
  /** Rates tried after `rate` when it stays within searchP99Ms, in order, for the highest that does. Default: none. */
  searchRates?: number[];
  /** Rates tried, in order, when `rate` itself misses, until one stays within searchP99Ms. Default: 750, 500, 250. */
  searchRatesBelow?: number[];
  /** Seconds of load at each rate of the search. Default: 20. */
  searchDuration?: number;
  /** The p99 a rate of the search must stay within, ms. Default: 100. */
  searchP99Ms?: number;
}

/** Two quantiles of one part of the latency, ms. */
interface Spread {
  p50: number;
  p99: number;
}

export interface LatencyBreakdown {
  /** producedAt → the Kafka record's timestamp: the publisher's linger and the send before it. */
  batchingMs: Spread;
  /** Record timestamp → the 200: Kafka's acknowledgement (acks=all) and the HTTP answer. */
  ackMs: Spread;
  /** The 200 → storedAt: the sink's fetch and the batch it was busy with. */
  sinkMs: Spread;
  /** Means of the three over the slowest 1% of events (latency ≥ p99): what the tail is made of. */
  tailMeanMs: { batching: number; ack: number; sink: number };
  /** The sink's bulk writes: how many, and records per write. */
  writes: number;
  recordsPerWrite: number;
}

export interface LatencyFigures {
  rate: number;
  durationSec: number;
  /** 200s per second over the run. */
  acknowledgedPerSec: number;
  acknowledged: number;
  stored: number;
  lost: number;
  doubled: number;
  /** storedAt - producedAt over every stored event, ms. */
  latencyMs: { p50: number; p99: number; max: number };
  /** Mean duration of the sink's bulk writes, ms: on top of storedAt before a document is visible. */
  meanWriteMs: number;
  /**
   * Cores used during the load: the whole machine (of `nproc`), and each
   * process on the path (`load` is this process, the load generator). A
   * machine near `nproc` means every part waits for a core as well.
   */
  cpu: Record<string, number> & { machine: number; nproc: number };
  breakdown: LatencyBreakdown;
  /** With `searchRates`: each rate tried and the highest within searchP99Ms (0: none of them), and its p99. */
  search?: {
    p99WithinMs: number;
    /** Each rate tried, with the cores used meanwhile (as `cpu`). */
    steps: {
      rate: number;
      acknowledgedPerSec: number;
      p99: number;
      lost: number;
      doubled: number;
      cpu: LatencyFigures['cpu'];
    }[];
    highestRate: number;
    p99AtHighest: number;
  };
}

interface StoredEvent {
  _id: string;
  producedAt: Date;
  storedAt: Date;
}

const spread = (values: number[]): Spread => ({ p50: quantile(values, 0.5), p99: quantile(values, 0.99) });
const mean = (values: number[]) =>
  Number((values.reduce((sum, n) => sum + n, 0) / Math.max(1, values.length)).toFixed(1));

/** Each event's record timestamp in Kafka, by event id (read back from the topic). */
async function recordTimestamps(topics: TopicsUnderTest, topic: string): Promise<Map<string, number>> {
  const count = await endOffsetTotal(topics.admin, topic);
  const messages = await readTopic(topics.kafka, topic, { count, timeoutMs: 60_000 });
  const stamps = new Map<string, number>();
  for (const message of messages)
    stamps.set((JSON.parse(String(message.value)) as { eventId: string }).eventId, Number(message.timestamp));
  return stamps;
}

function breakdown(
  documents: StoredEvent[],
  stamps: Map<string, number>,
  answeredAt: Map<string, number>,
  p99: number,
): LatencyBreakdown {
  const parts = documents.flatMap((document) => {
    const recordAt = stamps.get(document._id);
    const okAt = answeredAt.get(document._id);
    if (recordAt === undefined || okAt === undefined) return [];
    const producedAt = document.producedAt.getTime();
    const storedAt = document.storedAt.getTime();
    return [
      { total: storedAt - producedAt, batching: recordAt - producedAt, ack: okAt - recordAt, sink: storedAt - okAt },
    ];
  });
  const tail = parts.filter((part) => part.total >= p99);
  const writes = new Set(documents.map((document) => document.storedAt.getTime())).size;
  return {
    batchingMs: spread(parts.map((part) => part.batching)),
    ackMs: spread(parts.map((part) => part.ack)),
    sinkMs: spread(parts.map((part) => part.sink)),
    tailMeanMs: {
      batching: mean(tail.map((part) => part.batching)),
      ack: mean(tail.map((part) => part.ack)),
      sink: mean(tail.map((part) => part.sink)),
    },
    writes,
    recordsPerWrite: Number((documents.length / Math.max(1, writes)).toFixed(1)),
  };
}

/** One steady run at `rate` against the API and the sink already running; the stored events checked and timed. */
async function measure(
  urls: { api: string; consumerMetrics: string },
  pids: Record<string, number | undefined>,
  topics: TopicsUnderTest,
  db: Db,
  rate: number,
  duration: number,
  withBreakdown: boolean,
): Promise<Omit<LatencyFigures, 'breakdown' | 'search'> & { breakdown?: LatencyBreakdown }> {
  const collection = db.collection<StoredEvent>(COLLECTIONS.somedata);
  await collection.deleteMany({});
  const [writeSeconds0, writes0] = await Promise.all([
    fetchMetric(urls.consumerMetrics, 'consumer_write_duration_seconds_sum'),
    fetchMetric(urls.consumerMetrics, 'consumer_write_duration_seconds_count'),
  ]);
  // Enough requests in flight for 50 ms answers at this rate (64 at 1_000/s and below).
  const concurrency = Math.max(64, Math.ceil(rate * 0.05));
  const machine = machineMeter();
  const processes = cpuMeter(pids);
  const load = startLoad({ url: urls.api, ratePerSec: rate, concurrency, prefix: freshName('lat') });
  const startedAt = Date.now() - load.elapsedMs();
  machine.start();
  processes.start();
  await new Promise((resolve) => setTimeout(resolve, duration * 1000));
  const { busy, nproc } = machine.stop();
  const used = processes.stop();
  // A process's figure counts its children: the API and the sink are this one's.
  const cpu = { machine: busy, nproc, ...used, load: Number((used.load! - used.api! - used.sink!).toFixed(2)) };
  const figures: Load = await load.stop();

  const count = await eventually(
    async () => {
      const t = await tally(db, figures.acknowledged);
      return t.lost === 0 && t;
    },
    'every acknowledged event in MongoDB',
    60_000,
  );
  const documents = await collection.find({}, { projection: { _id: 1, producedAt: 1, storedAt: 1 } }).toArray();
  const latencies = documents.map((document) => document.storedAt.getTime() - document.producedAt.getTime());
  const [writeSeconds, writes] = await Promise.all([
    fetchMetric(urls.consumerMetrics, 'consumer_write_duration_seconds_sum'),
    fetchMetric(urls.consumerMetrics, 'consumer_write_duration_seconds_count'),
  ]);
  const p99 = quantile(latencies, 0.99);
  const answeredAt = new Map([...figures.acknowledged].map(([eventId, ack]) => [eventId, startedAt + ack.atMs]));
  return {
    rate,
    durationSec: duration,
    acknowledgedPerSec: figures.acknowledgedPerSec,
    acknowledged: count.acknowledged,
    stored: count.stored,
    lost: count.lost,
    doubled: count.doubled,
    latencyMs: { p50: quantile(latencies, 0.5), p99, max: quantile(latencies, 1) },
    meanWriteMs: Number((((writeSeconds - writeSeconds0) / Math.max(1, writes - writes0)) * 1000).toFixed(1)),
    cpu,
    ...(withBreakdown && {
      breakdown: breakdown(
        documents,
        await recordTimestamps(topics, topics.config.kafka.topics.somedata),
        answeredAt,
        p99,
      ),
    }),
  };
}

export async function run(options: LatencyOptions = {}): Promise<LatencyFigures> {
  const rate = options.rate ?? 1_000;
  const duration = options.duration ?? 60;
  const searchP99Ms = options.searchP99Ms ?? 100;
  const topics = await freshTopics({ FOOT_TOKEN: '', ...options.env });
  const { config } = topics;
  const mongo = createMongoClient(config.mongo);
  const db = mongo.db(config.mongo.db);
  const [apiPort, consumerPort] = [await freePort(), await freePort()];
  const children: ServiceProcess[] = [];
  try {
    const api = startApiChild(config, apiPort, options.env);
    const sink = startService('consumer/main.ts', { ...consumerEnv(config, consumerPort), ...options.env });
    children.push(api, sink);
    await Promise.all([
      waitUntilAnswers(`http://127.0.0.1:${apiPort}/readyz`, api),
      waitUntilAnswers(`http://127.0.0.1:${consumerPort}/readyz`, sink),
    ]);
    const urls = { api: `http://127.0.0.1:${apiPort}`, consumerMetrics: `http://127.0.0.1:${consumerPort}/metrics` };

    const pids = {
      load: process.pid,
      api: api.child.pid,
      sink: sink.child.pid,
      ...Object.fromEntries(['kafka-broker-1', 'kafka-broker-2', 'ferretdb'].map((name) => [name, stackPid(name)])),
    };
    const first = await measure(urls, pids, topics, db, rate, duration, true);
    const figures: LatencyFigures = { ...first, breakdown: first.breakdown! };
    if (options.searchRates && options.searchRates.length > 0) {
      const steps: NonNullable<LatencyFigures['search']>['steps'] = [];
      const within = (step: { rate: number; acknowledgedPerSec: number; p99: number; lost: number }) =>
        step.p99 <= searchP99Ms && step.lost === 0 && step.acknowledgedPerSec >= step.rate * 0.95;
      const summary = (at: number, step: Omit<LatencyFigures, 'breakdown' | 'search'>) => ({
        rate: at,
        acknowledgedPerSec: step.acknowledgedPerSec,
        p99: step.latencyMs.p99,
        lost: step.lost,
        doubled: step.doubled,
        cpu: step.cpu,
      });
      steps.push(summary(rate, first));
      const up = within(steps[0]!);
      // Up from `rate` while the rates stay within; down from it until one does.
      for (const next of up ? options.searchRates : (options.searchRatesBelow ?? [750, 500, 250])) {
        const step = summary(next, await measure(urls, pids, topics, db, next, options.searchDuration ?? 20, false));
        steps.push(step);
        if (within(step) !== up) break;
      }
      const best = steps.filter(within).sort((a, b) => b.rate - a.rate)[0];
      figures.search = {
        p99WithinMs: searchP99Ms,
        steps,
        highestRate: best?.rate ?? 0,
        p99AtHighest: best?.p99 ?? 0,
      };
    }
    return figures;
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    await topics.admin.deleteGroups([config.consumer.groupId]).catch(() => undefined);
    await topics.drop();
    await db.dropDatabase().catch(() => undefined);
    await mongo.close();
  }
}
