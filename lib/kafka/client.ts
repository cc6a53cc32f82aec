/**
 * The Kafka client every service builds from config: kafkajs with its logs sent
 * through pino (so one log format everywhere), and TLS with the SCRAM login when
 * config.kafka.security says SASL_SSL (lib/config-kafka.ts). No service builds
 * a `new Kafka` of its own.
 */
import { Kafka, logLevel as KafkaLogLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { Config, KafkaSecurity } from '../config';
import type { Logger } from '../logger';

const PINO_LEVEL: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

export interface KafkaClientOptions {
  /** Overrides the configured client id (one per service helps in broker logs). */
  clientId?: string;
  /** kafkajs settings to merge over ours (connection and request timeouts, retry). */
  overrides?: Partial<KafkaConfig>;
}

export function createKafka(config: Config['kafka'], log: Logger, options: KafkaClientOptions = {}): Kafka {
  const kafkaLog = log.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId ?? config.clientId,
    brokers: config.brokers,
    ...securityOptions(config.security),
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 10_000 },
    // kafkajs INFO is chatty (every join, every connection); keep its warnings and errors.
    logLevel: KafkaLogLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log: entry }: LogEntry) => {
        const { message, timestamp: _timestamp, logger: _logger, ...context } = entry;
        kafkaLog[PINO_LEVEL[level] ?? 'info']({ namespace, ...context }, message);
      },
    ...options.overrides,
  });
}

/** kafkajs's `ssl` and `sasl` for the configured security: the CA bundle when one is given, else the system's. */
export function securityOptions(security: KafkaSecurity): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  if (security.protocol === 'PLAINTEXT') return {};
  return { ssl: security.ssl.ca ? { ca: [security.ssl.ca] } : true, sasl: security.sasl };
}
