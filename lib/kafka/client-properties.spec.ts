import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../config';
import { librdkafkaProperties } from './client-properties';

const kafka = (security: Config['kafka']['security']) => ({ brokers: ['b1:9193', 'b2:9193'], security });

describe('librdkafkaProperties: the Kafka settings in confluent-kafka words', () => {
  it('plaintext: the brokers and the protocol', () => {
    expect(librdkafkaProperties(kafka({ protocol: 'PLAINTEXT' }))).toEqual({
      'bootstrap.servers': 'b1:9193,b2:9193',
      'security.protocol': 'PLAINTEXT',
    });
  });

  it('SASL_SSL: the mechanism upper-cased, the login, and the CA file librdkafka reads itself', () => {
    const sasl = { mechanism: 'scram-sha-256', username: 'u', password: 'p' } as const;
    expect(librdkafkaProperties(kafka({ protocol: 'SASL_SSL', sasl, ssl: { ca: 'PEM', caFile: '/ca.crt' } }))).toEqual({
      'bootstrap.servers': 'b1:9193,b2:9193',
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'SCRAM-SHA-256',
      'sasl.username': 'u',
      'sasl.password': 'p',
      'ssl.ca.location': '/ca.crt',
    });
    // No CA file: the system's CAs, librdkafka's default too.
    expect(librdkafkaProperties(kafka({ protocol: 'SASL_SSL', sasl, ssl: {} }))).not.toHaveProperty('ssl.ca.location');
  });

  it('follows what lib/config.ts resolved from the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'client-properties-'));
    try {
      const passwordFile = join(dir, 'password');
      writeFileSync(passwordFile, 'from-file\n');
      chmodSync(passwordFile, 0o600);
      const config = loadConfig({
        KAFKA_BROKERS: '127.0.0.1:9192',
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_USERNAME: 'kafka-pipeline-workers',
        KAFKA_SASL_PASSWORD_FILE: passwordFile,
      });
      expect(librdkafkaProperties(config.kafka)).toMatchObject({
        'bootstrap.servers': '127.0.0.1:9192',
        'sasl.mechanism': 'SCRAM-SHA-512',
        'sasl.username': 'kafka-pipeline-workers',
        'sasl.password': 'from-file',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
