/**
 * The environment, variable by variable: each one's type, bounds and default
 * (zod). lib/config.ts, the one module that reads the environment, validates
 * it against this schema and builds the typed `Config`; `.env.example` lists
 * the same names (lib/env-example.spec.ts keeps the two in step).
 */
import { z } from 'zod';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

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
// z.url() alone takes any scheme ("kafka-pipeline-admin:3000" parses as one): the services speak HTTP.
const httpUrl = () => z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });
const hostPort = /^[A-Za-z0-9.\-_]+:\d{1,5}$/;
const topicName = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name (letters, digits, . _ -)');
const optionalSecret = z
  .string()
  .optional()
  .transform((value) => (value ? value : undefined));

/** The environment, variable by variable. Defaults are the single-machine values of docs/ARCHITECTURE.md §8. */
export const EnvSchema = z.object({
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),

  KAFKA_BROKERS: list('127.0.0.1:9092,127.0.0.1:9093').refine(
    (brokers) => brokers.length > 0 && brokers.every((broker) => hostPort.test(broker)),
    'must be a comma-separated list of host:port, e.g. 127.0.0.1:9092,127.0.0.1:9093',
  ),
  KAFKA_CLIENT_ID: z.string().min(1).default('kafka-pipeline'),
  // Plaintext, or TLS with a SCRAM login; the SASL and TLS settings below are read only with SASL_SSL (lib/config-kafka.ts).
  KAFKA_SECURITY_PROTOCOL: z
    .enum(['PLAINTEXT', 'SASL_SSL'], { error: 'must be PLAINTEXT or SASL_SSL' })
    .default('PLAINTEXT'),
  // Default SCRAM-SHA-512; either case (Strimzi writes scram-sha-512).
  KAFKA_SASL_MECHANISM: z
    .string()
    .transform((value) => value.toUpperCase())
    .pipe(z.enum(['SCRAM-SHA-512', 'SCRAM-SHA-256'], { error: 'must be SCRAM-SHA-512 or SCRAM-SHA-256' }))
    .optional(),
  KAFKA_SASL_USERNAME: z
    .string()
    .regex(/^[^\s\p{Cc}]{1,255}$/u, 'must be a user name: 1 to 255 characters, no spaces or control characters')
    .optional(),
  // A file holding the SCRAM password, read at start-up like MONGO_PASSWORD_FILE.
  KAFKA_SASL_PASSWORD_FILE: z.string().min(1).optional(),
  // A PEM bundle of the CAs the brokers' certificates chain to; unset: the system's CAs.
  KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
  TOPIC_SOMEDATA: topicName.default('somedata'),
  TOPIC_FOOTDATA: topicName.default('footdata'),
  TOPIC_DLQ: topicName.default('pipeline.dlq'),
  TOPIC_PARTITIONS: int(3, 1, 1000),
  TOPIC_REPLICATION_FACTOR: int(2, 1, 10),
  // create: every service creates the missing topics at start-up. verify: none does; each checks the topics
  // against pipelineTopics() and stays unready while they differ (a topic operator owns them, deploy/).
  KAFKA_TOPICS_MODE: z.enum(['create', 'verify'], { error: 'must be create or verify' }).default('create'),

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
  API_URL: httpUrl().default('http://127.0.0.1:5000'),
  PUBLISH_LINGER_MS: int(5, 0, 1000),
  PUBLISH_MAX_BATCH: int(500, 1, 100_000),
  PUBLISH_MAX_BATCH_BYTES: int(1_000_000, 1_024, 100 * 1024 * 1024),
  PUBLISH_MAX_PENDING: int(10_000, 1, 1_000_000),
  PUBLISH_TIMEOUT_MS: int(5_000, 100, 120_000),
  // How long an Idempotency-Key of /somedata is remembered (producers/idempotency.ts): 1 min to 7 days.
  IDEMPOTENCY_TTL_SEC: int(86_400, 60, 604_800),

  FOOT_TOKEN: optionalSecret,
  FOOTBALL_API_URL: httpUrl().default('https://api.football-data.org/v4'),
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
  // Where another process reaches the admin server (the smoke test in a cluster); default: 127.0.0.1 on ADMIN_PORT.
  ADMIN_URL: httpUrl().optional(),
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
  // In-memory views of what the read routes list (reader/views.ts): on, off, or auto (on for FerretDB).
  READER_VIEWS: z.enum(['auto', 'on', 'off'], { error: 'must be auto, on or off' }).default('auto'),
  // Short enough that the live page shows a match update within 2 s (admin/server/live/section-reads.ts).
  READER_VIEW_REFRESH_MS: int(500, 200, 60_000),

  // The live page of the admin server (admin/server/live/): what its one poller reads, and how often.
  LIVE_POLL_MS: int(1_000, 200, 60_000),
  LIVE_READER_URL: httpUrl().default('http://127.0.0.1:5001'),
  LIVE_CONSUMER_URL: httpUrl().default('http://127.0.0.1:1111'),
  LIVE_WORKER_URL: httpUrl().default('http://127.0.0.1:3001'),
  LIVE_AIRFLOW_URL: httpUrl().default('http://127.0.0.1:8080'),
  // Where links on the page point (what a browser reaches), when it differs from LIVE_AIRFLOW_URL (containers).
  LIVE_AIRFLOW_PUBLIC_URL: httpUrl().optional(),
  LIVE_AIRFLOW_USER: z.string().min(1).default('admin'),
  // Airflow's SimpleAuthManager passwords file (JSON {user: password}); unset, the page shows no DAG runs.
  LIVE_AIRFLOW_PASSWORDS_FILE: z.string().min(1).optional(),
});

/** The environment once validated: what lib/config.ts builds the typed `Config` from. */
export type ParsedEnv = z.output<typeof EnvSchema>;
