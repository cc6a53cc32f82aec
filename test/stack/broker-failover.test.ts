/**
 * With two brokers, replication factor 2 and min.insync.replicas=1, the
 * pipeline keeps producing while one broker is down, and the broker catches up
 * when it returns. Stops a shared broker, so it runs in the "stack" project.
 */
import { ensureTopics, pipelineTopics } from '../../lib/kafka/topics';
import { eventually, readTopic, testConfig, useBrokers } from '../../harness/env';
import { stack } from '../../harness/stack';

const config = testConfig();
const topic = config.kafka.topics.somedata;
// Declared before useBrokers: jest runs a file's afterAll hooks in order, so the
// broker is back before the topics are deleted.
afterAll(() => stack('up', 'kafka-broker-2'));
const brokers = useBrokers(config);
beforeAll(() => ensureTopics(brokers.admin, pipelineTopics(config.kafka)));

async function inSyncReplicas(): Promise<number[][]> {
  const metadata = await brokers.admin.fetchTopicMetadata({ topics: [topic] });
  return metadata.topics[0]!.partitions.map((partition) => [...partition.isr].sort());
}

it('with broker-2 stopped, producing with acks=all still succeeds; after restart it rejoins the ISR', async () => {
  await stack('down', 'kafka-broker-2');

  const producer = brokers.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const messages = Array.from({ length: 30 }, (_, index) => ({ key: `k${index}`, value: `v${index}` }));
    const acks = await producer.send({ topic, acks: -1, messages });
    expect(acks.every((ack) => ack.errorCode === 0)).toBe(true);
  } finally {
    await producer.disconnect();
  }
  expect((await inSyncReplicas()).every((isr) => !isr.includes(3))).toBe(true);

  await stack('up', 'kafka-broker-2');
  await eventually(
    async () => (await inSyncReplicas()).every((isr) => isr.join() === '2,3'),
    'broker-2 to rejoin the ISR of every partition',
    60_000,
  );
  expect(await readTopic(brokers.kafka, topic, { count: 30 })).toHaveLength(30);
}, 180_000);
