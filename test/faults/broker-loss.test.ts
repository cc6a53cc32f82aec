/**
 * Fault 1: one of the two brokers dies (`kill -9`, the shared stack's
 * kafka-broker-2) during a ~1,000 events/s stream through the API, and is
 * started again 15 s later. With replication factor 2 and
 * min.insync.replicas=1 the partitions it led move to broker-1 (the controller
 * fences a silent broker after broker.session.timeout.ms, 4 s here), so
 * producing pauses only for that election; every acknowledged event still
 * reaches MongoDB exactly once.
 *
 * The API runs as its own process (as in production: the load generator and
 * the consumer in this process do not steal its event loop); the consumer runs
 * in-process so its crashes can be counted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../harness/consumer';
import { eventually } from '../../harness/env';
import { outcome, reportScenario, seconds, sleep } from '../../harness/faults';
import { formatStatuses, startLoad } from '../../harness/load';
import { killServices, startService, waitUntilAnswers } from '../../harness/processes';
import { producersEnv } from '../../harness/producers';
import { crashesOf, useSink } from '../../harness/sink';
import { stack, STACK_DIR } from '../../harness/stack';

jest.setTimeout(180_000);

const RATE = 1_000;
const STREAM_MS = 30_000;
const KILL_AT_MS = 5_000;
const DOWN_MS = 15_000;

const sut = useSink();
afterAll(async () => {
  await killServices();
  await stack('up', 'kafka-broker-2'); // whatever happened above, later tests find both brokers
}, 180_000);

function brokerPid(): number {
  return Number(readFileSync(join(STACK_DIR, 'run', 'kafka-broker-2.pid'), 'utf8').trim());
}

it('when a broker is killed mid-stream, every acknowledged event is stored once and producing barely pauses', async () => {
  const { config, admin } = sut;
  const topic = config.kafka.topics.somedata;
  const sink = await sut.start();
  const crashes = crashesOf(sink);

  const port = await freePort();
  const api = startService('producers/main.ts', { ...producersEnv(config, port), LOG_LEVEL: 'warn' });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilAnswers(`${url}/readyz`, api);

  const load = startLoad({ url, ratePerSec: RATE, concurrency: 64, prefix: 'bl' });
  await sleep(KILL_AT_MS);
  process.kill(brokerPid(), 'SIGKILL'); // kill -9 $(cat .stack/run/kafka-broker-2.pid)
  const killedAt = load.elapsedMs();
  await sleep(DOWN_MS);
  const restartAt = load.elapsedMs();
  await stack('up', 'kafka-broker-2');
  const backAfterMs = load.elapsedMs() - restartAt;
  await sleep(Math.max(0, STREAM_MS - load.elapsedMs()));
  const figures = await load.stop();

  expect(await api.stop()).toBe(0); // SIGTERM: flushes what is pending, exits cleanly
  const result = await outcome(sut, figures.acknowledged);
  const resends = api.output().split('sending those records again').length - 1;

  // Broker-2 is back in every partition's ISR (the stack is whole again for the next test).
  const isrAfter = Date.now();
  await eventually(
    async () => {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      return topics[0]!.partitions.every((partition) => partition.isr.length === 2);
    },
    'broker-2 back in the ISR',
    60_000,
  );

  reportScenario({
    scenario: 'broker loss',
    load: `${RATE} req/s target × ${seconds(figures.durationMs)}, ${figures.acknowledgedPerSec}/s acknowledged (${formatStatuses(figures.statuses, figures.errors)})`,
    fault: `kill -9 kafka-broker-2 at ${seconds(killedAt)}, restarted at ${seconds(restartAt)} (healthy after ${seconds(backAfterMs)})`,
    tally: result,
    recovery: `longest gap between 200s ${seconds(figures.longestGapMs)} (ended at ${seconds(figures.longestGapEndedAtMs)})`,
    notes: `publisher re-sent records kafkajs dropped ${resends} time(s); consumer crashes (kafkajs restarts) ${crashes.length}; drained in ${seconds(result.drainMs)} after the load; ISR whole ${seconds(Date.now() - isrAfter)} later`,
  });

  expect(result.explanation).toEqual([]);
  expect(result.lost).toBe(0);
  expect(result.doubled).toBe(0);
  expect(figures.acknowledged.size).toBeGreaterThan(STREAM_MS * 0.2); // a real stream, not a trickle
  expect(figures.longestGapMs).toBeLessThan(8_000);
  expect(sink.ready()).toBe(true);
});
