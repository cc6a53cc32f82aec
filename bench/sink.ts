/**
 * How fast the sink drains a backlog, beside what the store can take at all.
 *
 *   node --import tsx bench/sink.ts [--records 100000] [--naive 10000]
 *        [--concurrency 3] [--partition-bytes 4194304] [--json]
 *
 * In one run, against the configured Kafka and store (fresh topics and databases, removed after):
 *   1. produce N somedata records with sendBatch (the backlog);
 *   2. ceiling: insertMany of the same N documents with the driver alone, unordered;
 *   3. sink: startConsumer() drains the backlog (clock from its first batch to the last record committed);
 *   4. naive: eachMessage + insertOne per record, on the first --naive records.
 * Writes bench/results/sink.json (and prints it with --json).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { KafkaMessage } from 'kafkajs';
import { loadConfig } from '../lib/config';
import { createKafka } from '../lib/kafka/client';
import { ensureTopics, pipelineTopics } from '../lib/kafka/topics';
import { createLogger } from '../lib/logger';
import { COLLECTIONS, createMongoClient } from '../lib/mongo';
import { createEvent, PipelineEvent, somedataItems, toKafkaMessage, type SomedataEvent } from '../lib/schemas';
import { metricTotal } from '../consumer/metrics';
import { CONSUMER_DEFAULTS } from '../consumer/options';
import { startConsumer } from '../consumer/service';
import { somedataDocument } from '../consumer/write-models/somedata';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    naive: { type: 'string', default: '10000' },
    concurrency: { type: 'string' },
    'partition-bytes': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const N = Number(args.records);
const NAIVE = Math.min(N, Number(args.naive));

const id = `bench-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
const config = loadConfig({
  ...process.env,
  TOPIC_SOMEDATA: `${id}.somedata`,
  TOPIC_FOOTDATA: `${id}.footdata`,
  TOPIC_DLQ: `${id}.dlq`,
  MONGO_DB: `${id.replace(/[^A-Za-z0-9_-]/g, '_')}_sink`,
  CONSUMER_GROUP: `${id}.mongo-sink`,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
});
const log = createLogger({ service: 'bench', level: config.logLevel, destination: process.stderr });
const kafka = createKafka(config.kafka, log, { clientId: id });
const mongo = createMongoClient(config.mongo);
const dbNames = { sink: config.mongo.db, ceiling: `${config.mongo.db}_ceiling`, naive: `${config.mongo.db}_naive` };

const rate = (records: number, ms: number) => Math.round((records / ms) * 1000);
const say = (line: string) => process.stderr.write(`${line}\n`);

async function produceBacklog(events: SomedataEvent[]): Promise<number> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const started = Date.now();
  const chunk = 5_000;
  for (let start = 0; start < events.length; start += chunk) {
    const messages = events.slice(start, start + chunk).map((event) => toKafkaMessage(event));
    await producer.sendBatch({ acks: -1, topicMessages: [{ topic: config.kafka.topics.somedata, messages }] });
  }
  await producer.disconnect();
  return Date.now() - started;
}

async function ceiling(events: SomedataEvent[]): Promise<number> {
  const collection = mongo.db(dbNames.ceiling).collection(COLLECTIONS.somedata);
  const storedAt = new Date();
  const docs = events.map((event, offset) =>
    somedataDocument({ event, origin: { topic: 't', partition: 0, offset }, message: {} as KafkaMessage }, storedAt),
  );
  const started = Date.now();
  await collection.insertMany(docs as never[], { ordered: false });
  return Date.now() - started;
}

async function sink(): Promise<{ ms: number; withJoinMs: number; meanBatch: number; meanWriteMs: number }> {
  const started = Date.now();
  const service = await startConsumer(config, log, {
    ...(args.concurrency && { partitionsConsumedConcurrently: Number(args.concurrency) }),
    ...(args['partition-bytes'] && { maxBytesPerPartition: Number(args['partition-bytes']) }),
  });
  let firstBatch = 0;
  service.consumer.on(service.consumer.events.START_BATCH_PROCESS, () => {
    firstBatch ||= Date.now();
  });
  while ((await metricTotal(service.registry, 'consumer_records_consumed_total')) < N)
    await new Promise((resolve) => setTimeout(resolve, 20));
  const done = Date.now();
  const metrics = await service.registry.getMetricsAsJSON();
  const sumCount = (name: string) => {
    const values = metrics.find((m) => m.name === name)?.values ?? [];
    const total = (suffix: string) =>
      values
        .filter((v) => (v as { metricName?: string }).metricName === `${name}_${suffix}`)
        .reduce((sum, v) => sum + v.value, 0);
    return total('sum') / Math.max(1, total('count'));
  };
  const meanBatch = Math.round(sumCount('consumer_batch_records'));
  const meanWriteMs = Math.round(sumCount('consumer_write_duration_seconds') * 1000);
  await service.stop();
  const stored = await mongo.db(dbNames.sink).collection(COLLECTIONS.somedata).countDocuments();
  if (stored !== N) throw new Error(`the sink stored ${stored} documents, not ${N}`);
  return { ms: done - firstBatch, withJoinMs: done - started, meanBatch, meanWriteMs };
}

async function naive(): Promise<number> {
  const collection = mongo.db(dbNames.naive).collection(COLLECTIONS.somedata);
  const consumer = kafka.consumer({ groupId: `${id}.naive` });
  await consumer.connect();
  await consumer.subscribe({ topic: config.kafka.topics.somedata, fromBeginning: true });
  let count = 0;
  let started = 0;
  let finished = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        started ||= Date.now();
        if (count >= NAIVE) return;
        const event = PipelineEvent.parse(JSON.parse(message.value!.toString())) as SomedataEvent;
        const origin = { topic, partition, offset: Number(message.offset) };
        await collection.insertOne(somedataDocument({ event, origin, message }, new Date()) as never);
        if (++count === NAIVE) {
          finished = Date.now();
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return finished - started;
}

async function main(): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, pipelineTopics(config.kafka));
  const build = await mongo.db('admin').command({ buildInfo: 1 });
  const store = 'ferretdbVersion' in build ? `FerretDB (MongoDB ${build.version} API)` : `MongoDB ${build.version}`;
  const events = Array.from({ length: N }, (_, i) => {
    const data = `item-${i % 97}`;
    const number = 1 + (i % 5);
    return createEvent('somedata', { data, number, items: somedataItems(data, number) }, { source: 'api' });
  });
  try {
    say(`${store}, ${config.kafka.partitions} partitions, ${N} records (naive: ${NAIVE})`);
    const produceMs = await produceBacklog(events);
    say(`  produced backlog       ${rate(N, produceMs)} records/s`);
    const ceilingMs = await ceiling(events);
    say(`  ceiling (insertMany)   ${rate(N, ceilingMs)} records/s`);
    const drained = await sink();
    say(`  sink (startConsumer)   ${rate(N, drained.ms)} records/s (${rate(N, drained.withJoinMs)} with group join)`);
    say(`                         mean batch ${drained.meanBatch} records, mean bulk write ${drained.meanWriteMs} ms`);
    const naiveMs = await naive();
    say(`  naive (eachMessage)    ${rate(NAIVE, naiveMs)} records/s`);
    const result = {
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      command: `node --import tsx bench/sink.ts ${process.argv.slice(2).join(' ')}`.trim(),
      store,
      partitionsConsumedConcurrently: Number(args.concurrency ?? CONSUMER_DEFAULTS.partitionsConsumedConcurrently),
      records: N,
      naiveRecords: NAIVE,
      producePerSec: rate(N, produceMs),
      ceilingPerSec: rate(N, ceilingMs),
      sinkPerSec: rate(N, drained.ms),
      sinkWithJoinPerSec: rate(N, drained.withJoinMs),
      sinkMeanBatch: drained.meanBatch,
      sinkMeanWriteMs: drained.meanWriteMs,
      naivePerSec: rate(NAIVE, naiveMs),
      sinkOfCeiling: Number((ceilingMs / drained.ms).toFixed(2)),
      sinkOverNaive: Number((rate(N, drained.ms) / rate(NAIVE, naiveMs)).toFixed(1)),
    };
    say(`  sink/ceiling ${result.sinkOfCeiling}, sink/naive ${result.sinkOverNaive}x`);
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results', 'sink.json'), `${JSON.stringify(result, null, 2)}\n`);
    if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await admin.deleteTopics({ topics: Object.values(config.kafka.topics) }).catch(() => undefined);
    await admin.deleteGroups([config.consumer.groupId, `${id}.naive`]).catch(() => undefined);
    await admin.disconnect();
    for (const name of Object.values(dbNames))
      await mongo
        .db(name)
        .dropDatabase()
        .catch(() => undefined);
    await mongo.close();
  }
}

main().catch((error: unknown) => {
  say(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
