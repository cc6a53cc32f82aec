/**
 * The Kafka protocol versions kafkajs negotiates with the local brokers, for
 * every request the pipeline makes (producer, admin, consumer group), against
 * the committed list in kafka-api-versions.json. kafkajs asks each broker for
 * its ApiVersions and uses, per API, the highest version both implement: a
 * Kafka upgrade that drops a version kafkajs relies on (Kafka 4 dropped many,
 * KIP-896) shows up here as a changed list or a version outside a broker's range,
 * before it shows up as a failing service.
 *
 * What was used is read from kafkajs's public instrumentation events
 * (`REQUEST`: apiName, apiVersion); each broker's supported range from one
 * ApiVersions v0 request of our own over a socket, so nothing reaches into
 * kafkajs's internals. To update after a deliberate upgrade: run with
 * UPDATE_KAFKA_API_VERSIONS=1 and review the diff of the JSON.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { Config } from '../../lib/config';
import { ensureTopics, pipelineTopics } from '../../lib/kafka/topics';
import { freshName, testConfig, testKafka } from '../../harness/env';

const EXPECTED_FILE = join(__dirname, 'kafka-api-versions.json');
const API_VERSIONS_KEY = 18;

interface SupportedRange {
  minVersion: number;
  maxVersion: number;
}

/** One ApiVersions v0 request (request header v1, no tagged fields): the broker's range per API key. */
function brokerApiVersions(broker: string): Promise<Map<number, SupportedRange>> {
  const [host, port] = broker.split(':') as [string, string];
  const clientId = Buffer.from('api-versions-test');
  const request = Buffer.alloc(4 + 2 + 2 + 4 + 2 + clientId.length);
  let at = request.writeInt32BE(request.length - 4, 0);
  at = request.writeInt16BE(API_VERSIONS_KEY, at);
  at = request.writeInt16BE(0, at);
  at = request.writeInt32BE(1, at);
  at = request.writeInt16BE(clientId.length, at);
  clientId.copy(request, at);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port) }, () => socket.write(request));
    let answer = Buffer.alloc(0);
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no ApiVersions answer from ${broker}`)));
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      answer = Buffer.concat([answer, chunk]);
      if (answer.length < 4 || answer.length < 4 + answer.readInt32BE(0)) return;
      socket.end();
      // size, correlation id, error code, [api key, min, max]
      const errorCode = answer.readInt16BE(8);
      if (errorCode !== 0) return reject(new Error(`ApiVersions from ${broker}: error code ${errorCode}`));
      const ranges = new Map<number, SupportedRange>();
      const count = answer.readInt32BE(10);
      for (let i = 0, offset = 14; i < count; i++, offset += 6)
        ranges.set(answer.readInt16BE(offset), {
          minVersion: answer.readInt16BE(offset + 2),
          maxVersion: answer.readInt16BE(offset + 4),
        });
      resolve(ranges);
    });
  });
}

/** The pipeline's own requests, with the versions kafkajs chose: API name -> { key, version }. */
async function versionsUsed(
  kafka: Kafka,
  config: Config['kafka'],
): Promise<Map<string, { key: number; version: number }>> {
  const topics = Object.values(config.topics);
  const used = new Map<string, { key: number; version: number }>();
  const record = ({ payload }: { payload: { apiName: string; apiKey: number; apiVersion: number } }) =>
    used.set(payload.apiName, { key: payload.apiKey, version: payload.apiVersion });

  const admin = kafka.admin();
  admin.on(admin.events.REQUEST, record);
  await admin.connect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  producer.on(producer.events.REQUEST, record);
  const groupId = freshName('api-versions');
  // A heartbeat a few ms after joining, as a sink's long batch does.
  const consumer = kafka.consumer({ groupId, heartbeatInterval: 50 });
  consumer.on(consumer.events.REQUEST, record);
  try {
    // What the services do: topics and their limits (lib/kafka/topics.ts), a publish
    // (lib/kafka/sender.ts), a consumer group that reads and commits (consumer/), offsets read back.
    await ensureTopics(admin, pipelineTopics(config));
    await admin.describeConfigs({ resources: topics.map((name) => ({ type: 2, name })), includeSynonyms: false });
    await producer.connect();
    await producer.sendBatch({
      acks: -1,
      topicMessages: [{ topic: topics[0]!, messages: [{ key: 'k', value: 'v' }] }],
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topics[0]!], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachBatch: async ({ heartbeat }) => {
            await new Promise((wait) => setTimeout(wait, 100));
            await heartbeat();
            resolve();
          },
        })
        .catch(reject);
    });
    await consumer.commitOffsets([{ topic: topics[0]!, partition: 0, offset: '0' }]);
    await admin.fetchTopicOffsets(topics[0]!);
    await admin.fetchOffsets({ groupId, topics: [topics[0]!] });
    await admin.describeGroups([groupId]);
    await admin.fetchTopicMetadata({ topics });
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  }
  return used;
}

it('kafkajs negotiates the committed protocol versions with every broker, each within the broker’s range', async () => {
  const config = testConfig();
  const kafka = testKafka(config);
  const used = await versionsUsed(kafka, config.kafka);
  const actual = Object.fromEntries(
    [...used].sort(([a], [b]) => a.localeCompare(b)).map(([name, v]) => [name, v.version]),
  );

  if (process.env.UPDATE_KAFKA_API_VERSIONS === '1')
    writeFileSync(EXPECTED_FILE, `${JSON.stringify(actual, null, 2)}\n`);
  const expected = JSON.parse(readFileSync(EXPECTED_FILE, 'utf8')) as Record<string, number>;
  expect(actual).toEqual(expected);

  const outside: string[] = [];
  for (const broker of config.kafka.brokers) {
    const ranges = await brokerApiVersions(broker);
    for (const [name, { key, version }] of used) {
      const range = ranges.get(key);
      if (!range || version < range.minVersion || version > range.maxVersion)
        outside.push(
          `${name} v${version} on ${broker}: supported ${range ? `${range.minVersion}..${range.maxVersion}` : 'none'}`,
        );
    }
  }
  expect(outside).toEqual([]);
}, 60_000);
