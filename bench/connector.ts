/**
 * MongoDB's own Kafka sink connector (mongo-kafka-connect 2.0.1 on Kafka
 * Connect standalone, from the stack's Kafka 4.3.1 jars) draining the sink
 * benchmark's backlog into the same store: the peer a user would pick.
 * Two modes (bench/connect/settings.ts has every setting and why):
 *   fastest:    InsertOne, a new ObjectId per record, no idempotence, on the
 *               sink's backlog (`records` somedata records, bench/sink.ts);
 *   idempotent: ReplaceOne upserts by the value's eventId, our guarantee, on a
 *               smaller backlog in which every `duplicateEvery`-th record is sent
 *               twice (FerretDB 1.x runs upserts one at a time: about 12 rec/s
 *               here), so it must store one document per distinct eventId.
 * Each mode has its own topics, database and consumer group (removed after).
 * The rate is of records written, from the moment the connector's consumers
 * have their partitions (its group Stable, before the first fetch) to its last
 * committed batch (the group's committed offsets, polled every 100 ms: Connect
 * commits what put() has written; counting the collection instead would make
 * the store work while it is measured); CPU is the connector JVM's and the
 * store's over the same span. The documents are counted once it stopped. A
 * drain stops at `timeCapMs`: the rate is then of what was written, and
 * `capped` says so.
 * With `ours` (the sink's figures from the same repetition, bench/run.ts) the
 * figures include ours / connector for the rate and the CPU per record.
 * Run by bench/run.ts (`make bench`).
 */
import type { Collection } from 'mongodb';
import { COLLECTIONS, createMongoClient, ensureIndexes, resolveMongoUrl } from '../lib/mongo';
import type { SomedataEvent } from '../lib/schemas';
import { asMessages, produce } from '../harness/consumer';
import { freshName } from '../harness/env';
import { freshTopics } from '../harness/producers';
import { CONNECTOR_MODES, type ConnectorMode } from './connect/settings';
import { preparePlugin, startConnectWorker, taskFailure, type ConnectWorker } from './connect/worker';
import { backlogEvents, type SinkFigures } from './sink';
import { cpuMeter, perSec, ratio, stackPid } from './support';

export interface ConnectorOptions {
  /** Records in the fastest mode's backlog. Default: 200_000 (the sink's). */
  records?: number;
  /** Distinct events in the idempotent mode's backlog. Default: 1_000. */
  idempotentRecords?: number;
  /** In the idempotent backlog, every n-th event is sent twice (as a producer retry would). Default: 10. */
  duplicateEvery?: number;
  /** The longest one drain may take. Default: 120_000 ms. */
  timeCapMs?: number;
  /** The modes to run, in order. Default: fastest, idempotent. */
  modes?: ConnectorMode[];
  /** The store's connection string. Default: MONGO_URL of the environment, as bench/sink.ts uses. */
  mongoUrl?: string;
  /** The store's processes, whose CPU is counted as the store's. Default: the stack's FerretDB. */
  storePids?: Record<string, number | undefined>;
  /** Our sink's figures from the same repetition: adds ours / connector. */
  ours?: Pick<SinkFigures, 'sinkPerSec' | 'cpu'>;
}

export interface DrainFigures {
  /** Records in the backlog (duplicates included). */
  records: number;
  /** Distinct eventIds in the backlog: what an idempotent sink must store. */
  distinct: number;
  /** Documents in the collection once the drain ended. */
  stored: number;
  /** Records the connector wrote (its committed offsets): `records` unless capped. */
  written: number;
  /** 1 when the time cap ended the drain before every record was written. */
  capped: number;
  tasks: number;
  /** From the worker's start until every task was RUNNING (JVM start, plugin scan). */
  startMs: number;
  /** Records written per second, from the partitions' assignment to the last committed batch. */
  perSec: number;
  /** From the worker's start (JVM, plugin scan, group join) to the last committed batch. */
  perSecWithStart: number;
  /** Cores used from the assignment to the last committed batch: connector JVM and store. */
  cpu: Record<string, number>;
  /** CPU µs per record written: the connector JVM's, and the store's. */
  cpuMicrosPerRecord: { connector: number; store: number };
}

