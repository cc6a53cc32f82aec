/**
 * The brokers' SASL_SSL listeners (infra/kafka/security.sh): TLS with the
 * stack's CA, SCRAM-SHA-512 logins of the users the stack creates, and the
 * ACLs of lib/kafka/service-acls.ts. Each service is configured exactly as it
 * would be in a deployment, by the KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_* and
 * KAFKA_SSL_CA_FILE variables; the topics are this file's own, so the ACLs
 * serviceAcls() gives for them are granted here (and revoked after).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type AclEntry,
  type Admin,
  type Kafka,
} from 'kafkajs';
import { loadConfig, type Config } from '../../lib/config';
import { createKafka } from '../../lib/kafka/client';
import { aclEntries, bindingKey, kafkaUserName, serviceAcls, type ServiceName } from '../../lib/kafka/service-acls';
import { COLLECTIONS } from '../../lib/mongo';
import { isTransient } from '../../lib/transient';
import { waitForCount } from '../../harness/consumer';
import { eventually, testKafka, testLogger } from '../../harness/env';
import { startTestApi } from '../../harness/producers';
import { useSink } from '../../harness/sink';
import { STACK_DIR } from '../../harness/stack';

jest.setTimeout(120_000);

/** The SASL_SSL listeners of the two brokers (their plaintext port + 100). */
const SASL_BROKERS = '127.0.0.1:9192,127.0.0.1:9193';
const passwordFile = (user: string) => join(STACK_DIR, 'kafka', 'users', `${user}.password`);

/** `base` with its Kafka client logging in as `user` over TLS: the variables a deployment sets. */
function securedAs(base: Config, user: string, password = passwordFile(user)): Config {
  const secured = loadConfig({
    KAFKA_BROKERS: SASL_BROKERS,
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SASL_USERNAME: user,
    KAFKA_SASL_PASSWORD_FILE: password,
    KAFKA_SSL_CA_FILE: join(STACK_DIR, 'kafka', 'tls', 'ca.crt'),
  });
  return { ...base, kafka: { ...base.kafka, brokers: secured.kafka.brokers, security: secured.kafka.security } };
}

/** A client of `user` with the services' own settings (createKafka: 8 retries of what is transient). */
const clientAs = (base: Config, user: string, password?: string): Kafka =>
  createKafka(securedAs(base, user, password).kafka, testLogger('kafka'));

const sut = useSink();
/** A plaintext admin of its own (the stack's super user): useSink's is disconnected by the time this file's afterAll runs. */
let admin: Admin;
let grants: AclEntry[] = [];

beforeAll(async () => {
  admin = testKafka(sut.config).admin();
  await admin.connect();
  const acls = serviceAcls(sut.config);
  const granted: ServiceName[] = ['api', 'consumer', 'reader'];
  grants = granted.flatMap((service) => aclEntries(`User:${kafkaUserName(service)}`, acls[service]));
  await admin.createAcls({ acl: grants });
  // The brokers apply ACLs from the metadata log a moment after the controller wrote them.
  await eventually(async () => {
    const { resources } = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    const present = new Set(
      resources.flatMap(({ acls, ...resource }) => acls.map((acl) => bindingKey({ ...resource, ...acl }))),
    );
    return grants.every((grant) => present.has(bindingKey(grant)));
  }, 'the ACLs granted to reach the brokers');
});
afterAll(async () => {
  if (grants.length > 0) await admin.deleteAcls({ filters: grants });
  await admin?.disconnect();
});

describe('Kafka over SASL_SSL with SCRAM-SHA-512', () => {
  it("a record the API's user publishes is stored by the sink logged in as the consumer's user", async () => {
    const api = await startTestApi(securedAs(sut.config, kafkaUserName('api')));
    try {
      await sut.start(securedAs(sut.config, kafkaUserName('consumer')));
      const response = await fetch(`${api.url}/somedata/secured?number=1`);
      expect(response.status).toBe(200);
      const eventId = response.headers.get('x-event-id');
      await waitForCount(sut.db, COLLECTIONS.somedata, 1);
      const stored = await sut.db.collection(COLLECTIONS.somedata).findOne({ _id: eventId as never });
      expect(stored).toMatchObject({ source: 'api', payload: { data: 'secured', number: 1 } });
    } finally {
      await api.stop();
    }
  });

  it("refuses the read API's user writing to somedata: the authorization failure named, not retried", async () => {
    const producer = clientAs(sut.config, kafkaUserName('reader')).producer({
      idempotent: false,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    try {
      const attempt = producer.send({ topic: sut.config.kafka.topics.somedata, messages: [{ value: 'forged' }] });
      const error = await attempt.then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(String(error)).toMatch(/not authorized/i);
      expect(error).toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED', retriable: false });
      expect(isTransient(error)).toBe(false);
    } finally {
      await producer.disconnect();
    }
  });

  it('refuses a wrong password with the SASL authentication failure named, not retried', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafka-sasl-'));
    const wrong = join(dir, 'password');
    writeFileSync(wrong, 'not-the-password\n', { mode: 0o600 });
    const admin = clientAs(sut.config, kafkaUserName('api'), wrong).admin();
    try {
      const error = await admin.connect().then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(String(error)).toMatch(/SASL SCRAM SHA512 authentication failed/i);
      expect(error).toMatchObject({ name: 'KafkaJSSASLAuthenticationError', retriable: false });
      expect(isTransient(error)).toBe(false);
    } finally {
      await admin.disconnect();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
