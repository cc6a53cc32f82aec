/**
 * `node --import tsx scripts/airflow-connections.ts`: the Airflow connections
 * `redis_default`, `mongo_default` and `kafka_default`, built from the services'
 * own settings (REDIS_URL + REDIS_PASSWORD_FILE, MONGO_URL + MONGO_PASSWORD_FILE
 * + MONGO_DB, KAFKA_BROKERS + KAFKA_SECURITY_PROTOCOL + KAFKA_SASL_* +
 * KAFKA_SSL_CA_FILE) by the code that applies them for the services
 * (lib/config.ts, lib/mongo.ts `resolveMongoUrl`, lib/kafka/client-properties.ts
 * `librdkafkaProperties`), so the rules are written once. Prints
 * `AIRFLOW_CONN_REDIS_DEFAULT=<json>`, `AIRFLOW_CONN_MONGO_DEFAULT=<json>` and
 * `AIRFLOW_CONN_KAFKA_DEFAULT=<json>` lines (Airflow's JSON connection format;
 * read by RedisHook, MongoHook and the Apache Kafka provider, whose extra is a
 * librdkafka config dict); infra/services/90-airflow.sh exports them.
 *
 *   airflow-connections.ts kafka_default              that connection's JSON alone (e.g. for a Secret)
 *   airflow-connections.ts kafka_default --inline-ca  with the CA certificates in the connection
 *                                                     (`ssl.ca.pem`), for an Airflow that has not the CA file
 *
 * It prints passwords: never log its output.
 */
import { loadConfigOrExit, type Config } from '../lib/config';
import { librdkafkaProperties } from '../lib/kafka/client-properties';
import { resolveMongoUrl } from '../lib/mongo';

/** An Airflow connection in its JSON form. */
export interface AirflowConnection {
  conn_type: string;
  host?: string;
  port?: number;
  login?: string;
  password?: string;
  schema?: string;
  extra?: Record<string, string | number | boolean>;
}

function userinfo(url: URL): Pick<AirflowConnection, 'login' | 'password'> {
  return {
    ...(url.username && { login: decodeURIComponent(url.username) }),
    ...(url.password && { password: decodeURIComponent(url.password) }),
  };
}

export function redisConnection(config: Config): AirflowConnection {
  const url = new URL(config.redis.url);
  const db = Number(url.pathname.slice(1) || 0);
  return {
    conn_type: 'redis',
    host: url.hostname,
    port: Number(url.port || 6379),
    ...userinfo(url),
    extra: { db, ...(url.protocol === 'rediss:' && { ssl: true }) },
  };
}

export function mongoConnection(config: Config): AirflowConnection {
  const url = new URL(resolveMongoUrl(config.mongo));
  const srv = url.protocol === 'mongodb+srv:';
  return {
    conn_type: 'mongo',
    host: url.hostname,
    ...(!srv && { port: Number(url.port || 27017) }),
    ...userinfo(url),
    schema: config.mongo.db,
    extra: { ...Object.fromEntries(url.searchParams), ...(srv && { srv: true }) },
  };
}

/**
 * kafka_default: the services' Kafka settings in librdkafka's words, the extra
 * the Apache Kafka provider hands to confluent-kafka. `inlineCa`: the CA
 * certificates themselves (`ssl.ca.pem`) instead of the file's path.
 */
export function kafkaConnection(
  config: { kafka: Pick<Config['kafka'], 'brokers' | 'security'> },
  { inlineCa = false } = {},
): AirflowConnection {
  const { 'ssl.ca.location': caFile, ...extra } = librdkafkaProperties(config.kafka);
  const { security } = config.kafka;
  const ca = inlineCa && security.protocol === 'SASL_SSL' ? security.ssl.ca : undefined;
  return {
    conn_type: 'kafka',
    extra: { ...extra, ...(ca ? { 'ssl.ca.pem': ca } : caFile && { 'ssl.ca.location': caFile }) },
  };
}

const CONNECTIONS: Record<string, (config: Config, options: { inlineCa: boolean }) => AirflowConnection> = {
  redis_default: redisConnection,
  mongo_default: mongoConnection,
  kafka_default: kafkaConnection,
};

/** The lines to print for `args` (see the header); throws on an argument it does not know. */
export function connectionLines(config: Config, args: string[]): string[] {
  const inlineCa = args.includes('--inline-ca');
  const [name, ...rest] = args.filter((arg) => arg !== '--inline-ca');
  const chosen = Object.entries(CONNECTIONS).filter(([id]) => name === undefined || id === name);
  if (rest.length > 0 || chosen.length === 0) {
    throw new Error(`usage: airflow-connections.ts [${Object.keys(CONNECTIONS).join(' | ')}] [--inline-ca]`);
  }
  return chosen.map(([id, build]) => {
    const json = JSON.stringify(build(config, { inlineCa }));
    return name === undefined ? `AIRFLOW_CONN_${id.toUpperCase()}=${json}` : json;
  });
}

if (require.main === module) {
  const config = loadConfigOrExit();
  try {
    for (const line of connectionLines(config, process.argv.slice(2))) console.log(line);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
}
