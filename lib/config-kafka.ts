/**
 * How the services reach Kafka: in plaintext (the local brokers' default
 * listeners), or over TLS with a SCRAM login (Strimzi's listener in
 * deploy/platform/kafka/, the local brokers' SASL_SSL listeners of
 * infra/kafka/). lib/config.ts builds `config.kafka.security` here from the
 * KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_* and KAFKA_SSL_CA_FILE variables;
 * lib/kafka/client.ts (kafkajs) and lib/kafka/client-properties.ts (librdkafka,
 * for Airflow) both read it, so the rules are written once.
 */
import { configProblems, pemFromFile, secretFromFile } from './config-files';
import type { ParsedEnv } from './config-env';

export type ScramMechanism = 'scram-sha-512' | 'scram-sha-256';

/** One type per mechanism (kafkajs types each mechanism's options apart). */
export type KafkaSasl = {
  [M in ScramMechanism]: {
    /** kafkajs's spelling; librdkafka's is the upper-case one (lib/kafka/client-properties.ts). */
    mechanism: M;
    username: string;
    /** Read from KAFKA_SASL_PASSWORD_FILE at start-up; never logged (lib/logger.ts blanks `*.sasl.password`). */
    password: string;
  };
}[ScramMechanism];

export interface KafkaSsl {
  /** The CA certificates (PEM text) the brokers' certificates must chain to; unset: the system's CAs. */
  ca?: string;
  /** The file `ca` was read from (librdkafka reads the file itself). */
  caFile?: string;
}

export type KafkaSecurity = { protocol: 'PLAINTEXT' } | { protocol: 'SASL_SSL'; sasl: KafkaSasl; ssl: KafkaSsl };

type SecurityEnv = Pick<
  ParsedEnv,
  | 'KAFKA_SECURITY_PROTOCOL'
  | 'KAFKA_SASL_MECHANISM'
  | 'KAFKA_SASL_USERNAME'
  | 'KAFKA_SASL_PASSWORD_FILE'
  | 'KAFKA_SSL_CA_FILE'
>;

/** The settings that mean something only over SASL_SSL. */
const SECURED_ONLY = [
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD_FILE',
  'KAFKA_SSL_CA_FILE',
] as const satisfies (keyof SecurityEnv)[];

/**
 * `config.kafka.security`. Under PLAINTEXT a SASL or TLS setting is refused
 * rather than ignored: a deployment that sets a password but forgets the
 * protocol would otherwise talk to the brokers in clear.
 */
export function kafkaSecurity(env: SecurityEnv): KafkaSecurity {
  if (env.KAFKA_SECURITY_PROTOCOL === 'PLAINTEXT') {
    const stray = SECURED_ONLY.filter((name) => env[name] !== undefined);
    if (stray.length > 0) {
      configProblems(
        stray.map(
          (name) =>
            `${name}: set only with KAFKA_SECURITY_PROTOCOL=SASL_SSL (it is PLAINTEXT); unset it or secure the connection`,
        ),
      );
    }
    return { protocol: 'PLAINTEXT' };
  }
  const { KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD_FILE: passwordFile } = env;
  if (!username || !passwordFile) {
    const missing = [!username && 'KAFKA_SASL_USERNAME', !passwordFile && 'KAFKA_SASL_PASSWORD_FILE'].filter(Boolean);
    configProblems(missing.map((name) => `${name}: required with KAFKA_SECURITY_PROTOCOL=SASL_SSL`));
  }
  const caFile = env.KAFKA_SSL_CA_FILE;
  return {
    protocol: 'SASL_SSL',
    sasl: {
      mechanism: env.KAFKA_SASL_MECHANISM === 'SCRAM-SHA-256' ? 'scram-sha-256' : 'scram-sha-512',
      username,
      password: secretFromFile('KAFKA_SASL_PASSWORD_FILE', passwordFile),
    },
    ssl: caFile ? { ca: pemFromFile('KAFKA_SSL_CA_FILE', caFile), caFile } : {},
  };
}
