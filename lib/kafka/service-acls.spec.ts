import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { loadConfig } from '../config';
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
