/**
 * The Strimzi KafkaUser of each service (scripts/deploy-values.ts writes them
 * into deploy/platform/kafka/users.yaml): SCRAM-SHA-512 on the TLS listener,
 * and ACLs that allow what the service does, named from the config (topics,
 * groups), nothing more. Strimzi keeps each user's password in a Secret of the
 * user's name (key `password`), which the chart mounts (values kafka.users).
 */
import type { Config } from '../lib/config';

/** The Kafka resource's name in deploy/platform/kafka/kafka.yaml. */
export const STRIMZI_CLUSTER = 'pipeline';

type Operation = 'Read' | 'Write' | 'Describe' | 'DescribeConfigs' | 'Create' | 'IdempotentWrite';
interface Acl {
  resource: { type: 'topic' | 'group' | 'cluster'; name?: string; patternType?: 'literal' };
  operations: Operation[];
}

const topic = (name: string, ...operations: Operation[]): Acl => ({
  resource: { type: 'topic', name, patternType: 'literal' },
  operations,
});
const group = (name: string, ...operations: Operation[]): Acl => ({
  resource: { type: 'group', name, patternType: 'literal' },
  operations,
});
// The publisher is an idempotent producer (lib/kafka/publisher.ts).
const idempotent: Acl = { resource: { type: 'cluster' }, operations: ['IdempotentWrite'] };

/** Every service's ACLs. Describe + DescribeConfigs on a topic: the start-up check of its partitions and limits. */
export function serviceAcls(config: Config): Record<string, Acl[]> {
  const { somedata, footdata, dlq } = config.kafka.topics;
  const describe = (name: string) => topic(name, 'Describe', 'DescribeConfigs');
  return {
    // Publishes both data topics (producers/).
    api: [
      topic(somedata, 'Write', 'Describe', 'DescribeConfigs'),
      topic(footdata, 'Write', 'Describe', 'DescribeConfigs'),
      describe(dlq),
      idempotent,
    ],
    // Reads both data topics in its group, dead-letters into the DLQ.
    consumer: [
      topic(somedata, 'Read', 'Describe', 'DescribeConfigs'),
      topic(footdata, 'Read', 'Describe', 'DescribeConfigs'),
      topic(dlq, 'Write', 'Describe', 'DescribeConfigs'),
      group(config.consumer.groupId, 'Read'),
      idempotent,
    ],
    // Copies the DLQ into the store in its own group (reader/dead-letter-index.ts).
    reader: [
      describe(somedata),
      describe(footdata),
      topic(dlq, 'Read', 'Describe', 'DescribeConfigs'),
      group(config.reader.dlqGroupId, 'Read'),
    ],
    // The footdata job publishes match records (workers/jobs/handlers.ts).
    workers: [describe(somedata), topic(footdata, 'Write', 'Describe', 'DescribeConfigs'), describe(dlq), idempotent],
    // The live page reads offsets and the groups' positions, never a record.
    admin: [
      describe(somedata),
      describe(footdata),
      describe(dlq),
      group(config.consumer.groupId, 'Describe'),
      group(config.reader.dlqGroupId, 'Describe'),
    ],
  };
}

export function kafkaUsers(config: Config): Record<string, unknown>[] {
  return Object.entries(serviceAcls(config)).map(([service, acls]) => ({
    apiVersion: 'kafka.strimzi.io/v1',
    kind: 'KafkaUser',
    metadata: { name: `kafka-pipeline-${service}`, labels: { 'strimzi.io/cluster': STRIMZI_CLUSTER } },
    spec: { authentication: { type: 'scram-sha-512' }, authorization: { type: 'simple', acls } },
  }));
}
