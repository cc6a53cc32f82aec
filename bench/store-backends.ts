/**
 * The stores a benchmark can run against (`--backends sqlite,postgresql` of
 * bench/run.ts): FerretDB on SQLite is the local stack's own (MONGO_URL, the
 * ferretdb service); FerretDB on PostgreSQL is a second stack of just
 * `postgres ferretdb` (infra/stack.sh with STORE_BACKEND=postgresql) in its own
 * state folder, $STACK_DIR/bench-postgresql, on free ports: started for one
 * benchmark run and stopped after it, so the shared stack is never touched.
 * Its cluster stays in that folder between runs (initdb once); each benchmark
 * drops the databases it made.
 *
 * A benchmark module takes a StoreUnderTest and uses `store.url` as MONGO_URL
 * and `store.pids` for cpuMeter (bench/support.ts).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../harness/consumer';
import { testConfig } from '../harness/env';
import { REPO_DIR, STACK_DIR } from '../harness/stack';
import { stackPid } from './support';

const run = promisify(execFile);

export const BACKENDS = ['sqlite', 'postgresql'] as const;
export type Backend = (typeof BACKENDS)[number];

export interface StoreUnderTest {
  backend: Backend;
  /** The MongoDB connection string of its FerretDB. */
  url: string;
  /** The store's processes (FerretDB, and PostgreSQL's postmaster with its backends), for cpuMeter. */
  pids: Record<string, number | undefined>;
}

/** `sqlite,postgresql` → the backends, validated. */
export function parseBackends(text: string): Backend[] {
  const names = text.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(BACKENDS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown store backend ${unknown.join(', ')}; known: ${BACKENDS.join(', ')}`);
  return names as Backend[];
}

/** The state folder of the PostgreSQL store's stack (ignored by git: inside STACK_DIR). */
export const POSTGRES_STACK_DIR = join(STACK_DIR, 'bench-postgresql');

function pidIn(stackDir: string, service: string): number | undefined {
  try {
    return Number(readFileSync(join(stackDir, 'run', `${service}.pid`), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

async function stackSh(env: Record<string, string>, ...args: string[]): Promise<void> {
  await run('bash', [join(REPO_DIR, 'infra', 'stack.sh'), ...args], {
    cwd: REPO_DIR,
    env: { ...process.env, ...env },
    timeout: 180_000,
  });
}

/** Start FerretDB on PostgreSQL on free ports (stopping a leftover one first); `stop` ends both. */
export async function startPostgresStore(): Promise<StoreUnderTest & { stop(): Promise<void> }> {
  const [mongoPort, postgresPort] = [await freePort(), await freePort()];
  const env = {
    STACK_DIR: POSTGRES_STACK_DIR,
    STORE_BACKEND: 'postgresql',
    POSTGRES_PORT: String(postgresPort),
    MONGO_URL: `mongodb://127.0.0.1:${mongoPort}`,
  };
  await stackSh(env, 'down', 'ferretdb', 'postgres');
  await stackSh(env, 'up', 'postgres', 'ferretdb');
  return {
    backend: 'postgresql',
    url: env.MONGO_URL,
    pids: { ferretdb: pidIn(POSTGRES_STACK_DIR, 'ferretdb'), postgres: pidIn(POSTGRES_STACK_DIR, 'postgres') },
    stop: () => stackSh(env, 'down', 'ferretdb', 'postgres'),
  };
}

/** Run `fn` against the store of `backend`: the stack's own, or a PostgreSQL one started for it. */
export async function withStore<T>(backend: Backend, fn: (store: StoreUnderTest) => Promise<T>): Promise<T> {
  if (backend === 'sqlite')
    return fn({ backend, url: testConfig().mongo.url, pids: { ferretdb: stackPid('ferretdb') } });
  const store = await startPostgresStore();
  try {
    return await fn(store);
  } finally {
    await store.stop();
  }
}
