/**
 * ensureTopics() against an admin whose metadata lags behind a creation, as a
 * KRaft cluster's does: the broker that took CreateTopics answers before its
 * own metadata (or the other broker's) has the new topic, so a metadata
 * request says UNKNOWN_TOPIC_OR_PARTITION, then a partition without a leader,
 * then the topic. kafkajs's own `waitForLeaders` retries only the second; the
 * real brokers' race is in test/integration/kafka-topics.test.ts.
 */
import { KafkaJSProtocolError, type Admin, type ITopicConfig, type ITopicMetadata } from 'kafkajs';
import { ensureTopics, type TopicSpec } from './topics';

const unknownTopic = () =>
  new KafkaJSProtocolError(
    Object.assign(new Error('This server does not host this topic-partition'), {
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
      code: 3,
      retriable: true,
    }),
  );

/**
 * Two brokers; a created topic shows in the metadata after `lag` metadata
 * requests: first unknown, then without a leader. `createTopics` with
 * `waitForLeaders` behaves as kafkajs's: one metadata request, retried only on
 * LEADER_NOT_AVAILABLE, so an unknown topic fails it.
 */
function laggingAdmin(lag: number) {
  const topics = new Map<string, { partitions: number; requestsSeen: number }>();
  const calls: string[] = [];
  const metadataOf = (name: string): ITopicMetadata => {
    const topic = topics.get(name);
    if (!topic) throw unknownTopic();
    topic.requestsSeen++;
    if (topic.requestsSeen <= lag - 1) throw unknownTopic();
    const leader = topic.requestsSeen <= lag ? -1 : 1;
    return {
      name,
      partitions: Array.from({ length: topic.partitions }, (_, partitionId) => ({
        partitionErrorCode: 0,
        partitionId,
        leader,
        replicas: [1, 2],
        isr: [1, 2],
        offlineReplicas: [],
      })),
    };
  };
  const admin = {
    describeCluster: async () => ({ brokers: [{ nodeId: 1 }, { nodeId: 2 }], controller: 1, clusterId: 'c' }),
    listTopics: async () => [...topics.keys()],
    createTopics: async ({
      topics: wanted,
      waitForLeaders = true,
    }: {
      topics: ITopicConfig[];
      waitForLeaders?: boolean;
    }) => {
      calls.push(`createTopics waitForLeaders=${waitForLeaders}`);
      for (const topic of wanted) topics.set(topic.topic, { partitions: topic.numPartitions ?? 1, requestsSeen: 0 });
      if (waitForLeaders) for (const topic of wanted) metadataOf(topic.topic); // throws while unknown
      return true;
    },
    fetchTopicMetadata: async ({ topics: names = [] }: { topics?: string[] }) => {
      calls.push('fetchTopicMetadata');
      return { topics: names.map(metadataOf) };
    },
  };
  return { admin: admin as unknown as Admin, calls };
}

const quick = { leaderWait: { initialDelayMs: 1, maxDelayMs: 1 } };
const spec = (topic: string): TopicSpec => ({ topic, numPartitions: 3, replicationFactor: 2, configs: {} });

describe('ensureTopics', () => {
  it('waits out a new topic the metadata does not know yet, then one without a leader', async () => {
    const { admin } = laggingAdmin(3);
    await expect(ensureTopics(admin, [spec('a'), spec('b')], quick)).resolves.toEqual({
      created: ['a', 'b'],
      existing: [],
    });
    const { topics } = await admin.fetchTopicMetadata({ topics: ['a', 'b'] });
    expect(topics.flatMap((topic) => topic.partitions.map((partition) => partition.leader))).not.toContain(-1);
  });

  it('resolves only once every created partition has a leader', async () => {
    const { admin, calls } = laggingAdmin(4);
    await ensureTopics(admin, [spec('a')], quick);
    // unknown three times, leaderless once, then led: five metadata reads after the creation.
    expect(calls.filter((call) => call === 'fetchTopicMetadata')).toHaveLength(5);
  });

  it('gives up with the last error when the topic never shows', async () => {
    const { admin } = laggingAdmin(Number.MAX_SAFE_INTEGER);
    await expect(
      ensureTopics(admin, [spec('a')], { leaderWait: { retries: 3, initialDelayMs: 1, maxDelayMs: 1 } }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(
        /^the new topics have no leader yet: KafkaJSProtocolError: This server does not host/,
      ),
      retriable: true, // ensurePipelineTopics tries its start-up again
    });
  });
});
