/**
 * The Strimzi KafkaUser of each service (scripts/deploy-values.ts writes them
 * into deploy/platform/kafka/users.yaml): SCRAM-SHA-512 on the TLS listener,
 * and the ACLs of lib/kafka/service-acls.ts, which the local stack's SASL_SSL
 * listeners apply too. Strimzi keeps each user's password in a Secret of the
 * user's name (key `password`), which the chart mounts (values kafka.users).
 */
import type { Config } from '../lib/config';
import { kafkaUserName, serviceAcls, type ServiceName } from '../lib/kafka/service-acls';

/** The Kafka resource's name in deploy/platform/kafka/kafka.yaml. */
export const STRIMZI_CLUSTER = 'pipeline';

export function kafkaUsers(config: Config): Record<string, unknown>[] {
  return Object.entries(serviceAcls(config)).map(([service, acls]) => ({
    apiVersion: 'kafka.strimzi.io/v1',
    kind: 'KafkaUser',
    metadata: { name: kafkaUserName(service as ServiceName), labels: { 'strimzi.io/cluster': STRIMZI_CLUSTER } },
    spec: { authentication: { type: 'scram-sha-512' }, authorization: { type: 'simple', acls } },
  }));
}
