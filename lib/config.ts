/**
 * The one module that reads the environment. Every variable is validated at
 * start-up; a bad environment fails with one message that names each problem
 * and how to fix it. Everything else receives the typed `Config`.
 *
 * Every variable has a default that works with `make up` on one machine, except
 * secrets (FOOT_TOKEN, ADMIN_PASSWORD), which stay unset unless given.
 */
import { z } from 'zod';
import { ConfigError } from './errors';
import { EnvSchema, LOG_LEVELS } from './config-env';
import { configProblem, secretFromFile } from './config-files';
import { kafkaSecurity, type KafkaSecurity } from './config-kafka';
import { redactUrl } from './redact';

export type Env = z.input<typeof EnvSchema>;
export type { KafkaSecurity } from './config-kafka';

export interface Config {
  logLevel: (typeof LOG_LEVELS)[number];
  kafka: {
    brokers: string[];
    clientId: string;
    topics: { somedata: string; footdata: string; dlq: string };
    partitions: number;
    replicationFactor: number;
    /** Plaintext, or TLS + SCRAM (lib/config-kafka.ts). */
    security: KafkaSecurity;
    /** create: services create missing topics at start-up; verify: they only check them (lib/kafka/topic-check.ts). */
    topicsMode: 'create' | 'verify';
  };
  mongo: {
    url: string;
    db: string;
    passwordFile?: string;
    /** Longest wait for a connection from the pool, and for each answer on it, in ms. */
    operationTimeoutMs?: number;
  };
  redis: { url: string };
  api: {
    port: number;
    url: string;
    publish: { lingerMs: number; maxBatch: number; maxBatchBytes: number; maxPending: number; timeoutMs: number };
    /** How long an Idempotency-Key is remembered from its first use, in seconds. */
    idempotencyTtlSec: number;
  };
  football: { apiUrl: string; token?: string; cacheTtlSec: number; callsPerMinute: number; timeoutMs: number };
  consumer: {
    port: number;
    groupId: string;
    maxRecordBytes: number;
    /** The group forgets a member silent this long, in ms. */
    sessionTimeoutMs: number;
    /** Partitions handled at once, one batch each. */
    concurrency: number;
    /** How far a footdata lastUpdated may lie after its producedAt, in ms. */
    futureToleranceMs: number;
    filter: { competitions: string[]; areas: string[] };
  };
  workers: {
    queueName: string;
    concurrency: number;
    /** The worker process's own health/metrics port. */
    port: number;
  };
  /** The read API (reader/). */
  reader: {
    port: number;
    /** The consumer group that copies dead letters into the `dead_letters` collection. */
    dlqGroupId: string;
    /** Whether the routes read in-memory views of the store (reader/views.ts); auto: when the store is FerretDB. */
    views: 'auto' | 'on' | 'off';
    /** How often a view is brought up to date (reader/views.ts; the hourly insights' view: 30 times less often). */
    viewRefreshMs: number;
  };
  /** What every HTTP server applies (lib/http/listen.ts `listen`). */
  http: HttpServerSettings;
  /** The admin server (admin/server/): the BullMQ dashboard and the live page. */
  admin: {
    port: number;
    /** Where another process reaches it (ADMIN_URL; the smoke test). */
    url: string;
    user: string;
    password?: string;
    /** The live page (admin/server/live/, admin/page/): the services its poller reads. */
    live: LiveSettings;
  };
}

export interface LiveSettings {
  pollMs: number;
  readerUrl: string;
  consumerUrl: string;
  workerUrl: string;
  airflowUrl: string;
  /** The Airflow UI's address as a browser reaches it (links on the page); default: airflowUrl. */
  airflowPublicUrl: string;
  airflowUser: string;
  /** SimpleAuthManager's passwords file; without it no DAG runs are read. */
  airflowPasswordsFile?: string;
}

export interface HttpServerSettings {
  /** The interface to listen on (HTTP_HOST). */
  host: string;
  /** A request's headers must arrive within this long, in ms, or the connection is closed (slow clients). */
  headersTimeoutMs: number;
  /** A whole request must arrive within this long, in ms (at least headersTimeoutMs). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long, in ms. */
  keepAliveTimeoutMs: number;
  /** Connections open at once at most; more are closed as they arrive. */
  maxConnections: number;
}

/** Names of the variables, for `.env.example` checks and docs. */
export const ENV_VARIABLES = Object.keys(EnvSchema.shape) as (keyof Env)[];

