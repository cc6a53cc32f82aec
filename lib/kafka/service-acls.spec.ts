import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { loadConfig } from '../config';
import { DEAD_LETTER_REASONS } from './dead-letter-headers';
import { aclEntries, kafkaUserName, serviceAcls } from './service-acls';

describe('aclEntries: a service ACL list as Kafka bindings', () => {
  it('gives one ALLOW binding per operation, literal, from any host', () => {
    const principal = `User:${kafkaUserName('reader')}`;
    const entries = aclEntries(principal, [
      { resource: { type: 'topic', name: 'pipeline.dlq', patternType: 'literal' }, operations: ['Read', 'Describe'] },
      { resource: { type: 'cluster' }, operations: ['IdempotentWrite'] },
    ]);
    const common = {
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: 'User:kafka-pipeline-reader',
      host: '*',
      permissionType: AclPermissionTypes.ALLOW,
    };
    expect(entries).toEqual([
      {
        ...common,
        resourceType: AclResourceTypes.TOPIC,
        resourceName: 'pipeline.dlq',
        operation: AclOperationTypes.READ,
      },
      {
        ...common,
        resourceType: AclResourceTypes.TOPIC,
        resourceName: 'pipeline.dlq',
        operation: AclOperationTypes.DESCRIBE,
      },
      // Kafka's cluster resource has one name.
      {
        ...common,
        resourceType: AclResourceTypes.CLUSTER,
        resourceName: 'kafka-cluster',
        operation: AclOperationTypes.IDEMPOTENT_WRITE,
      },
    ]);
  });

  it("follows the config's names: fresh topics and groups give bindings on those", () => {
    const config = loadConfig({ TOPIC_SOMEDATA: 't1.somedata', CONSUMER_GROUP: 't1.sink' });
    const names = aclEntries('User:x', serviceAcls(config).consumer).map((entry) => entry.resourceName);
    expect(names).toContain('t1.somedata');
    expect(names).toContain('t1.sink');
    expect(names).not.toContain('somedata');
  });
});

describe('serviceAcls: the DLQ replay', () => {
  it('reads the DLQ in its own groups (one per reason) and writes the two data topics, nothing else', () => {
    const config = loadConfig({ CONSUMER_GROUP: 't2.sink', TOPIC_DLQ: 't2.dlq' });
    const grants = serviceAcls(config)['dlq-replay'].flatMap(({ resource, operations }) =>
      operations.map((operation) => `${resource.type} ${resource.name ?? ''} ${operation}`),
    );
    const { somedata, footdata } = config.kafka.topics;
    expect(grants.sort()).toEqual(
      [
        'topic t2.dlq Read',
        'topic t2.dlq Describe',
        ...DEAD_LETTER_REASONS.map((reason) => `group t2.sink.dlq-replay.${reason} Read`),
        `topic ${somedata} Write`,
        `topic ${somedata} Describe`,
        `topic ${footdata} Write`,
        `topic ${footdata} Describe`,
      ].sort(),
    );
    // Not the sink's group, nothing on the cluster (its producer is not idempotent).
    expect(grants.filter((grant) => grant.startsWith('group t2.sink ') || grant.startsWith('cluster'))).toEqual([]);
  });
});

describe('serviceAcls: the smoke test', () => {
  it('only writes the somedata topic (its poison record): no read, no group, no cluster right', () => {
    const config = loadConfig({ TOPIC_SOMEDATA: 't3.somedata' });
    const grants = serviceAcls(config).smoke.flatMap(({ resource, operations }) =>
      operations.map((operation) => `${resource.type} ${resource.name ?? ''} ${operation}`),
    );
    expect(grants.sort()).toEqual(['topic t3.somedata Describe', 'topic t3.somedata Write']);
  });
});
