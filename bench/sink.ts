/**
 * How fast the sink drains a backlog, beside what the store can take at all.
 * In one run, against the local Kafka and store (fresh topics and databases, removed after):
 *   1. produce `records` somedata records (the backlog);
 *   2. ceiling: insertMany of the same documents with the driver alone, unordered;
 *   3. sink: startConsumer() drains the backlog (clock from its first batch to the last record consumed);
 *   4. naive: eachMessage + one insertOne per record, on the first `naive` records.
 * All three write into collections with the pipeline's indexes (lib/mongo.ts),
 * as deployed: the store pays for them on every insert. The store is the
 * stack's FerretDB unless `store` names another (bench/store-backends.ts).
 * Run by bench/run.ts (`make bench`).
 */
import type { KafkaMessage } from 'kafkajs';
import { metricTotal } from '../consumer/metrics';
import { startConsumer } from '../consumer/service';
import { somedataDocument } from '../consumer/write-models/somedata';
import { COLLECTIONS, createMongoClient, ensureIndexes } from '../lib/mongo';
import { PipelineEvent, type SomedataEvent } from '../lib/schemas';
import { asMessages, produce, somedataEvent } from '../harness/consumer';
import { freshName, testLogger } from '../harness/env';
import { freshTopics, type TopicsUnderTest } from '../harness/producers';
import type { StoreUnderTest } from './store-backends';
import { cpuMeter, perSec, ratio, stackPid } from './support';

export interface SinkOptions {
  /** Records in the backlog. Default: 200_000. */
  records?: number;
  /** Records the naive consumer handles (a slice: it is slow). Default: 10_000. */
  naive?: number;
  /** partitionsConsumedConcurrently of the sink. Default: the consumer's default. */
  concurrency?: number;
  /** The store to write into. Default: the stack's FerretDB (MONGO_URL). */
  store?: StoreUnderTest;
}

export interface SinkFigures {
  records: number;
  naiveRecords: number;
  producePerSec: number;
  ceilingPerSec: number;
  sinkPerSec: number;
  /** Including the group join. */
  sinkWithJoinPerSec: number;
  sinkMeanBatch: number;
  sinkMeanWriteMs: number;
  naivePerSec: number;
  /** Cores used by this process (driver or sink) and the store (FerretDB, PostgreSQL) while the ceiling ran, then while the sink drained. */
  cpu: { ceiling: Record<string, number>; sink: Record<string, number> };
  /** Documents the sink stored (must equal records). */
  stored: number;
  sinkOfCeiling: number;
  sinkOverNaive: number;
  /** The most sinkOverNaive can be: the store's bulk rate over its one-insert-per-record rate. */
  ceilingOverNaive: number;
}

/** `n` somedata events like the API's (a few keys, numbers 1..5). */
export function backlogEvents(n: number): SomedataEvent[] {
  return Array.from({ length: n }, (_, i) => somedataEvent(`item-${i % 97}`, 1 + (i % 5)));
}

/** Fresh topics holding a backlog of `events` (`env`: overrides of the config, e.g. MONGO_URL); returns how long producing took. */
export async function preloadBacklog(
  events: SomedataEvent[],
  env: Record<string, string> = {},
): Promise<{ topics: TopicsUnderTest; produceMs: number }> {
  const topics = await freshTopics(env);
  const started = Date.now();
  await produce(topics.kafka, topics.config.kafka.topics.somedata, asMessages(events), 5_000);
  return { topics, produceMs: Date.now() - started };
}