/**
 * Validate `env` (default: process.env) and build the typed config.
 * Throws a ConfigError naming every missing or invalid variable.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty string means "unset" for optional settings, as in most .env tooling.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const got = name in present ? ` (got ${JSON.stringify(redactIfSecret(name, present[name]))})` : '';
      return `${name}: ${issue.message}${got}`;
    });
    throw new ConfigError(
      `invalid configuration:\n  - ${problems.join('\n  - ')}\nSet these variables in the environment (see .env.example for every name and default).`,
      problems,
    );
  }
  const e = parsed.data;
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    configProblem(
      `HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS (got ${e.HTTP_HEADERS_TIMEOUT_MS} > ${e.HTTP_REQUEST_TIMEOUT_MS}); the headers are part of the request`,
    );
  }
  const adminPassword = e.ADMIN_PASSWORD ?? secretFromFile('ADMIN_PASSWORD_FILE', e.ADMIN_PASSWORD_FILE);
  if (e.ADMIN_PASSWORD && e.ADMIN_PASSWORD_FILE) {
    configProblem('ADMIN_PASSWORD_FILE: ADMIN_PASSWORD is set too; give the password in one place');
  }
  return {
    logLevel: e.LOG_LEVEL,
    kafka: {
      brokers: e.KAFKA_BROKERS,
      clientId: e.KAFKA_CLIENT_ID,
      topics: { somedata: e.TOPIC_SOMEDATA, footdata: e.TOPIC_FOOTDATA, dlq: e.TOPIC_DLQ },
      partitions: e.TOPIC_PARTITIONS,
      replicationFactor: e.TOPIC_REPLICATION_FACTOR,
      security: kafkaSecurity(e),
      topicsMode: e.KAFKA_TOPICS_MODE,
    },
    mongo: {
      url: e.MONGO_URL,
      db: e.MONGO_DB,
      ...(e.MONGO_PASSWORD_FILE && { passwordFile: e.MONGO_PASSWORD_FILE }),
      operationTimeoutMs: e.MONGO_OPERATION_TIMEOUT_MS,
    },
    redis: { url: withRedisPassword(e.REDIS_URL, secretFromFile('REDIS_PASSWORD_FILE', e.REDIS_PASSWORD_FILE)) },
    api: {
      port: e.API_PORT,
      url: e.API_URL.replace(/\/+$/, ''),
      publish: {
        lingerMs: e.PUBLISH_LINGER_MS,
        maxBatch: e.PUBLISH_MAX_BATCH,
        maxBatchBytes: e.PUBLISH_MAX_BATCH_BYTES,
        maxPending: e.PUBLISH_MAX_PENDING,
        timeoutMs: e.PUBLISH_TIMEOUT_MS,
      },
      idempotencyTtlSec: e.IDEMPOTENCY_TTL_SEC,
    },
    football: {
      apiUrl: e.FOOTBALL_API_URL.replace(/\/+$/, ''),
      ...(e.FOOT_TOKEN && { token: e.FOOT_TOKEN }),
      cacheTtlSec: e.FOOTBALL_CACHE_TTL_SEC,
      callsPerMinute: e.FOOTBALL_CALLS_PER_MINUTE,
      timeoutMs: e.FOOTBALL_TIMEOUT_MS,
    },
    consumer: {
      port: e.CONSUMER_PORT,
      groupId: e.CONSUMER_GROUP,
      maxRecordBytes: e.CONSUMER_MAX_RECORD_BYTES,
      sessionTimeoutMs: e.CONSUMER_SESSION_TIMEOUT_MS,
      concurrency: e.CONSUMER_CONCURRENCY,
      futureToleranceMs: e.CONSUMER_FUTURE_TOLERANCE_MS,
      filter: { competitions: e.FILTER_FOOT_COMPETITIONS, areas: e.FILTER_FOOT_AREAS },
    },
    workers: {
      queueName: e.QUEUE_NAME,
      concurrency: e.WORKER_CONCURRENCY,
      port: e.WORKER_PORT,
    },
    http: {
      host: e.HTTP_HOST,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.HTTP_MAX_CONNECTIONS,
    },
    reader: {
      port: e.READER_PORT,
      dlqGroupId: e.READER_DLQ_GROUP,
      views: e.READER_VIEWS,
      viewRefreshMs: e.READER_VIEW_REFRESH_MS,
    },
    admin: {
      port: e.ADMIN_PORT,
      url: trimSlash(e.ADMIN_URL ?? `http://127.0.0.1:${e.ADMIN_PORT}`),
      user: e.ADMIN_USER,
      ...(adminPassword && { password: adminPassword }),
      live: {
        pollMs: e.LIVE_POLL_MS,
        readerUrl: trimSlash(e.LIVE_READER_URL),
        consumerUrl: trimSlash(e.LIVE_CONSUMER_URL),
        workerUrl: trimSlash(e.LIVE_WORKER_URL),
        airflowUrl: trimSlash(e.LIVE_AIRFLOW_URL),
        airflowPublicUrl: trimSlash(e.LIVE_AIRFLOW_PUBLIC_URL ?? e.LIVE_AIRFLOW_URL),
        airflowUser: e.LIVE_AIRFLOW_USER,
        ...(e.LIVE_AIRFLOW_PASSWORDS_FILE && { airflowPasswordsFile: e.LIVE_AIRFLOW_PASSWORDS_FILE }),
      },
    },
  };
}

/**
 * For entry points: load the config or print the problems (no stack trace) and exit 1.
 */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** REDIS_URL with the password of REDIS_PASSWORD_FILE, percent-encoded (ioredis and redis-py decode it). */
function withRedisPassword(redisUrl: string, password: string | undefined): string {
  if (password === undefined) return redisUrl;
  const url = new URL(redisUrl);
  if (url.password) configProblem('REDIS_PASSWORD_FILE: REDIS_URL already carries a password; give it in one place');
  url.password = encodeURIComponent(password);
  return url.toString();
}

const SECRET_NAMES = /TOKEN|PASSWORD|SECRET/;
function redactIfSecret(name: string, value: unknown): unknown {
  if (SECRET_NAMES.test(name)) return '[redacted]';
  return typeof value === 'string' ? redactUrl(value) : value;
}
