/**
 * The one module that reads the environment. Every variable is validated at
 * start-up; a bad environment fails with one message that names each problem
 * and how to fix it. Everything else receives the typed `Config`.
 *
 * Every variable has a default that works with `make up` on one machine, except
 * secrets (FOOT_TOKEN, ADMIN_PASSWORD), which stay unset unless given.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './errors';
import { redactUrl } from './redact';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const port = (fallback: number) => z.coerce.number().int().min(1).max(65_535).default(fallback);
const int = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);
const list = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    );
const hostPort = /^[A-Za-z0-9.\-_]+:\d{1,5}$/;
const topicName = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name (letters, digits, . _ -)');
const optionalSecret = z
  .string()
  .optional()
  .transform((value) => (value ? value : undefined));

/** The environment, variable by variable. Defaults are the single-machine values of docs/ARCHITECTURE.md §8. */
const EnvSchema = z.object({
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),

  KAFKA_BROKERS: list('127.0.0.1:9092,127.0.0.1:9093').refine(
    (brokers) => brokers.length > 0 && brokers.every((broker) => hostPort.test(broker)),
    'must be a comma-separated list of host:port, e.g. 127.0.0.1:9092,127.0.0.1:9093',
  ),
  KAFKA_CLIENT_ID: z.string().min(1).default('kafka-pipeline'),
  TOPIC_SOMEDATA: topicName.default('somedata'),
  TOPIC_FOOTDATA: topicName.default('footdata'),
  TOPIC_DLQ: topicName.default('pipeline.dlq'),
  TOPIC_PARTITIONS: int(3, 1, 1000),
  TOPIC_REPLICATION_FACTOR: int(2, 1, 10),

  MONGO_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a MongoDB connection string (mongodb://host:port)')
    .default('mongodb://127.0.0.1:27017'),
  MONGO_DB: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,63}$/, 'must be a database name (letters, digits, _ -)')
    .default('pipeline'),
  MONGO_PASSWORD_FILE: z.string().min(1).optional(),
  // Longer than the slowest bulk write (a few seconds on FerretDB), shorter than CONSUMER_SESSION_TIMEOUT_MS's
  // default so that a consumer stopping with the store paused still finishes its shutdown steps.
  MONGO_OPERATION_TIMEOUT_MS: int(10_000, 1_000, 120_000),

  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a Redis URL (redis://host:port)')
    .default('redis://127.0.0.1:6379'),
  // A file holding Redis's password (requirepass): put into REDIS_URL at start-up.
  REDIS_PASSWORD_FILE: z.string().min(1).optional(),

  API_PORT: port(5000),
  API_URL: z.url({ message: 'must be an http(s) URL' }).default('http://127.0.0.1:5000'),
  PUBLISH_LINGER_MS: int(5, 0, 1000),
  PUBLISH_MAX_BATCH: int(500, 1, 100_000),
  PUBLISH_MAX_BATCH_BYTES: int(1_000_000, 1_024, 100 * 1024 * 1024),
  PUBLISH_MAX_PENDING: int(10_000, 1, 1_000_000),
  PUBLISH_TIMEOUT_MS: int(5_000, 100, 120_000),
  // How long an Idempotency-Key of /somedata is remembered (producers/idempotency.ts): 1 min to 7 days.
  IDEMPOTENCY_TTL_SEC: int(86_400, 60, 604_800),

  FOOT_TOKEN: optionalSecret,
  FOOTBALL_API_URL: z.url({ message: 'must be an http(s) URL' }).default('https://api.football-data.org/v4'),
  FOOTBALL_CACHE_TTL_SEC: int(60, 1, 86_400),
  FOOTBALL_CALLS_PER_MINUTE: int(10, 1, 1000),
  FOOTBALL_TIMEOUT_MS: int(5_000, 100, 60_000),

  CONSUMER_PORT: port(1111),
  CONSUMER_GROUP: z.string().min(1).default('mongo-sink'),
  CONSUMER_MAX_RECORD_BYTES: int(512 * 1024, 1024, 64 * 1024 * 1024),
  // The brokers accept 6 s to 30 min; below 10 s the 3 s heartbeat and the 5 s
  // longest retry wait of a failing batch would cost the group membership.
  CONSUMER_SESSION_TIMEOUT_MS: int(30_000, 10_000, 300_000),
  CONSUMER_CONCURRENCY: int(3, 1, 64),
  // A footdata lastUpdated further than this after its producedAt is dead-lettered (0 to 7 days).
  CONSUMER_FUTURE_TOLERANCE_MS: int(3_600_000, 0, 604_800_000),
  FILTER_FOOT_COMPETITIONS: list(''),
  FILTER_FOOT_AREAS: list(''),

  ADMIN_PORT: port(3000),
  ADMIN_USER: z.string().min(1).default('admin'),
  ADMIN_PASSWORD: optionalSecret,
  ADMIN_PASSWORD_FILE: z.string().min(1).optional(),
  QUEUE_NAME: z.string().min(1).default('producer-jobs'),
  WORKER_CONCURRENCY: int(4, 1, 256),
  WORKER_PORT: port(3001),

  // Every Node service's HTTP server (lib/http/listen.ts). The host is loopback
  // like Kafka, Redis and FerretDB under `make up`; containers set 0.0.0.0.
  HTTP_HOST: z
    .union([z.ipv4(), z.ipv6(), z.hostname()], { error: 'must be an IP address or a host name' })
    .default('127.0.0.1'),
  HTTP_HEADERS_TIMEOUT_MS: int(10_000, 1_000, 120_000),
  HTTP_REQUEST_TIMEOUT_MS: int(30_000, 1_000, 600_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(5_000, 1_000, 600_000),
  HTTP_MAX_CONNECTIONS: int(1_000, 1, 100_000),
  READER_PORT: port(5001),
  READER_DLQ_GROUP: z.string().min(1).default('reader-dlq-index'),

  // The live page of the admin server (admin/server/live/): what its one poller reads, and how often.
  LIVE_POLL_MS: int(1_000, 200, 60_000),
  LIVE_READER_URL: z.url({ message: 'must be an http(s) URL' }).default('http://127.0.0.1:5001'),
  LIVE_CONSUMER_URL: z.url({ message: 'must be an http(s) URL' }).default('http://127.0.0.1:1111'),
  LIVE_WORKER_URL: z.url({ message: 'must be an http(s) URL' }).default('http://127.0.0.1:3001'),
  LIVE_AIRFLOW_URL: z.url({ message: 'must be an http(s) URL' }).default('http://127.0.0.1:8080'),
  // Where links on the page point (what a browser reaches), when it differs from LIVE_AIRFLOW_URL (containers).
  LIVE_AIRFLOW_PUBLIC_URL: z.url({ message: 'must be an http(s) URL' }).optional(),
  LIVE_AIRFLOW_USER: z.string().min(1).default('admin'),
  // Airflow's SimpleAuthManager passwords file (JSON {user: password}); unset, the page shows no DAG runs.
  LIVE_AIRFLOW_PASSWORDS_FILE: z.string().min(1).optional(),
});

