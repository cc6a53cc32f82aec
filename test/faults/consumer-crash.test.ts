/**
 * Fault 2: the consumer process is killed with SIGKILL five times at random
 * points of a stream through the API, and started again each time: nothing
 * is lost (offsets are committed only after the write) and nothing is stored
 * twice (a redelivered record is a duplicate key, a no-op).
 *
 * The first kill lands while the consumer is writing batches (between a write
 * and its commit, most likely); the four others land at a random moment of
 * the restarted process's start-up (0.5-3 s after the spawn: loading, connecting,
 * preparing topics and indexes, or joining). The line says where each one hit.
 * Why not five kills mid-batch: a member killed with SIGKILL never leaves the
 * group; the coordinator drops a consuming member after its session timeout
 * (30 s, the consumer's default) and one killed while joining only when the
 * rebalance times out (60 s, kafkajs's default), so five mid-batch kills would
 * take three minutes or more. The recovery figure is the time from the last
 * restart until the last consumer holds the partitions.
 */
import { randomInt } from 'node:crypto';
import { consumerEnv, freePort } from '../../harness/consumer';
import { outcome, reportScenario, seconds, sleep } from '../../harness/faults';
import { formatStatuses, startLoad } from '../../harness/load';
import { killServices, startService, waitUntilAnswers, type ServiceProcess } from '../../harness/processes';
import { startTestApi } from '../../harness/producers';
import type { RunningApi } from '../../producers/service';
import { useSink } from '../../harness/sink';

jest.setTimeout(240_000);

const RATE = 400;
const KILLS = 5;

const sut = useSink();
let api: RunningApi | undefined;
afterAll(async () => {
  await killServices();
  await api?.stop();
});

/** Where the consumer process is, from its ops routes: `loading` (no ops server yet), `starting`, or `consuming`. */
async function stageOf(ops: string): Promise<string> {
  const status = async (path: string) =>
    (await fetch(`${ops}${path}`, { signal: AbortSignal.timeout(500) }).catch(() => undefined))?.status;
  if ((await status('/healthz')) !== 200) return 'loading';
  return (await status('/readyz')) === 200 ? 'consuming' : 'starting';
}

it('a consumer killed with SIGKILL five times mid-stream loses nothing and doubles nothing', async () => {
  const port = await freePort();
  const ops = `http://127.0.0.1:${port}`;
  const env = consumerEnv(sut.config, port);
  let consumer: ServiceProcess = startService('consumer/main.ts', env);
  await waitUntilAnswers(`${ops}/readyz`, consumer);

  api = await startTestApi(sut.config);
  const load = startLoad({ url: api.url, ratePerSec: RATE, concurrency: 32, prefix: 'cc' });
  const kills: string[] = [];
  const stages: string[] = [];
  let storedAtFirstKill = 0;
  for (let kill = 1; kill <= KILLS; kill++) {
    const spawnedAt = load.elapsedMs();
    await sleep(kill === 1 ? randomInt(2_000, 5_000) : randomInt(500, 3_000));
    if (kill === 1) storedAtFirstKill = await sut.db.collection('somedata').countDocuments();
    const stage = await stageOf(ops);
    stages.push(stage);
    await consumer.stop('SIGKILL');
    kills.push(`${seconds(load.elapsedMs())} (${seconds(load.elapsedMs() - spawnedAt)} after its start, ${stage})`);
    consumer = startService('consumer/main.ts', env);
  }
  const lastRestartMs = load.elapsedMs();
  await sleep(2_000); // a little stream after the last restart too
  const figures = await load.stop();
  await api.stop();

  // The last consumer gets the partitions once the killed members' sessions expired.
  await waitUntilAnswers(`${ops}/readyz`, consumer, 90_000);
  const readyAfterMs = load.elapsedMs() - lastRestartMs;
  const result = await outcome(sut, figures.acknowledged);

  // SIGTERM is a clean stop: batch finished, offsets committed, group left.
  expect(await consumer.stop('SIGTERM')).toBe(0);

  reportScenario({
    scenario: 'consumer crash',
    load: `${RATE} req/s × ${seconds(figures.durationMs)} (${formatStatuses(figures.statuses, figures.errors)})`,
    fault: `kill -9 of consumer/main.ts ${KILLS}×, restarted at once each time, at ${kills.join(', ')}; ${storedAtFirstKill} stored at the first kill`,
    tally: result,
    recovery: `last consumer consuming ${seconds(readyAfterMs)} after its start (waiting out the killed members), all committed ${seconds(result.drainMs)} later`,
  });

  expect(stages[0]).toBe('consuming'); // the first kill hit a consumer at work
  expect(storedAtFirstKill).toBeGreaterThan(0);
  expect(result.explanation).toEqual([]);
  expect(result.lost).toBe(0);
  expect(result.doubled).toBe(0);
});
