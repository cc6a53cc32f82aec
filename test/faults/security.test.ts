/**
 * Fault 7: security checks on the running system.
 *
 * - The dashboard (admin, :3000) and Airflow (:8080) refuse unauthenticated
 *   and wrongly authenticated access (401/403).
 * - No secret reaches a log line: the API runs (as a process, debug logs) with
 *   a FOOT_TOKEN against the fake football-data server, through its failure
 *   modes too; the admin runs with a password and gets right and wrong
 *   credentials, on a private redis-server with a password (`--requirepass`,
 *   given in REDIS_URL); the tools that print settings or Redis errors
 *   (`npm run config:check`, `npm run job` while its Redis is unreachable)
 *   run with that REDIS_URL; a bad configuration is refused with those
 *   secrets set. Their captured output and every log of the stack
 *   (.stack/logs/*.log, and Airflow's task logs) are searched for the token,
 *   the passwords (the test admin's, the Redis one, the stack admin's
 *   .stack/admin-password, Airflow's generated ones), their Basic-auth
 *   encodings and Airflow's JWT secret.
 * - The compose stack's MongoDB runs with authentication: checked where the
 *   compose file is checked, test/compose/compose.test.ts ("runs MongoDB with
 *   authentication: root password from the secret file, never a plain variable").
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AIRFLOW_URL, airflowHealthy, airflowPasswords } from '../../harness/airflow';
import { freePort } from '../../harness/consumer';
import { testConfig } from '../../harness/env';
import { startFakeFootballData, type FakeFootballData } from '../../harness/fake-football-data';
import { reportScenario } from '../../harness/faults';
import { killServices, startService, waitUntilAnswers } from '../../harness/processes';
import { freshTopics, producersEnv, type TopicsUnderTest } from '../../harness/producers';
import { privateRedis, type PrivateRedis } from '../../harness/redis-server';
import { REPO_DIR, STACK_DIR } from '../../harness/stack';

jest.setTimeout(120_000);

const config = testConfig();
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const secret = (label: string) => `${label}-${randomBytes(12).toString('base64url')}`;

let fake: FakeFootballData | undefined;
let topics: TopicsUnderTest | undefined;
let redis: PrivateRedis | undefined;
afterAll(async () => {
  await killServices();
  await fake?.close();
  await topics?.drop();
  await redis?.stop();
});

/** Run a command-line tool for `ms` at most (SIGINT then), with `env`: everything it printed. */
function runFor(entry: string, args: string[], env: Record<string, string>, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
      cwd: REPO_DIR,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += String(chunk)));
    child.stderr.on('data', (chunk) => (output += String(chunk)));
    const timer = setTimeout(() => child.kill('SIGINT'), ms);
    const killer = setTimeout(() => child.kill('SIGKILL'), ms + 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      clearTimeout(killer);
      resolve(output);
    });
  });
}

