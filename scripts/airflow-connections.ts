/**
 * `node --import tsx scripts/airflow-connections.ts`: the Airflow connections
 * `redis_default` and `mongo_default`, built from the services' own settings
 * (REDIS_URL + REDIS_PASSWORD_FILE, MONGO_URL + MONGO_PASSWORD_FILE + MONGO_DB)
 * by the code that applies them for the services (lib/config.ts, lib/mongo.ts
 * `resolveMongoUrl`), so the password-file rules are written once. Prints
 * `AIRFLOW_CONN_REDIS_DEFAULT=<json>` and `AIRFLOW_CONN_MONGO_DEFAULT=<json>`
 * lines (Airflow's JSON connection format; redis_default is read by RedisHook);
 * infra/services/90-airflow.sh exports them. It prints passwords: never log it.
 */
import { loadConfigOrExit, type Config } from '../lib/config';
import { resolveMongoUrl } from '../lib/mongo';

/** An Airflow connection in its JSON form. */
export interface AirflowConnection {
  conn_type: string;
  host: string;
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

if (require.main === module) {
  const config = loadConfigOrExit();
  console.log(`AIRFLOW_CONN_REDIS_DEFAULT=${JSON.stringify(redisConnection(config))}`);
  console.log(`AIRFLOW_CONN_MONGO_DEFAULT=${JSON.stringify(mongoConnection(config))}`);
}
