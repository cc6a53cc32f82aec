/**
 * The local Kafka cluster has the shape of docs/ARCHITECTURE.md §3, and ensureTopics() gives
 * every topic its partitions, replicas and settings, however often it runs and from however many
 * callers at once.
 */
import { ConfigResourceTypes } from 'kafkajs';
import { ensureTopics, pipelineTopics } from '../../lib/kafka/topics';
import { eventually, freshName, readTopic, testConfig, useBrokers } from '../../harness/env';
import { kafkaTool } from '../../harness/stack';

const config = testConfig();
const topics = config.kafka.topics;
const brokers = useBrokers(config);

describe('the local Kafka cluster', () => {
  it('has two brokers and one KRaft controller', async () => {
    const cluster = await brokers.admin.describeCluster();
    expect(cluster.brokers.map((broker) => broker.nodeId).sort()).toEqual([2, 3]);
    expect(cluster.brokers.map((broker) => broker.port).sort()).toEqual([9092, 9093]);

    const quorum = await kafkaTool(
      'org.apache.kafka.tools.MetadataQuorumCommand',
      '--bootstrap-server',
      '127.0.0.1:9092',
      'describe',
      '--status',
    );
    expect(quorum).toMatch(/LeaderId:\s+1\b/);
    expect(quorum).toMatch(/CurrentVoters:\s+\[\{"id":\s*1\b[^\]]*\]/);
    const observers = quorum.match(/CurrentObservers:\s+(\[.*\])/)?.[1] ?? '';
    expect([...observers.matchAll(/"id":\s*(\d+)/g)].map((m) => Number(m[1])).sort()).toEqual([2, 3]);
  });

  it("keeps a group's committed offsets at least as long as the DLQ keeps its letters", async () => {
    // The DLQ replay resumes from its groups' offsets (consumer/replay.ts): offsets forgotten while
    // letters remain would make the next replay send every letter again.
    const dlq = pipelineTopics(config.kafka).find((spec) => spec.topic === topics.dlq)!;
    const { brokers: nodes } = await brokers.admin.describeCluster();
    const described = await brokers.admin.describeConfigs({
      includeSynonyms: false,
      resources: nodes.map(({ nodeId }) => ({
        type: ConfigResourceTypes.BROKER,
        name: String(nodeId),
        configNames: ['offsets.retention.minutes'],
      })),
    });
    const retentionMs = described.resources.map((resource) => Number(resource.configEntries[0]?.configValue) * 60_000);
    expect(retentionMs).toHaveLength(2);
    for (const ms of retentionMs) expect(ms).toBeGreaterThanOrEqual(Number(dlq.configs['retention.ms']));
  });

  it('ensureTopics run twice gives the three topics, 3 partitions each, replicas on both brokers', async () => {
    const specs = pipelineTopics(config.kafka);
    expect(await ensureTopics(brokers.admin, specs)).toEqual({ created: Object.values(topics), existing: [] });
    expect(await ensureTopics(brokers.admin, specs)).toEqual({ created: [], existing: Object.values(topics) });

    const metadata = await brokers.admin.fetchTopicMetadata({ topics: Object.values(topics) });
    for (const topic of metadata.topics) {
      expect(topic.partitions).toHaveLength(3);
      for (const partition of topic.partitions) expect([...partition.replicas].sort()).toEqual([2, 3]);
    }

    const described = await brokers.admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        { type: 2, name: topics.somedata, configNames: ['min.insync.replicas', 'cleanup.policy'] },
        { type: 2, name: topics.footdata, configNames: ['min.insync.replicas', 'cleanup.policy'] },
      ],
    });
    const settings = Object.fromEntries(
      described.resources.map((resource) => [
        resource.resourceName,
        Object.fromEntries(resource.configEntries.map((entry) => [entry.configName, entry.configValue])),
      ]),
    );
    expect(settings[topics.somedata]).toEqual({ 'min.insync.replicas': '1', 'cleanup.policy': 'delete' });
    expect(settings[topics.footdata]).toEqual({ 'min.insync.replicas': '1', 'cleanup.policy': 'compact,delete' });
  });

  it('ensureTopics from 40 callers at once: each resolves with its own topics created and led', async () => {
    // Concurrent creations are what made a broker answer before its metadata had the new topic.
    const sets = Array.from({ length: 40 }, () => pipelineTopics(testConfig().kafka));
    const names = sets.flat().map((spec) => spec.topic);
    try {
      const results = await Promise.allSettled(sets.map((specs) => ensureTopics(brokers.admin, specs)));
      expect(results).toEqual(
        sets.map((specs) => ({
          status: 'fulfilled',
          value: { created: specs.map((spec) => spec.topic), existing: [] },
        })),
      );
      // ensureTopics saw every partition led; the other broker may apply the last creations a moment
      // later (a client retries that), so this read of all 120 at once may wait for it.
      const leaderless = await eventually(async () => {
        const { topics } = await brokers.admin.fetchTopicMetadata({ topics: names });
        return topics.length === names.length
          ? topics.filter((topic) => topic.partitions.length !== 3 || topic.partitions.some((p) => p.leader < 0))
          : undefined;
      }, 'the metadata of all 120 topics');
      expect(leaderless).toEqual([]);
    } finally {
      await brokers.admin.deleteTopics({ topics: names });
    }
  });

  it('fails clearly when the cluster has fewer brokers than the replication factor', async () => {
    const tooMany = pipelineTopics({ ...config.kafka, replicationFactor: 3 });
    await expect(ensureTopics(brokers.admin, tooMany)).rejects.toThrow(
      /2 broker\(s\) but topics need replication factor 3/,
    );
  });

  it('a record produced with acks=all to each topic is consumed back by a consumer group', async () => {
    await ensureTopics(brokers.admin, pipelineTopics(config.kafka));
    const producer = brokers.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const value = freshName('hello');
    try {
      for (const topic of Object.values(topics)) {
        const [ack] = await producer.send({ topic, acks: -1, messages: [{ key: 'k', value }] });
        expect(ack?.errorCode).toBe(0);
      }
    } finally {
      await producer.disconnect();
    }
    for (const topic of Object.values(topics)) {
      const [message] = await readTopic(brokers.kafka, topic, { count: 1 });
      expect(message?.value?.toString()).toBe(value);
      expect(message?.key?.toString()).toBe('k');
    }
  });
});