describe('authentication', () => {
  it('the dashboard refuses unauthenticated and wrong credentials', async () => {
    const base = `http://127.0.0.1:${config.admin.port}`;
    const stackPassword = readFileSync(join(STACK_DIR, 'admin-password'), 'utf8').trim();
    const refused: Record<string, number> = {};
    for (const [label, authorization] of [
      ['none', undefined],
      ['wrong password', basic(config.admin.user, 'not-the-password')],
      ['wrong user', basic('root', stackPassword)],
      ['not basic', `Bearer ${stackPassword}`],
    ] as const)
      for (const path of ['/admin/queues', '/admin/queues/api/queues', '/admin/queues/queue/producer-jobs']) {
        const response = await fetch(`${base}${path}`, { headers: authorization ? { authorization } : {} });
        refused[`${label} ${path}`] = response.status;
      }
    expect(Object.entries(refused).filter(([, status]) => status !== 401)).toEqual([]);
    // The right credentials do open it (so the 401s above are about authentication, not a broken server).
    const ok = await fetch(`${base}/admin/queues/api/queues`, {
      headers: { authorization: basic(config.admin.user, stackPassword) },
    });
    expect(ok.status).toBe(200);
  });

  it('Airflow refuses unauthenticated and wrong credentials', async () => {
    if (!(await airflowHealthy()))
      throw new Error(`Airflow is not healthy at ${AIRFLOW_URL}: bash infra/stack.sh up airflow`);
    const statuses: Record<string, number> = {};
    for (const [label, headers] of [
      ['no token', {}],
      ['bogus token', { authorization: 'Bearer not.a.jwt' }],
      ['basic auth', { authorization: basic('admin', airflowPasswords().admin!) }],
    ] as const) {
      statuses[`${label} GET dags`] = (await fetch(`${AIRFLOW_URL}/api/v2/dags`, { headers })).status;
      statuses[`${label} POST dagRuns`] = (
        await fetch(`${AIRFLOW_URL}/api/v2/dags/kafka_pipeline/dagRuns`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ logical_date: null }),
        })
      ).status;
    }
    statuses['wrong password POST auth/token'] = (
      await fetch(`${AIRFLOW_URL}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'not-the-password' }),
      })
    ).status;
    expect(Object.entries(statuses).filter(([, status]) => status !== 401 && status !== 403)).toEqual([]);
  });
});

/** Files under `dir` (recursively) whose name matches, at most 20 MB each. */
function logFiles(dir: string, name: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((file) => join(dir, file))
    .filter((file) => name.test(file) && statSync(file).isFile() && statSync(file).size < 20 * 1024 * 1024);
}

it('no secret appears in any log line of a full run', async () => {
  const footToken = secret('foot');
  const adminPassword = secret('admin');
  const redisPassword = secret('redis');
  redis = await privateRedis({ password: redisPassword });
  fake = await startFakeFootballData({ token: footToken });
  topics = await freshTopics();

  // The API with a real token against the fake upstream, debug logs, through the upstream's failure modes.
  const apiPort = await freePort();
  const api = startService('producers/main.ts', {
    ...producersEnv(topics.config, apiPort),
    FOOT_TOKEN: footToken,
    FOOTBALL_API_URL: fake.url,
    FOOTBALL_CACHE_TTL_SEC: '1',
    FOOTBALL_CALLS_PER_MINUTE: '1000',
    LOG_LEVEL: 'debug',
  });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await waitUntilAnswers(`${apiUrl}/readyz`, api);
  const footStatuses: number[] = [];
  for (const mode of ['ok', 'fail', 'rate-limit', 'malformed', 'ok'] as const) {
    fake.setMode(mode);
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // past the cache TTL
    footStatuses.push((await fetch(`${apiUrl}/footdata`)).status);
  }
  await fetch(`${apiUrl}/somedata/secret-check?number=2`);
  await fetch(`${apiUrl}/somedata/bad!`, { headers: { 'x-auth-token': footToken } });

  // The admin with a password: right, wrong and malformed credentials.
  const adminPort = await freePort();
  const admin = startService('admin/server/main.ts', {
    ADMIN_PORT: String(adminPort),
    ADMIN_USER: 'ops',
    ADMIN_PASSWORD: adminPassword,
    QUEUE_NAME: config.workers.queueName,
    REDIS_URL: redis.url,
    LOG_LEVEL: 'debug',
  });
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  await waitUntilAnswers(`${adminUrl}/healthz`, admin);
  const adminStatuses = [];
  for (const authorization of [
    basic('ops', adminPassword),
    basic('ops', `${adminPassword}x`),
    basic('root', adminPassword),
    `Basic ${adminPassword}`,
  ])
    adminStatuses.push((await fetch(`${adminUrl}/admin/queues/api/queues`, { headers: { authorization } })).status);

  const adminReady = (await fetch(`${adminUrl}/readyz`)).status; // it reaches its Redis with the password

  // The tools that print settings or Redis errors, with the password in REDIS_URL: the settings,
  // and the job CLI while its Redis is unreachable (a closed port) so it prints the connection errors.
  const configCheck = await runFor('scripts/check-config.ts', [], { REDIS_URL: redis.url }, 30_000);
  const unreachable = redis.url.replace(`:${redis.port}`, `:${await freePort()}`);
  const jobCli = await runFor('workers/cli.ts', ['footdata'], { REDIS_URL: unreachable }, 8_000);

  // A configuration error with the secrets set: refused, naming the bad variables, echoing no secret.
  const refused = startService('producers/main.ts', {
    FOOT_TOKEN: footToken,
    ADMIN_PASSWORD: adminPassword,
    API_PORT: 'not-a-port',
    REDIS_URL: redis.url.replace(/^redis:/, 'http:'),
  });
  const refusedCode = await refused.exited;

  expect(await api.stop()).toBe(0);
  expect(await admin.stop()).toBe(0);
  expect(fake.tokensSeen.filter((token) => token === footToken).length).toBeGreaterThan(0); // the token was used

  const secrets: Record<string, string> = {
    FOOT_TOKEN: footToken,
    'test ADMIN_PASSWORD': adminPassword,
    'test admin Basic credentials': basic('ops', adminPassword).slice(6),
    'the Redis password in REDIS_URL': redisPassword,
  };
  const stackAdmin = join(STACK_DIR, 'admin-password');
  if (existsSync(stackAdmin)) {
    const password = readFileSync(stackAdmin, 'utf8').trim();
    secrets['.stack/admin-password'] = password;
    secrets['stack admin Basic credentials'] = basic(config.admin.user, password).slice(6);
  }
  if (existsSync(join(STACK_DIR, 'airflow', 'simple_auth_manager_passwords.json.generated')))
    for (const [user, password] of Object.entries(airflowPasswords()))
      secrets[`airflow password of ${user}`] = password;
  const jwtSecret = join(STACK_DIR, 'airflow', 'jwt-secret');
  if (existsSync(jwtSecret)) secrets['airflow JWT secret'] = readFileSync(jwtSecret, 'utf8').trim();

  const sources: Record<string, string> = {
    'API output': api.output(),
    'admin output': admin.output(),
    'refused start-up output': refused.output(),
    'npm run config:check output': configCheck,
    'npm run job output (Redis unreachable)': jobCli,
  };
  const files = [
    ...logFiles(join(STACK_DIR, 'logs'), /\.log(\.\d+)?$/),
    ...logFiles(join(STACK_DIR, 'airflow', 'logs'), /\.log$/),
  ];
  for (const file of files) sources[file] = readFileSync(file, 'utf8');
  const leaks: string[] = [];
  for (const [where, text] of Object.entries(sources))
    for (const [what, value] of Object.entries(secrets))
      if (value.length >= 8 && text.includes(value)) leaks.push(`${what} in ${where}`);
  const lines = Object.values(sources).reduce((sum, text) => sum + text.split('\n').length, 0);

  reportScenario({
    scenario: 'security',
    load: `API with FOOT_TOKEN through upstream modes ok/fail/rate-limit/malformed (/footdata ${footStatuses.join(',')}), admin with right/wrong credentials (${adminStatuses.join(',')}), a refused configuration (exit ${refusedCode})`,
    fault: `searched ${Object.keys(sources).length} logs (${lines} lines: captured output, .stack/logs, Airflow task logs) for ${Object.keys(secrets).length} secrets`,
    recovery: `leaks: ${leaks.length === 0 ? 'none' : leaks.join('; ')}`,
  });

  expect(adminStatuses).toEqual([200, 401, 401, 401]);
  expect(adminReady).toBe(200);
  expect(refusedCode).toBe(1);
  expect(refused.output()).toMatch(/API_PORT/);
  expect(refused.output()).toMatch(/REDIS_URL/);
  // The tools did print what the search looks through: the Redis URL, and the connection errors.
  expect(configCheck).toMatch(/"redis":/);
  expect(jobCli).toMatch(/ECONNREFUSED/);
  expect(api.output()).toMatch(/"level":/); // debug logs were written, so the search had something to search
  expect(leaks).toEqual([]);
});
