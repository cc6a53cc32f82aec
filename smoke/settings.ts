/**
 * Where the smoke test finds the stack: lib/config.ts's own variables, so one
 * environment serves the services and the smoke test alike. Unset, they are
 * the addresses of `make up`, and the secrets are the files the local stack
 * generates under .stack/ (used only when the environment names none):
 *
 *   API_URL                 the ingest API            http://127.0.0.1:5000
 *   LIVE_READER_URL         the read API              http://127.0.0.1:5001
 *   ADMIN_URL (or ADMIN_PORT on 127.0.0.1)  the live page and the BullMQ dashboard   http://127.0.0.1:3000
 *   ADMIN_USER, ADMIN_PASSWORD or ADMIN_PASSWORD_FILE            .stack/admin-password
 *   LIVE_AIRFLOW_URL        Airflow's REST API v2     http://127.0.0.1:8080
 *   LIVE_AIRFLOW_USER, LIVE_AIRFLOW_PASSWORDS_FILE ({user: password})
 *                                                     .stack/airflow/simple_auth_manager_passwords.json.generated
 *   MONGO_URL, MONGO_PASSWORD_FILE, MONGO_DB          mongodb://127.0.0.1:27017, pipeline
 *   KAFKA_BROKERS, TOPIC_SOMEDATA, TOPIC_DLQ          127.0.0.1:9092,127.0.0.1:9093
 *   REDIS_URL, REDIS_PASSWORD_FILE, QUEUE_NAME        redis://127.0.0.1:6379, .stack/redis-password
 *   STACK_DIR               where those default files live      .stack
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type Config } from '../lib/config';

const REPO_DIR = join(__dirname, '..');

export interface SmokeTarget {
  config: Config;
  /** The admin server (live page at /, dashboard at /admin/queues): ADMIN_URL. */
  adminUrl: string;
}

/** The environment with the local stack's secret files filled in where nothing else names a secret. */
export function withStackSecrets(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const stackDir = env.STACK_DIR || join(REPO_DIR, '.stack');
  const stackFile = (name: string) => (existsSync(join(stackDir, name)) ? join(stackDir, name) : undefined);
  const defaults: Record<string, string | undefined> = {};
  if (!env.ADMIN_PASSWORD && !env.ADMIN_PASSWORD_FILE) defaults.ADMIN_PASSWORD_FILE = stackFile('admin-password');
  if (!env.REDIS_PASSWORD_FILE && !env.REDIS_URL?.includes('@'))
    defaults.REDIS_PASSWORD_FILE = stackFile('redis-password');
  if (!env.LIVE_AIRFLOW_PASSWORDS_FILE)
    defaults.LIVE_AIRFLOW_PASSWORDS_FILE = stackFile('airflow/simple_auth_manager_passwords.json.generated');
  // The smoke test prints its own lines, with the clients' errors in them; their logs only when asked for.
  return { LOG_LEVEL: 'silent', ...defaults, ...env };
}

export function smokeTarget(env: Record<string, string | undefined> = process.env): SmokeTarget {
  const config = loadConfig(withStackSecrets(env));
  return { config, adminUrl: config.admin.url };
}
