/**
 * Fault 3b: the store stops answering for 30 s during a stream through the
 * API: the shared FerretDB's process group is paused (SIGSTOP) and resumed
 * (SIGCONT). Unlike a dead store (store-outage.test.ts), a paused one still
 * accepts TCP connections and never answers, so nothing fails unless the
 * client bounds each operation (MONGO_OPERATION_TIMEOUT_MS, lib/mongo.ts).
 *
 * Two consumer processes (consumer/main.ts, as the stack runs it) share the
 * partitions. Checked: the batch in flight fails and is retried within twice
 * the operation timeout of the pause; one consumer given SIGTERM while the
 * store is paused exits cleanly within a bounded time; the other writes again
 * soon after the resume; every acknowledged event is stored once. A timed-out
 * bulk write goes on inside the paused store: the consumer sends the batch
 * again only after a probe write has been answered (consumer/store-gate.ts),
 * so the store does not wake up to a pile of copies that each new try joins.
 *
 * The store is resumed whatever happens: in a finally, in afterAll, when this
 * process exits, and by a watchdog process that sends SIGCONT a little after
 * the pause should have ended, should this process die. Run under
 * `flock -x /work/stack.lock` (it pauses a shared service).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningApi } from '../../producers/service';
import { consumerEnv, freePort } from '../../harness/consumer';
import { eventually } from '../../harness/env';
import { outcome, reportScenario, seconds, sleep } from '../../harness/faults';
import { formatStatuses, startLoad } from '../../harness/load';
import { killServices, startService, waitUntilAnswers, type ServiceProcess } from '../../harness/processes';
import { startTestApi } from '../../harness/producers';
import { useSink } from '../../harness/sink';
import { STACK_DIR } from '../../harness/stack';

jest.setTimeout(240_000);

const RATE = 1_000;
const PAUSE_MS = 30_000;
const OPERATION_TIMEOUT_MS = 5_000;
/** SIGTERM of a consumer while the store is paused: the batch in hand ends within one operation timeout, then a clean stop. */
const STOP_BOUND_MS = 2 * OPERATION_TIMEOUT_MS + 3_000;

