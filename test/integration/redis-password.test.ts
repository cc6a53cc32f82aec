/**
 * The stack's Redis requires a password, and everything that talks to it uses
 * that password: the workers, the admin server and its dashboard, Airflow's
 * connection. Runs its own Redis through infra/stack.sh (a state folder and a
 * port of its own), so the shared Redis on :6379 is never touched.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from '../../harness/consumer';
import { eventually, freshName } from '../../harness/env';
import { killServices, startService, waitUntilAnswers } from '../../harness/processes';
import { REPO_DIR, STACK_DIR as SHARED_STACK_DIR } from '../../harness/stack';

const run = promisify(execFile);
let stackDir: string;
let redisUrl: string;
let env: Record<string, string>;

async function stack(...args: string[]): Promise<string> {
  const { stdout } = await run('bash', [join(REPO_DIR, 'infra', 'stack.sh'), ...args], { env, timeout: 60_000 });
  return stdout;
}

beforeAll(async () => {
  stackDir = mkdtempSync(join(tmpdir(), 'redis-password-'));
  redisUrl = `redis://127.0.0.1:${await freePort()}`;
  const { REDIS_PASSWORD_FILE: _ignored, ...inherited } = process.env as Record<string, string>;
  env = { ...inherited, STACK_DIR: stackDir, REDIS_URL: redisUrl };
  await stack('up', 'redis');
}, 90_000);

afterAll(async () => {
  await killServices();
  await stack('down', 'redis').catch(() => undefined);
  rmSync(stackDir, { recursive: true, force: true });
}, 60_000);

const passwordFile = () => join(stackDir, 'redis-password');
const password = () => readFileSync(passwordFile(), 'utf8').trim();

it('generates its password on the first start into a file only its owner reads, and keeps it off the command line', async () => {
  expect(statSync(passwordFile()).mode & 0o777).toBe(0o600);
  expect(password()).toMatch(/^[A-Za-z0-9_-]{32}$/);
  expect(statSync(join(stackDir, 'data', 'redis', 'redis.conf')).mode & 0o777).toBe(0o600);
  const { stdout } = await run('ps', ['-eo', 'args=']);
  expect(stdout).not.toContain(password());
  expect(SHARED_STACK_DIR).not.toBe(stackDir);
});

it('refuses clients without the password, answers those with it', async () => {
  const anonymous = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  anonymous.on('error', () => undefined);
  await expect(anonymous.ping()).rejects.toThrow(/NOAUTH/);
  anonymous.disconnect();
  const withPassword = new Redis(redisUrl, { password: password(), lazyConnect: true });
  await expect(withPassword.ping()).resolves.toBe('PONG');
  await withPassword.quit();
});

it('keeps the password across a restart', async () => {
  const before = password();
  await stack('down', 'redis');
  await stack('up', 'redis');
  expect(password()).toBe(before);
});

it('the workers and the admin server (its dashboard included) reach it with the environment stack.sh gives them', async () => {
  // What infra/services/80-workers.sh and 81-admin.sh export (stack_redis_env).
  const serviceEnv = { REDIS_URL: redisUrl, REDIS_PASSWORD_FILE: passwordFile(), QUEUE_NAME: freshName('pw-queue') };
  const adminPort = await freePort();
  const admin = startService('admin/server/main.ts', {
    ...serviceEnv,
    ADMIN_PORT: String(adminPort),
    ADMIN_PASSWORD: 'dashboard-pass',
    LOG_LEVEL: 'warn',
  });
  const workerPort = await freePort();
  const workers = startService('workers/main.ts', {
    ...serviceEnv,
    WORKER_PORT: String(workerPort),
    LOG_LEVEL: 'warn',
  });
  await waitUntilAnswers(`http://127.0.0.1:${adminPort}/healthz`, admin);
  await waitUntilAnswers(`http://127.0.0.1:${workerPort}/healthz`, workers);

  // Ready = Redis answers (the worker's also waits for its Kafka producer, hence the polling).
  const ready = (port: number) => async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
  await eventually(ready(adminPort), 'the admin server ready');
  await eventually(ready(workerPort), 'the workers ready');
  const authorization = `Basic ${Buffer.from('admin:dashboard-pass').toString('base64')}`;
  const dashboard = await fetch(`http://127.0.0.1:${adminPort}/admin/queues/api/queues`, {
    headers: { authorization },
  });
  expect(dashboard.status).toBe(200);
  expect(admin.output() + workers.output()).not.toContain(password());
}, 90_000);

it("Airflow's connection (infra/services/90-airflow.sh airflow_env) carries the password", async () => {
  const script = `source ${join(REPO_DIR, 'infra', 'services', '90-airflow.sh')}; airflow_env; printf %s "$AIRFLOW_CONN_REDIS_DEFAULT"`;
  const { stdout } = await run('bash', ['-c', script], {
    env: { ...env, REPO_DIR, INFRA_DIR: join(REPO_DIR, 'infra') },
  });
  // Airflow's JSON connection form (scripts/airflow-connections.ts), as RedisHook reads it.
  const connection = JSON.parse(stdout) as { conn_type: string; host: string; port: number; password?: string };
  expect(connection).toMatchObject({ conn_type: 'redis', password: password() });
  const client = new Redis({
    host: connection.host,
    port: connection.port,
    password: connection.password,
    lazyConnect: true,
  });
  await expect(client.ping()).resolves.toBe('PONG');
  await client.quit();
});
