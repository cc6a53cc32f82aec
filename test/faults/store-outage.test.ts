/**
 * Fault 3: the MongoDB-protocol store is gone for 30 s during a stream
 * through the API. The consumer keeps its batches and commits nothing it has
 * not written (checked with admin.fetchOffsets while the store is down), and
 * is writing again within 5 s of the store's return; every acknowledged event
 * is stored once.
 *
 * The store is a private FerretDB killed with SIGKILL and started again on the
 * same data (harness/ferretdb.ts says why not the shared one); the
 * consumer runs in-process with the service's default options.
 */
import { COLLECTIONS } from '../../lib/mongo';
import type { RunningApi } from '../../producers/service';
import { committedOffsets, storedAfterTheirCommit } from '../../harness/consumer';
import { eventually } from '../../harness/env';
import { useSinkOnPrivateStore } from '../../harness/ferretdb';
import { crashesOf } from '../../harness/sink';
import { outcome, reportScenario, seconds, sleep } from '../../harness/faults';
import { formatStatuses, startLoad } from '../../harness/load';
import { startTestApi } from '../../harness/producers';

jest.setTimeout(180_000);

const RATE = 400;
const OUTAGE_MS = 30_000;

const { sut, store } = useSinkOnPrivateStore();
let api: RunningApi | undefined;
afterAll(async () => {
  await api?.stop();
});

it('with the store down for 30 s mid-stream, nothing is committed unwritten and all is stored once it returns', async () => {
  const { config, admin, db } = sut;
  const topic = config.kafka.topics.somedata;
  const sink = await sut.start();
  const crashes = crashesOf(sink);
  api = await startTestApi(config);
  const load = startLoad({ url: api.url, ratePerSec: RATE, concurrency: 32, prefix: 'so' });
  await sleep(5_000);

  const stoppedAt = new Date();
  await store().kill();
  const killedAtMs = load.elapsedMs();
  // While it is down: the highest offset the group ever committed, per partition, and whether the consumer said ready.
  const highest = await committedOffsets(admin, config.consumer.groupId, topic);
  let readyWhileDown = false;
  while (Date.now() - stoppedAt.getTime() < OUTAGE_MS) {
    for (const [partition, offset] of await committedOffsets(admin, config.consumer.groupId, topic))
      highest.set(partition, Math.max(offset, highest.get(partition) ?? -1));
    readyWhileDown ||= sink.ready();
    await sleep(1_000);
  }
  const endsWhileDown = await admin.fetchTopicOffsets(topic);
  const storeDown = !(await sink.readiness.store!());

  const returnedAt = Date.now(); // from the restart command: the store's own start-up counts
  const returnedAtMs = load.elapsedMs();
  await store().start();
  await eventually(async () => sink.ready(), 'the consumer writing again', 30_000);
  const recoveryMs = Date.now() - returnedAt;
  await sleep(3_000);
  const figures = await load.stop();
  await api.stop();
  const result = await outcome(sut, figures.acknowledged);
  const late = await storedAfterTheirCommit(db, COLLECTIONS.somedata, highest, stoppedAt);
  const behind = endsWhileDown.reduce(
    (sum, { partition, high }) => sum + Number(high) - (highest.get(partition) ?? 0),
    0,
  );

  reportScenario({
    scenario: 'store outage',
    load: `${RATE} req/s × ${seconds(figures.durationMs)} (${formatStatuses(figures.statuses, figures.errors)})`,
    fault: `private FerretDB killed (SIGKILL) at ${seconds(killedAtMs)}, back at ${seconds(returnedAtMs)}; ${behind} records waited uncommitted; committed-but-unwritten ${Object.values(late).reduce((a, b) => a + b, 0)}`,
    tally: result,
    recovery: `writing again ${seconds(recoveryMs)} after the store was started again; all committed ${seconds(result.drainMs)} after the load`,
    notes: `consumer crashes ${crashes.length}`,
  });

  expect(Object.entries(late).filter(([, count]) => count > 0)).toEqual([]);
  expect(behind).toBeGreaterThan(0); // records kept coming while the store was away
  expect(readyWhileDown).toBe(false);
  expect(storeDown).toBe(true);
  expect(recoveryMs).toBeLessThan(5_000);
  expect(result.explanation).toEqual([]);
  expect(result.lost).toBe(0);
  expect(result.doubled).toBe(0);
  expect(crashes).toEqual([]);
});
