/**
 * `npm run smoke`: one smoke test for every way the stack runs (`make up`,
 * `docker compose up`, the chart on a cluster behind port-forwards). It only
 * talks to the stack from outside, at the addresses and with the secrets of
 * the environment (smoke/settings.ts; unset: the local stack's), and checks:
 *
 *   1. a somedata call is stored once in MongoDB (sent twice with one Idempotency-Key);
 *   2. the read API's /events/:eventId says it is stored, where Kafka put it;
 *   3. the live page and the BullMQ dashboard refuse without credentials and answer with them;
 *   4. a poison record written to Kafka ends in the DLQ with its reason;
 *   5. a footdata poll (a job through the workers) is stored;
 *   6. a DAG run triggered through Airflow's REST API v2 succeeds, its events found by run id.
 *
 * One line per step, its outcome and what it saw; every step runs even when
 * one before failed. Exit 0 when all passed, 1 when one failed, 2 when the
 * environment is invalid.
 */
import { MongoClient } from 'mongodb';
import { ConfigError } from '../lib/errors';
import { createMongoClient } from '../lib/mongo';
import { redactUrl } from '../lib/redact';
import { dagRunStored } from './dag-run';
import { smokeTarget, type SmokeTarget } from './settings';
import {
  dashboardsNeedCredentials,
  footdataPollStored,
  poisonDeadLettered,
  readApiSaysStored,
  SmokeFailure,
  somedataStoredOnce,
  type SmokeContext,
  within,
} from './steps';

interface Step {
  title: string;
  run: (ctx: SmokeContext) => Promise<string>;
  /** A step that has not ended by then fails (a service that accepts connections and never answers). */
  timeoutMs: number;
}

const STEPS: Step[] = [
  { title: 'a somedata call is stored once in MongoDB', run: somedataStoredOnce, timeoutMs: 90_000 },
  { title: "the read API's /events/:eventId says stored", run: readApiSaysStored, timeoutMs: 30_000 },
  {
    title: 'the live page and the dashboard refuse without credentials, answer with them',
    run: dashboardsNeedCredentials,
    timeoutMs: 60_000,
  },
  { title: 'a poison record ends in the DLQ with its reason', run: poisonDeadLettered, timeoutMs: 120_000 },
  { title: 'a footdata poll is stored', run: footdataPollStored, timeoutMs: 240_000 },
  {
    title: "a DAG run triggered through Airflow's REST API v2 succeeds, its events found by run id",
    run: dagRunStored,
    timeoutMs: 10 * 60_000,
  },
];

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** What went wrong, in one line, never with a password in it. */
function describe(error: unknown): string {
  const message =
    error instanceof SmokeFailure ? error.message : `${(error as Error)?.name}: ${(error as Error)?.message}`;
  return redactUrl(message ?? String(error));
}

function printTarget({ config, adminUrl }: SmokeTarget): void {
  const { api, admin, mongo, kafka, redis } = config;
  const { live } = admin;
  console.log(
    `smoke: API ${api.url}, read API ${live.readerUrl}, admin ${adminUrl}, Airflow ${live.airflowUrl}, ` +
      `MongoDB ${redactUrl(mongo.url)} (database ${mongo.db}), Kafka ${kafka.brokers.join(',')}, Redis ${redactUrl(redis.url)}`,
  );
}

async function main(): Promise<number> {
  let target: SmokeTarget;
  try {
    target = smokeTarget();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`smoke: ${error.message}`);
    return 2;
  }
  printTarget(target);
  const started = Date.now();
  let mongo: MongoClient | undefined;
  let failed = 0;
  try {
    mongo = createMongoClient(target.config.mongo);
    const ctx: SmokeContext = { ...target, db: mongo.db(target.config.mongo.db) };
    for (const [index, step] of STEPS.entries()) {
      const stepStarted = Date.now();
      const label = `[${index + 1}/${STEPS.length}] ${step.title}`;
      try {
        const saw = await within(step.run(ctx), step.timeoutMs, () => `no outcome within ${seconds(step.timeoutMs)}`);
        console.log(`${label}: ok (${seconds(Date.now() - stepStarted)})\n      ${saw}`);
      } catch (error) {
        failed++;
        console.log(`${label}: FAILED (${seconds(Date.now() - stepStarted)})\n      ${describe(error)}`);
      }
    }
  } catch (error) {
    // Only the connection string can fail here (MONGO_PASSWORD_FILE unreadable): nothing ran.
    console.error(`smoke: ${describe(error)}`);
    return 2;
  } finally {
    await mongo?.close().catch(() => undefined);
  }
  console.log(
    `smoke: ${STEPS.length - failed} passed, ${failed} failed (${seconds(Date.now() - started)})` +
      (failed ? ': see the FAILED steps above' : ''),
  );
  return failed ? 1 : 0;
}

// Exit with the outcome even if a client left a reconnect timer behind (a step that timed out).
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`smoke: ${describe(error)}`);
    process.exit(1);
  },
);
