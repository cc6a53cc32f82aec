import { loadConfig, type Config } from '../lib/config';
import { connectionLines, kafkaConnection } from './airflow-connections';

const sasl = { mechanism: 'scram-sha-512', username: 'kafka-pipeline-airflow', password: 's3cret' } as const;
const secured = (ssl: { ca?: string; caFile?: string }) => ({
  kafka: { brokers: ['b1:9093', 'b2:9093'], security: { protocol: 'SASL_SSL', sasl, ssl } } satisfies Pick<
    Config['kafka'],
    'brokers' | 'security'
  >,
});

describe('kafka_default: the Airflow connection the Apache Kafka provider reads', () => {
  it('is the services’ librdkafka settings, the brokers and the protocol in plaintext', () => {
    expect(kafkaConnection(loadConfig({ KAFKA_BROKERS: 'k1:9092,k2:9092' }))).toEqual({
      conn_type: 'kafka',
      extra: { 'bootstrap.servers': 'k1:9092,k2:9092', 'security.protocol': 'PLAINTEXT' },
    });
  });

  it('over SASL_SSL carries the login and the CA file, or with --inline-ca the CA itself', () => {
    const login = {
      'bootstrap.servers': 'b1:9093,b2:9093',
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.username': 'kafka-pipeline-airflow',
      'sasl.password': 's3cret',
    };
    const ssl = { ca: '-----BEGIN CERTIFICATE-----\n...', caFile: '/run/secrets/kafka-ca/ca.crt' };
    expect(kafkaConnection(secured(ssl)).extra).toEqual({ ...login, 'ssl.ca.location': ssl.caFile });
    expect(kafkaConnection(secured(ssl), { inlineCa: true }).extra).toEqual({ ...login, 'ssl.ca.pem': ssl.ca });
    // No CA: the system's, in both forms.
    expect(kafkaConnection(secured({}), { inlineCa: true }).extra).toEqual(login);
  });
});

describe('the command line', () => {
  const config = loadConfig({});

  it('prints every connection as AIRFLOW_CONN_<ID>=<json>, or one connection as bare JSON', () => {
    const lines = connectionLines(config, []);
    expect(lines.map((line) => line.split('=', 1)[0])).toEqual([
      'AIRFLOW_CONN_REDIS_DEFAULT',
      'AIRFLOW_CONN_MONGO_DEFAULT',
      'AIRFLOW_CONN_KAFKA_DEFAULT',
    ]);
    expect(connectionLines(config, ['kafka_default', '--inline-ca'])).toEqual([
      JSON.stringify(kafkaConnection(config)),
    ]);
  });

  it.each([[['kafka']], [['kafka_default', 'mongo_default']], [['--inline']]])('refuses %j with its usage', (args) => {
    expect(() => connectionLines(config, args)).toThrow(/^usage: airflow-connections.ts \[redis_default \| /);
  });
});