export async function run(options: SinkOptions = {}): Promise<SinkFigures> {
  const records = options.records ?? 200_000;
  const naiveRecords = Math.min(records, options.naive ?? 10_000);
  const events = backlogEvents(records);
  const { topics, produceMs } = await preloadBacklog(events, options.store ? { MONGO_URL: options.store.url } : {});
  const { config } = topics;
  // The ceiling is one insertMany of the whole backlog: one answer that may take longer
  // than the services' 10 s operation timeout on a busy machine (the sink's batches do not).
  const mongo = createMongoClient({ ...config.mongo, operationTimeoutMs: 120_000 });
  const dbNames = { sink: config.mongo.db, ceiling: `${config.mongo.db}_ceiling`, naive: `${config.mongo.db}_naive` };
  const naiveGroup = freshName('bench-naive');
  const meter = () => cpuMeter({ bench: process.pid, ...(options.store?.pids ?? { ferretdb: stackPid('ferretdb') }) });
  const cpu = { ceiling: {}, sink: {} } as SinkFigures['cpu'];

  const ceiling = async (): Promise<number> => {
    const collection = mongo.db(dbNames.ceiling).collection(COLLECTIONS.somedata);
    const storedAt = new Date();
    const docs = events.map((event, offset) =>
      somedataDocument({ event, origin: { topic: 't', partition: 0, offset }, message: {} as KafkaMessage }, storedAt),
    );
    const started = Date.now();
    const cores = meter();
    cores.start();
    await collection.insertMany(docs as never[], { ordered: false });
    cpu.ceiling = cores.stop();
    return Date.now() - started;
  };

  const sink = async () => {
    const started = Date.now();
    const service = await startConsumer(config, testLogger('bench-sink'), {
      ...(options.concurrency && { partitionsConsumedConcurrently: options.concurrency }),
    });
    let firstBatch = 0;
    const cores = meter();
    service.consumer.on(service.consumer.events.START_BATCH_PROCESS, () => {
      if (!firstBatch) cores.start();
      firstBatch ||= Date.now();
    });
    while ((await metricTotal(service.registry, 'consumer_records_consumed_total')) < records)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const done = Date.now();
    cpu.sink = cores.stop();
    const mean = async (name: string) => {
      const values = (await service.registry.getMetricsAsJSON()).find((m) => m.name === name)?.values ?? [];
      const total = (suffix: string) =>
        values
          .filter((v) => (v as { metricName?: string }).metricName === `${name}_${suffix}`)
          .reduce((sum, v) => sum + v.value, 0);
      return total('sum') / Math.max(1, total('count'));
    };
    const meanBatch = Math.round(await mean('consumer_batch_records'));
    const meanWriteMs = Math.round((await mean('consumer_write_duration_seconds')) * 1000);
    await service.stop();
    const stored = await mongo.db(dbNames.sink).collection(COLLECTIONS.somedata).countDocuments();
    return { ms: done - firstBatch, withJoinMs: done - started, meanBatch, meanWriteMs, stored };
  };

  const naive = async (): Promise<number> => {
    const collection = mongo.db(dbNames.naive).collection(COLLECTIONS.somedata);
    const consumer = topics.kafka.consumer({ groupId: naiveGroup });
    await consumer.connect();
    await consumer.subscribe({ topic: config.kafka.topics.somedata, fromBeginning: true });
    let count = 0;
    let started = 0;
    let finished = 0;
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          started ||= Date.now();
          if (count >= naiveRecords) return;
          const event = PipelineEvent.parse(JSON.parse(message.value!.toString())) as SomedataEvent;
          const origin = { topic, partition, offset: Number(message.offset) };
          await collection.insertOne(somedataDocument({ event, origin, message }, new Date()) as never);
          if (++count === naiveRecords) {
            finished = Date.now();
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    return finished - started;
  };

  try {
    // As consumer/main.ts does before the sink starts.
    for (const name of Object.values(dbNames)) await ensureIndexes(mongo.db(name));
    const ceilingMs = await ceiling();
    const drained = await sink();
    const naiveMs = await naive();
    const sinkPerSec = perSec(records, drained.ms);
    const ceilingPerSec = perSec(records, ceilingMs);
    const naivePerSec = perSec(naiveRecords, naiveMs);
    return {
      records,
      naiveRecords,
      producePerSec: perSec(records, produceMs),
      ceilingPerSec,
      sinkPerSec,
      sinkWithJoinPerSec: perSec(records, drained.withJoinMs),
      sinkMeanBatch: drained.meanBatch,
      sinkMeanWriteMs: drained.meanWriteMs,
      naivePerSec,
      cpu,
      stored: drained.stored,
      sinkOfCeiling: ratio(ceilingMs, drained.ms),
      sinkOverNaive: ratio(sinkPerSec, naivePerSec),
      ceilingOverNaive: ratio(ceilingPerSec, naivePerSec),
    };
  } finally {
    await topics.admin.deleteGroups([config.consumer.groupId, naiveGroup]).catch(() => undefined);
    await topics.drop();
    for (const name of Object.values(dbNames))
      await mongo
        .db(name)
        .dropDatabase()
        .catch(() => undefined);
    await mongo.close();
  }
}
