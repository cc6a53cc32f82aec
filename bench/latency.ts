/**
 * End-to-end latency at a steady rate: requests to `GET /somedata/:data` on
 * the API (a child `producers/main.ts`), the sink (a child `consumer/main.ts`)
 * writing them to MongoDB, and for every stored event the time from the
 * request to its document: `storedAt - producedAt`. Both stamps are taken by
 * our code on this one host (same clock): `producedAt` when the API builds the
 * event, `storedAt` when the sink plans the bulk write that stores it; the
 * write itself (mean reported beside) comes on top before the document is
 * visible. Run by bench/run.ts (`make bench`).
 */
import { COLLECTIONS, createMongoClient } from '../lib/mongo';
import { consumerEnv, freePort } from '../test/support/consumer';
import { eventually, freshName } from '../test/support/env';
import { tally } from '../test/support/faults';
import { startLoad } from '../test/support/load';
import { freshTopics } from '../test/support/producers';
import { startService, waitUntilAnswers, type ServiceProcess } from '../test/support/processes';
import { fetchMetric, quantile, startApiChild } from './support';

export interface LatencyOptions {
  /** Requests per second. Default: 1_000. */
  rate?: number;
  /** Seconds of load. Default: 60. */
  duration?: number;
  /** Environment of both children beyond the fresh names (e.g. PUBLISH_LINGER_MS). */
  env?: Record<string, string>;
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
}

export async function run(options: LatencyOptions = {}): Promise<LatencyFigures> {
  const rate = options.rate ?? 1_000;
  const duration = options.duration ?? 60;
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

    const load = startLoad({ url: `http://127.0.0.1:${apiPort}`, ratePerSec: rate, prefix: freshName('lat') });
    await new Promise((resolve) => setTimeout(resolve, duration * 1000));
    const figures = await load.stop();

    const count = await eventually(
      async () => {
        const t = await tally(db, figures.acknowledged);
        return t.lost === 0 && t;
      },
      'every acknowledged event in MongoDB',
      60_000,
    );
    const documents = await db
      .collection<{ producedAt: Date; storedAt: Date }>(COLLECTIONS.somedata)
      .find({}, { projection: { _id: 0, producedAt: 1, storedAt: 1 } })
      .toArray();
    const latencies = documents.map((document) => document.storedAt.getTime() - document.producedAt.getTime());
    const metricsUrl = `http://127.0.0.1:${consumerPort}/metrics`;
    const [writeSeconds, writes] = await Promise.all([
      fetchMetric(metricsUrl, 'consumer_write_duration_seconds_sum'),
      fetchMetric(metricsUrl, 'consumer_write_duration_seconds_count'),
    ]);
    return {
      rate,
      durationSec: duration,
      acknowledgedPerSec: figures.acknowledgedPerSec,
      acknowledged: count.acknowledged,
      stored: count.stored,
      lost: count.lost,
      doubled: count.doubled,
      latencyMs: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: quantile(latencies, 1) },
      meanWriteMs: Number(((writeSeconds / Math.max(1, writes)) * 1000).toFixed(1)),
    };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    await topics.admin.deleteGroups([config.consumer.groupId]).catch(() => undefined);
    await topics.drop();
    await db.dropDatabase().catch(() => undefined);
    await mongo.close();
  }
}