/** The shared FerretDB's process group (infra/stack.sh starts each service in its own). */
function ferretDbGroup(): number {
  const pid = Number(readFileSync(join(STACK_DIR, 'run', 'ferretdb.pid'), 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`no FerretDB pid in ${STACK_DIR}/run/ferretdb.pid`);
  process.kill(pid, 0); // it runs
  return pid;
}

let group: number | undefined;
let watchdog: ChildProcess | undefined;
/** SIGCONT the store (idempotent, never throws) and end the watchdog. */
function resume(): void {
  if (group !== undefined) {
    try {
      process.kill(-group, 'SIGCONT');
    } catch {
      // already gone: nothing to resume
    }
  }
  if (watchdog?.pid !== undefined && watchdog.exitCode === null) {
    try {
      process.kill(-watchdog.pid, 'SIGKILL');
    } catch {
      // it ended meanwhile
    }
  }
  watchdog = undefined;
}
process.on('exit', resume);

let api: RunningApi | undefined;
afterAll(async () => {
  resume();
  await killServices();
  await api?.stop();
});
const sut = useSink();

/** The sum of one counter over its label sets, from a consumer's /metrics. */
async function counterOf(ops: string, name: string): Promise<number> {
  const text = await (await fetch(`${ops}/metrics`, { signal: AbortSignal.timeout(1_000) })).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

it('with the store paused for 30 s mid-stream, batches fail within the timeout, SIGTERM ends, and all is stored once', async () => {
  const env = { ...consumerEnv(sut.config, 0), MONGO_OPERATION_TIMEOUT_MS: String(OPERATION_TIMEOUT_MS) };
  const start = async (): Promise<{ process: ServiceProcess; ops: string }> => {
    const port = await freePort();
    const child = startService('consumer/main.ts', { ...env, CONSUMER_PORT: String(port) });
    const ops = `http://127.0.0.1:${port}`;
    await waitUntilAnswers(`${ops}/readyz`, child);
    return { process: child, ops };
  };
  const staying = await start();
  const stopping = await start();
  await eventually(
    async () => (await fetch(`${staying.ops}/readyz`)).ok && (await fetch(`${stopping.ops}/readyz`)).ok,
    'both consumers in the group',
  );

  api = await startTestApi(sut.config);
  const load = startLoad({ url: api.url, ratePerSec: RATE, concurrency: 64, prefix: 'sp' });
  await sleep(5_000);

  const retriesBefore = await counterOf(staying.ops, 'consumer_batch_retries_total');
  const storedBefore = await sut.db.collection('somedata').countDocuments();
  group = ferretDbGroup();
  const pausedAt = Date.now();
  const pausedAtMs = load.elapsedMs();
  let failedAfterMs: number | undefined;
  let stopAfterMs: number | undefined;
  let stopCode: number | string | null | undefined;
  try {
    process.kill(-group, 'SIGSTOP');
    // Should this process die with the store paused, the watchdog resumes it.
    watchdog = spawn('sh', ['-c', `sleep ${Math.ceil(PAUSE_MS / 1000) + 30}; kill -CONT -- -${group}`], {
      detached: true,
      stdio: 'ignore',
    });
    watchdog.unref();

    // One consumer stopped while the store is paused; meanwhile, the other's batch in flight must fail and be retried.
    const stopped = sleep(1_000).then(async () => {
      const askedAt = Date.now();
      stopCode = await Promise.race([
        stopping.process.stop('SIGTERM'),
        sleep(PAUSE_MS - 2_000).then(() => 'still running'),
      ]);
      stopAfterMs = Date.now() - askedAt;
    });
    await eventually(
      async () => (await counterOf(staying.ops, 'consumer_batch_retries_total')) > retriesBefore,
      'a failed batch retried',
      PAUSE_MS - 2_000,
    ).then(
      () => (failedAfterMs = Date.now() - pausedAt),
      () => undefined,
    );
    await stopped;
    await sleep(pausedAt + PAUSE_MS - Date.now());
  } finally {
    resume();
  }
  const resumedAt = Date.now();
  const resumedAtMs = load.elapsedMs();
  const storedWhilePaused = (await sut.db.collection('somedata').countDocuments()) - storedBefore;
  await eventually(async () => (await fetch(`${staying.ops}/readyz`)).ok, 'the consumer writing again', 60_000);
  const recoveryMs = Date.now() - resumedAt;
  await sleep(3_000);
  const figures = await load.stop();
  await api.stop();
  const result = await outcome(sut, figures.acknowledged);
  const lastStop = await staying.process.stop('SIGTERM');

  reportScenario({
    scenario: 'store paused',
    load: `${RATE} req/s × ${seconds(figures.durationMs)} (${formatStatuses(figures.statuses, figures.errors)})`,
    fault: `shared FerretDB SIGSTOP at ${seconds(pausedAtMs)}, SIGCONT at ${seconds(resumedAtMs)}; MONGO_OPERATION_TIMEOUT_MS ${OPERATION_TIMEOUT_MS}: batch in flight failed ${failedAfterMs === undefined ? 'never' : seconds(failedAfterMs)} after the pause; SIGTERM of one consumer while paused: ${stopCode} after ${stopAfterMs === undefined ? '?' : seconds(stopAfterMs)}`,
    tally: result,
    recovery: `writing again ${seconds(recoveryMs)} after SIGCONT; all committed ${seconds(result.drainMs)} after the load`,
    notes: `stored while paused ${storedWhilePaused}`,
  });

  expect(failedAfterMs).toBeLessThan(2 * OPERATION_TIMEOUT_MS);
  expect(stopCode).toBe(0);
  expect(stopAfterMs).toBeLessThan(STOP_BOUND_MS);
  expect(recoveryMs).toBeLessThan(10_000);
  expect(result.explanation).toEqual([]);
  expect(result.lost).toBe(0);
  expect(result.doubled).toBe(0);
  expect(lastStop).toBe(0);
});
