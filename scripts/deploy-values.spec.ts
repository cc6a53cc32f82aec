import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEAD_LETTER_REASONS, replayGroupId } from '../lib/kafka/dead-letter-headers';
import { pipelineTopics } from '../lib/kafka/topics';
import { buildDeployFiles, clusterConfig, DEPLOY_DIR, toYaml } from './deploy-values';
import { serviceAcls } from '../lib/kafka/service-acls';

describe('deploy/: what the chart and the platform take from TypeScript', () => {
  const wanted = buildDeployFiles();

  it.each([...wanted.keys()])('deploy/%s is what the TypeScript emits (else run `npm run deploy:generate`)', (path) => {
    expect(readFileSync(join(DEPLOY_DIR, path), 'utf8')).toBe(wanted.get(path));
  });

  it('sizes the topics for three brokers: replication 3, writes go on with one broker down', () => {
    for (const spec of pipelineTopics(clusterConfig().kafka)) {
      expect(spec.replicationFactor).toBe(3);
      expect(spec.configs['min.insync.replicas']).toBe('2');
    }
  });

  it('gives no service an ACL on a topic or group the config does not name', () => {
    const config = clusterConfig();
    const names = new Set([
      ...Object.values(config.kafka.topics),
      config.consumer.groupId,
      config.reader.dlqGroupId,
      ...DEAD_LETTER_REASONS.map((reason) => replayGroupId(config, reason)),
    ]);
    for (const acls of Object.values(serviceAcls(config))) {
      for (const { resource } of acls) if (resource.type !== 'cluster') expect(names).toContain(resource.name);
    }
    // Only the consumer reads the data topics; only the reader and the replay read the DLQ.
    const readers = (name: string) =>
      Object.entries(serviceAcls(config))
        .filter(([, acls]) => acls.some((acl) => acl.resource.name === name && acl.operations.includes('Read')))
        .map(([service]) => service);
    expect(readers(config.kafka.topics.somedata)).toEqual(['consumer']);
    expect(readers(config.kafka.topics.dlq)).toEqual(['reader', 'dlq-replay']);
  });

  it('writes YAML that reads back as the same value (strings quoted, keys with dots kept)', () => {
    const value = { a: { 'min.insync.replicas': '2', n: 3, list: [{ x: 'y: z' }, 'q"'], empty: [] } };
    expect(toYaml(value)).toBe(
      '\na:\n  min.insync.replicas: "2"\n  n: 3\n  list:\n    - x: "y: z"\n    - "q\\""\n  empty: []',
    );
  });
});
