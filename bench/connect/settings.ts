/**
 * The settings Kafka Connect standalone and MongoDB's Kafka sink connector
 * (mongo-kafka-connect 2.0.1, pinned in bench/connect/pom.xml) run with in
 * bench/connector.ts: the worker's, and the connector's in its two modes.
 *
 * Our records' value is the JSON envelope of lib/schemas/envelope.ts (key: the
 * `data` string; headers carry no payload), so the value converter is
 * JsonConverter without schemas: the connector stores the envelope's fields as
 * a document, as the sink does (consumer/write-models/somedata.ts), with
 * kafkaTopic, kafkaPartition and kafkaOffset (the sink's `_kafka`) added by
 * Connect's InsertField transform.
 *
 *   idempotent: the same guarantee as ours. `_id` is the value's eventId
 *     (ReplaceField renames eventId to _id, ProvidedInValueStrategy takes it),
 *     written with ReplaceOneDefaultStrategy: an upsert by _id, so a record
 *     delivered twice is stored once.
 *   fastest: a new ObjectId per record (BsonOidStrategy), InsertOneDefaultStrategy:
 *     a redelivered record is stored twice.
 *
 * Tuned as the connector's documentation recommends for throughput (its
 * "Connector Message Processing Properties" page and MongoDB's "Tuning the
 * MongoDB Connector for Apache Kafka"): unordered bulk writes
 * (bulk.write.ordered=false), one bulk write per batch Connect hands over
 * (max.batch.size=0), no rate limiting, tasks.max = the topic's partitions,
 * and large consumer polls (max.poll.records 10,000, about the sink's batch of
 * one fetch, with fetch sizes that let one poll fill it).
 */

export type ConnectorMode = 'idempotent' | 'fastest';

export const CONNECTOR_MODES: readonly ConnectorMode[] = ['fastest', 'idempotent'];

export interface WorkerSettingsOptions {
  /** The brokers, e.g. ['127.0.0.1:9092', '127.0.0.1:9093']. */
  brokers: string[];
  /** The REST listener's port, on 127.0.0.1 (a free one: never 8083 blindly). */
  restPort: number;
  /** Where the standalone worker keeps source offsets (a file of the run's own). */
  offsetsFile: string;
  /** The directory holding mongo-kafka-connect-<version>-all.jar. */
  pluginPath: string;
}

export interface ConnectorSettingsOptions {
  /** The connector's name; its consumer group is `connect-<name>`. */
  name: string;
  mode: ConnectorMode;
  topic: string;
  /** The store's connection string (with credentials, when it needs them). */
  mongoUrl: string;
  database: string;
  collection: string;
  /** tasks.max: the topic's partition count. */
  tasks: number;
  /** consumer.override.max.poll.records. Default: 10_000. */
  maxPollRecords?: number;
}

/** Records per consumer poll: the sink's batch is one fetch, about 10k records (bench/README.md). */
export const DEFAULT_MAX_POLL_RECORDS = 10_000;

const STRATEGY = 'com.mongodb.kafka.connect.sink';

/** The standalone worker's properties. */
export function workerSettings(options: WorkerSettingsOptions): Record<string, string> {
  if (options.brokers.length === 0) throw new Error('workerSettings: brokers must name at least one broker');
  if (!Number.isInteger(options.restPort) || options.restPort <= 0 || options.restPort > 65_535)
    throw new Error(`workerSettings: restPort must be a port number (1-65535), got ${options.restPort}`);
  return {
    'bootstrap.servers': options.brokers.join(','),
    // REST on loopback only, on the port we were given.
    listeners: `http://127.0.0.1:${options.restPort}`,
    'offset.storage.file.filename': options.offsetsFile,
    // A sink's offsets are committed to its consumer group on this interval (default 60 s):
    // at every batch, as bench/connector.ts measures progress by them (an async commit per batch).
    'offset.flush.interval.ms': '100',
    'plugin.path': options.pluginPath,
    // Plugins are found by their ServiceLoader manifests (bench/connect/worker.ts adds the
    // connector's), not by scanning every jar of the class path, which takes a minute here.
    'plugin.discovery': 'service_load',
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'false',
    // Let each connector set its own consumer.override.* (the default in Kafka 4, stated).
    'connector.client.config.override.policy': 'All',
  };
}

/** The sink connector's properties in `mode`. */
export function connectorSettings(options: ConnectorSettingsOptions): Record<string, string> {
  if (!Number.isInteger(options.tasks) || options.tasks < 1)
    throw new Error(`connectorSettings: tasks must be a positive integer (the partition count), got ${options.tasks}`);
  if (!/^[A-Za-z0-9._-]+$/.test(options.topic))
    throw new Error(`connectorSettings: topic ${JSON.stringify(options.topic)} is not a Kafka topic name`);
  const maxPollRecords = options.maxPollRecords ?? DEFAULT_MAX_POLL_RECORDS;
  const idempotent = options.mode === 'idempotent';
  return {
    name: options.name,
    'connector.class': 'com.mongodb.kafka.connect.MongoSinkConnector',
    'tasks.max': String(options.tasks),
    topics: options.topic,
    'connection.uri': options.mongoUrl,
    database: options.database,
    collection: options.collection,
    // Throughput, as documented: one unordered bulk write per batch, no rate limit.
    'bulk.write.ordered': 'false',
    'max.batch.size': '0',
    'rate.limiting.every.n': '0',
    // The consumer hands over large batches: up to maxPollRecords per poll, fetches big enough to fill them.
    'consumer.override.max.poll.records': String(maxPollRecords),
    'consumer.override.fetch.max.bytes': String(64 * 2 ** 20),
    'consumer.override.max.partition.fetch.bytes': String(16 * 2 ** 20),
    'consumer.override.fetch.min.bytes': String(2 ** 20),
    'consumer.override.fetch.max.wait.ms': '100',
    'consumer.override.auto.offset.reset': 'earliest',
    // As the sink's `_kafka`, where each document came from (InsertField sets top-level fields only).
    transforms: idempotent ? 'origin,eventIdAsId' : 'origin',
    'transforms.origin.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
    'transforms.origin.topic.field': 'kafkaTopic',
    'transforms.origin.partition.field': 'kafkaPartition',
    'transforms.origin.offset.field': 'kafkaOffset',
    ...(idempotent
      ? {
          'transforms.eventIdAsId.type': 'org.apache.kafka.connect.transforms.ReplaceField$Value',
          'transforms.eventIdAsId.renames': 'eventId:_id',
          'document.id.strategy': `${STRATEGY}.processor.id.strategy.ProvidedInValueStrategy`,
          // The value's own _id is the id: "overwriting" it with itself, else a WARN per record.
          'document.id.strategy.overwrite.existing': 'true',
          'writemodel.strategy': `${STRATEGY}.writemodel.strategy.ReplaceOneDefaultStrategy`,
        }
      : {
          'document.id.strategy': `${STRATEGY}.processor.id.strategy.BsonOidStrategy`,
          'writemodel.strategy': `${STRATEGY}.writemodel.strategy.InsertOneDefaultStrategy`,
        }),
  };
}

/**
 * `settings` as a Java .properties file. Keys here are plain; values are
 * escaped where the format needs it (backslash, line breaks, a leading space).
 */
export function toProperties(settings: Record<string, string>): string {
  const escape = (value: string) =>
    value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/^ /, '\\ ');
  return `${Object.entries(settings)
    .map(([key, value]) => `${key}=${escape(value)}`)
    .join('\n')}\n`;
}
