/**
 * Who may do what on Kafka: one SCRAM user per service, and the ACLs that
 * allow what the service does, named from the config (topics, groups), nothing
 * more. The one owner of that list: scripts/deploy-kafka-users.ts writes it as
 * Strimzi KafkaUsers (deploy/platform/kafka/users.yaml), and the local stack
 * creates the same users and ACLs on its SASL_SSL listeners
 * (infra/kafka/security.sh, scripts/kafka-local-acls.ts with `applyServiceAcls`).
 */
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type Admin,
  type AclEntry,
} from 'kafkajs';
import type { Config } from '../config';
import { DEAD_LETTER_REASONS, replayGroupId } from './dead-letter-headers';

export type Operation = 'Read' | 'Write' | 'Describe' | 'DescribeConfigs' | 'IdempotentWrite';

/** One ACL in Strimzi's words (KafkaUser `spec.authorization.acls`). */
export interface Acl {
  resource: { type: 'topic' | 'group' | 'cluster'; name?: string; patternType?: 'literal' };
  operations: Operation[];
}

export type ServiceName = 'api' | 'consumer' | 'reader' | 'workers' | 'admin' | 'airflow' | 'dlq-replay' | 'smoke';

/** The SCRAM user of a service: the name of its Strimzi KafkaUser, and of the local stack's user. */
export const kafkaUserName = (service: ServiceName): string => `kafka-pipeline-${service}`;

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
export function serviceAcls(config: Config): Record<ServiceName, Acl[]> {
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
    // verify_sink reads the sink group's committed offsets on the data topics
    // (airflow/plugins/kafka_pipeline_provider/hooks/kafka.py), never a record.
    airflow: [topic(somedata, 'Describe'), topic(footdata, 'Describe'), group(config.consumer.groupId, 'Describe')],
    // The DLQ replay (consumer/dlq-replay.ts, run by hand): reads the DLQ in its group per reason, sends
    // each letter back to the data topic it came from with a plain producer (not idempotent).
    'dlq-replay': [
      topic(dlq, 'Read', 'Describe'),
      ...DEAD_LETTER_REASONS.map((reason) => group(replayGroupId(config, reason), 'Read')),
      topic(somedata, 'Write', 'Describe'),
      topic(footdata, 'Write', 'Describe'),
    ],
    // The smoke test (smoke/steps.ts, the chart's `helm test` Pod) writes one poison record with a
    // plain producer; everything else it proves through the services' own doors.
    smoke: [topic(somedata, 'Write', 'Describe')],
  };
}

const RESOURCE = { topic: AclResourceTypes.TOPIC, group: AclResourceTypes.GROUP, cluster: AclResourceTypes.CLUSTER };
const OPERATION: Record<Operation, AclOperationTypes> = {
  Read: AclOperationTypes.READ,
  Write: AclOperationTypes.WRITE,
  Describe: AclOperationTypes.DESCRIBE,
  DescribeConfigs: AclOperationTypes.DESCRIBE_CONFIGS,
  IdempotentWrite: AclOperationTypes.IDEMPOTENT_WRITE,
};

/** `acls` as Kafka's ACL bindings for `principal` (`User:<name>`), from any host. */
export function aclEntries(principal: string, acls: Acl[]): AclEntry[] {
  return acls.flatMap(({ resource, operations }) =>
    operations.map((operation) => ({
      resourceType: RESOURCE[resource.type],
      // The cluster resource has one name in Kafka.
      resourceName: resource.name ?? 'kafka-cluster',
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal,
      host: '*',
      operation: OPERATION[operation],
      permissionType: AclPermissionTypes.ALLOW,
    })),
  );
}

/** What tells one ACL binding from another. */
export const bindingKey = (entry: AclEntry): string =>
  [
    entry.resourceType,
    entry.resourceName,
    entry.resourcePatternType,
    entry.principal,
    entry.host,
    entry.operation,
    entry.permissionType,
  ].join('|');

export interface AppliedAcls {
  created: number;
  deleted: number;
}

/**
 * Make the ACLs of each service's user exactly `serviceAcls(config)`: create
 * what is missing, delete what the list no longer holds. Needs an admin
 * allowed to alter ACLs (the local stack's super user on its plaintext listener).
 */
export async function applyServiceAcls(admin: Admin, config: Config): Promise<AppliedAcls> {
  let created = 0;
  let deleted = 0;
  for (const [service, acls] of Object.entries(serviceAcls(config)) as [ServiceName, Acl[]][]) {
    const principal = `User:${kafkaUserName(service)}`;
    const wanted = aclEntries(principal, acls);
    const { resources } = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      principal,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    const present = resources.flatMap(({ acls: bound, ...resource }) => bound.map((acl) => ({ ...resource, ...acl })));
    const wantedKeys = new Set(wanted.map(bindingKey));
    const presentKeys = new Set(present.map(bindingKey));
    const missing = wanted.filter((entry) => !presentKeys.has(bindingKey(entry)));
    const stale = present.filter((entry) => !wantedKeys.has(bindingKey(entry)));
    if (missing.length > 0) await admin.createAcls({ acl: missing });
    if (stale.length > 0) await admin.deleteAcls({ filters: stale });
    created += missing.length;
    deleted += stale.length;
  }
  return { created, deleted };
}