export type Env = z.input<typeof EnvSchema>;

export interface Config {
  logLevel: (typeof LOG_LEVELS)[number];
  kafka: {
    brokers: string[];
    clientId: string;
    topics: { somedata: string; footdata: string; dlq: string };
    partitions: number;
    replicationFactor: number;
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
  };
  /** What every HTTP server applies (lib/http/listen.ts `listen`). */
  http: HttpServerSettings;
  /** The admin server (admin/server/): the BullMQ dashboard and the live page. */
  admin: {
    port: number;
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
    reader: { port: e.READER_PORT, dlqGroupId: e.READER_DLQ_GROUP },
    admin: {
      port: e.ADMIN_PORT,
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

function configProblem(problem: string): never {
  throw new ConfigError(`invalid configuration:\n  - ${problem}`, [problem]);
}

/** The secret in the file `variable` names (trimmed, as lib/mongo.ts reads MONGO_PASSWORD_FILE), if it names one. */
function secretFromFile(variable: string, path: string | undefined): string | undefined {
  if (!path) return undefined;
  let secret: string;
  try {
    secret = readFileSync(path, 'utf8').trim();
  } catch (error) {
    configProblem(`${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!secret) configProblem(`${variable}: ${path} is empty; write the password into it`);
  return secret;
}

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