export interface VersusOurs {
  /** Our sink's rate / the connector's. */
  rate: number;
  /** The connector JVM's CPU per record / our sink process's (how many times ours it costs). */
  connectorCpuOverOurs: number;
  /** Our sink process's CPU per record / the connector JVM's (≤ 0.4 is the target against fastest). */
  oursCpuOverConnector: number;
  /** Our store CPU per record / the store's under the connector. */
  oursStoreCpuOverConnector: number;
}

export interface ConnectorFigures {
  fastest?: DrainFigures;
  idempotent?: DrainFigures;
  /** Present when run beside the sink in the same repetition. */
  ours?: { perSec: number; cpuMicrosPerRecord: { sink: number; store: number } };
  oursVsFastest?: VersusOurs;
  oursVsIdempotent?: VersusOurs;
}

/** `events`, every `every`-th one followed by itself again (same key, so the same partition). */
export function withDuplicates(events: SomedataEvent[], every: number): SomedataEvent[] {
  if (!Number.isInteger(every) || every < 1) throw new Error(`duplicateEvery must be a positive integer, got ${every}`);
  return events.flatMap((event, i) => ((i + 1) % every === 0 ? [event, event] : [event]));
}

const micros = (cores: number, recordsPerSec: number) => Math.round((cores / Math.max(1e-9, recordsPerSec)) * 1e6);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function drain(
  mode: ConnectorMode,
  events: SomedataEvent[],
  options: ConnectorOptions,
  storePids: Record<string, number | undefined>,
): Promise<DrainFigures> {
  const distinct = new Set(events.map((event) => event.eventId)).size;
  // As bench/sink.ts's preloadBacklog, on the store of options.mongoUrl when given.
  const topics = await freshTopics(options.mongoUrl ? { MONGO_URL: options.mongoUrl } : {});
  const { config } = topics;
  await produce(topics.kafka, config.kafka.topics.somedata, asMessages(events), 5_000);
  const topic = config.kafka.topics.somedata;
  const name = freshName(`bench-connector-${mode}`);
  const groupId = `connect-${name}`;
  // Counting and dropping a drained database takes FerretDB longer than the services' operation timeout.
  const mongo = createMongoClient({ ...config.mongo, operationTimeoutMs: 120_000 });
  const collection: Collection = mongo.db(config.mongo.db).collection(COLLECTIONS.somedata);
  let worker: ConnectWorker | undefined;
  let watching = true; // the watch of the connector's consumer group, below
  try {
    // The same indexes as the sink's collections: the store pays for them on every write.
    await ensureIndexes(mongo.db(config.mongo.db));
    const [metadata] = (await topics.admin.fetchTopicMetadata({ topics: [topic] })).topics;
    const tasks = metadata!.partitions.length;
    // The clock and the CPU meter start when the connector's consumers have their partitions
    // (the group is Stable with one member per task), just before their first fetch: watched
    // from the JVM's spawn, so that a first batch written while the worker starts is not missed.
    let meter: ReturnType<typeof cpuMeter> | undefined;
    let assignedAt = 0;
    const watchGroup = async (pid: number) => {
      while (watching && !assignedAt) {
        const { groups } = await topics.admin.describeGroups([groupId]).catch(() => ({ groups: [] }));
        const group = groups[0];
        if (group?.state === 'Stable' && group.members.length >= tasks) {
          meter = cpuMeter({ connector: pid, ...storePids });
          meter.start();
          assignedAt = Date.now();
        } else await sleep(50);
      }
    };
    let watcher: Promise<void> = Promise.resolve();
    const started = Date.now();
    worker = await startConnectWorker({
      brokers: config.kafka.brokers,
      connector: {
        name,
        mode,
        topic,
        mongoUrl: resolveMongoUrl(config.mongo),
        database: config.mongo.db,
        collection: COLLECTIONS.somedata,
        tasks,
      },
      onSpawn: (pid) => (watcher = watchGroup(pid)),
    });
    const startMs = Date.now() - started;
    // Progress is the connector's committed offsets (Connect commits what put() has written),
    // not a count of the collection: the store does no work for the benchmark while it drains.
    const end = (await topics.admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
    const written = async () => {
      const [committed] = await topics.admin.fetchOffsets({ groupId, topics: [topic] });
      return (committed?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    };
    const deadline = Date.now() + (options.timeCapMs ?? 120_000);
    let lastAt = 0;
    let done = 0;
    let cpu: Record<string, number> = {};
    for (let polls = 1; done < end && Date.now() < deadline; polls++) {
      await sleep(100);
      const now = await written();
      if (now > done && meter) {
        done = now;
        lastAt = Date.now();
        cpu = meter.stop();
      }
      if (polls % 20 === 0) {
        const failure = await taskFailure(worker, name);
        if (failure) throw new Error(`connector ${mode}: ${failure}`);
      }
    }
    watching = false;
    await watcher;
    if (!assignedAt) throw new Error(`connector ${mode}: its consumer group ${groupId} never became Stable`);
    await worker.stop();
    const stored = await collection.countDocuments();
    const rate = perSec(done, lastAt - assignedAt);
    const storeCores = Object.entries(cpu)
      .filter(([process]) => process !== 'connector')
      .reduce((sum, [, cores]) => sum + cores, 0);
    return {
      records: events.length,
      distinct,
      stored,
      written: done,
      capped: Number(done < end),
      tasks,
      startMs,
      perSec: rate,
      perSecWithStart: perSec(done, lastAt - started),
      cpu,
      cpuMicrosPerRecord: { connector: micros(cpu.connector ?? NaN, rate), store: micros(storeCores, rate) },
    };
  } finally {
    watching = false;
    await worker?.stop();
    await topics.admin.deleteGroups([groupId]).catch(() => undefined);
    await topics.drop();
    await mongo
      .db(config.mongo.db)
      .dropDatabase()
      .catch(() => undefined);
    await mongo.close();
  }
}

function versus(ours: NonNullable<ConnectorFigures['ours']>, theirs: DrainFigures, oursPerSec: number): VersusOurs {
  return {
    rate: ratio(oursPerSec, theirs.perSec),
    connectorCpuOverOurs: ratio(theirs.cpuMicrosPerRecord.connector, ours.cpuMicrosPerRecord.sink),
    oursCpuOverConnector: ratio(ours.cpuMicrosPerRecord.sink, theirs.cpuMicrosPerRecord.connector),
    oursStoreCpuOverConnector: ratio(ours.cpuMicrosPerRecord.store, theirs.cpuMicrosPerRecord.store),
  };
}

export async function run(options: ConnectorOptions = {}): Promise<ConnectorFigures> {
  const storePids = options.storePids ?? { ferretdb: stackPid('ferretdb') };
  const figures: ConnectorFigures = {};
  await preparePlugin(); // the first time: the jar from Maven Central (outside every clock)
  for (const mode of options.modes ?? CONNECTOR_MODES) {
    const events =
      mode === 'fastest'
        ? backlogEvents(options.records ?? 200_000)
        : withDuplicates(backlogEvents(options.idempotentRecords ?? 1_000), options.duplicateEvery ?? 10);
    figures[mode] = await drain(mode, events, options, storePids);
  }
  if (options.ours) {
    const { sinkPerSec, cpu } = options.ours;
    const ours = {
      perSec: sinkPerSec,
      cpuMicrosPerRecord: {
        sink: micros(cpu.sink.bench ?? NaN, sinkPerSec),
        store: micros(cpu.sink.ferretdb ?? NaN, sinkPerSec),
      },
    };
    figures.ours = ours;
    if (figures.fastest) figures.oursVsFastest = versus(ours, figures.fastest, sinkPerSec);
    if (figures.idempotent) figures.oursVsIdempotent = versus(ours, figures.idempotent, sinkPerSec);
  }
  return figures;
}
