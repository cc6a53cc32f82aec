/**
 * `node --import tsx scripts/airflow-connections.ts`: the Airflow connections
 * `redis_default`, `mongo_default` and `kafka_default`, built from the services'
 * own settings (REDIS_URL + REDIS_PASSWORD_FILE, MONGO_URL + MONGO_PASSWORD_FILE
 * + MONGO_DB, KAFKA_BROKERS) by the code that applies them for the services
 * (lib/config.ts, lib/mongo.ts `resolveMongoUrl`), so the rules are written
 * once. Prints `AIRFLOW_CONN_REDIS_DEFAULT=<json>`, `AIRFLOW_CONN_MONGO_DEFAULT=<json>`
 * and `AIRFLOW_CONN_KAFKA_DEFAULT=<json>` lines (Airflow's JSON connection
 * format; read by RedisHook, MongoHook and the Apache Kafka provider's
 * KafkaBaseHook, whose extra is a librdkafka config dict);
 * infra/services/90-airflow.sh exports them. It prints passwords: never log it.
 */
import { loadConfigOrExit, type Config } from '../lib/config';
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

/** kafka_default: the librdkafka settings of the services' Kafka, as the Apache Kafka provider reads them (its extra). */
export function kafkaConnection(config: Config): AirflowConnection {
  return { conn_type: 'kafka', extra: { 'bootstrap.servers': config.kafka.brokers.join(',') } };
}

if (require.main === module) {
  const config = loadConfigOrExit();
  console.log(`AIRFLOW_CONN_REDIS_DEFAULT=${JSON.stringify(redisConnection(config))}`);
  console.log(`AIRFLOW_CONN_MONGO_DEFAULT=${JSON.stringify(mongoConnection(config))}`);
  console.log(`AIRFLOW_CONN_KAFKA_DEFAULT=${JSON.stringify(kafkaConnection(config))}`);
}
