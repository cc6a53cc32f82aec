/**
 * The same Kafka settings as lib/kafka/client.ts gives kafkajs, in librdkafka's
 * words (confluent-kafka, which Airflow's Apache Kafka provider uses): the
 * Airflow connection `kafka_default` is generated from these, so the brokers,
 * the protocol and the SCRAM login are configured once, in lib/config.ts.
 *
 *   librdkafkaProperties(loadConfig({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', ... }).kafka)
 *   // { 'bootstrap.servers': 'b1:9093', 'security.protocol': 'SASL_SSL',
 *   //   'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.username': 'kafka-pipeline-api',
 *   //   'sasl.password': '...', 'ssl.ca.location': '/run/secrets/kafka-ca/ca.crt' }
 *
 * The result holds the password: never log it.
 */
import type { Config } from '../config';

const MECHANISM = { 'scram-sha-512': 'SCRAM-SHA-512', 'scram-sha-256': 'SCRAM-SHA-256' } as const;

export function librdkafkaProperties(kafka: Pick<Config['kafka'], 'brokers' | 'security'>): Record<string, string> {
  const { security } = kafka;
  const common = { 'bootstrap.servers': kafka.brokers.join(',') };
  if (security.protocol === 'PLAINTEXT') return { ...common, 'security.protocol': 'PLAINTEXT' };
  return {
    ...common,
    'security.protocol': 'SASL_SSL',
    'sasl.mechanism': MECHANISM[security.sasl.mechanism],
    'sasl.username': security.sasl.username,
    'sasl.password': security.sasl.password,
    // Unset, librdkafka verifies against the system's CAs, as kafkajs does.
    ...(security.ssl.caFile && { 'ssl.ca.location': security.ssl.caFile }),
  };
}
