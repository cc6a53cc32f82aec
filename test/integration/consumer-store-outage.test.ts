/**
 * The store goes away for 20 s during a stream: the consumer commits nothing
 * it has not written, stays alive (not ready), and once the store is back
 * everything lands, once.
 *
 * Why a second FerretDB and not a TCP proxy in front of the shared one: the
 * shared store on :27017 is used by every other test, so it must not be
 * stopped; a private FerretDB process (same binary, own port, own data
 * directory) can really be killed and started again on the same data. That
 * exercises what an outage does to the driver (refused connections, a
 * cleared pool, server-selection timeouts, reconnection) and that writes
 * acknowledged before the crash survive it. A proxy would only cut the network
 * in front of a store that never stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COLLECTIONS } from '../../lib/mongo';
import {
  asMessages,
  committedOffsets,
  freePort,
  produce,
  somedataEvent,
  waitForCommitted,
  waitForCount,
} from '../support/consumer';
import { eventually } from '../support/env';
import { STACK_DIR } from '../support/stack';
import { useSink } from '../support/sink';

jest.setTimeout(240_000);

const OUTAGE_MS = 20_000;
let port: number;
let dataDir: string;
let store: ChildProcess | undefined;

// Hooks run in the order declared: the private store starts before useSink's set-up
// (which creates indexes in it) and stops after its tear-down.
beforeAll(async () => {
  port = await freePort();
  dataDir = mkdtempSync(join(tmpdir(), 'consumer-outage-'));
  await startStore();
});
const sut = useSink(() => ({ MONGO_URL: `mongodb://127.0.0.1:${port}` }));
afterAll(async () => {
  if (store) await killStore();
  rmSync(dataDir, { recursive: true, force: true });
});

function portOpen(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => socket.end(() => resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function startStore(): Promise<void> {
  store = spawn(join(STACK_DIR, 'bin', 'ferretdb'), ['-listen-addr', `127.0.0.1:${port}`, '-data-dir', dataDir], {
    stdio: 'ignore',
  });
  await eventually(portOpen, `the private FerretDB on :${port}`, 30_000);
}

async function killStore(): Promise<void> {
  const exited = once(store!, 'exit');
  store!.kill('SIGKILL');
  await exited;
  store = undefined;
}

describe('the store stopped for 20 s during a stream', () => {
  it('commits nothing it has not written, stays alive, and stores everything once the store is back', async () => {
    const { config, kafka, admin, db } = sut;
    const { somedata: topic } = config.kafka.topics;
    const crashes: unknown[] = [];
    const sink = await sut.start(config, { retryMaxDelayMs: 2_000 });
    sink.consumer.on(sink.consumer.events.CRASH, (event) => crashes.push(event.payload.error));

    const before = Array.from({ length: 1_000 }, (_, i) => somedataEvent(`o-${i % 9}`, 1));
    await produce(kafka, topic, asMessages(before));
    await waitForCount(db, COLLECTIONS.somedata, before.length);

    // The stream goes on during the outage.
    const during: ReturnType<typeof somedataEvent>[] = [];
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        const chunk = Array.from({ length: 50 }, (_, i) => somedataEvent(`d-${i % 9}`, 1));
        await produce(kafka, topic, asMessages(chunk));
        during.push(...chunk);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();

    const stoppedAt = new Date();
    await killStore();
    // Batches in flight when the store died may still commit what they wrote; give them a moment.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const committedEarly = await committedOffsets(admin, config.consumer.groupId, topic);
    const highest = new Map(committedEarly);
    let readySeen = false;
    const outageEnds = Date.now() + OUTAGE_MS - 3_000;
    while (Date.now() < outageEnds) {
      for (const [partition, offset] of await committedOffsets(admin, config.consumer.groupId, topic))
        highest.set(partition, Math.max(offset, highest.get(partition) ?? -1));
      readySeen ||= sink.ready();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const ends = await admin.fetchTopicOffsets(topic);

    // While the store was away, the committed offsets stood still though records kept coming.
    expect(highest).toEqual(committedEarly);
    expect(ends.reduce((sum, { high }) => sum + Number(high), 0)).toBeGreaterThan(before.length);
    expect(readySeen).toBe(false);
    expect(await sink.readiness.store!()).toBe(false);

    await startStore();
    streaming = false;
    await stream;
    const all = [...before, ...during];
    await waitForCount(db, COLLECTIONS.somedata, all.length, 90_000);
    await waitForCommitted(admin, config.consumer.groupId, topic, 60_000);

    // Exactly once, nothing lost.
    expect(await db.collection(COLLECTIONS.somedata).countDocuments()).toBe(all.length);
    const ids = await db.collection(COLLECTIONS.somedata).distinct('_id');
    expect(new Set(ids)).toEqual(new Set(all.map((event) => event.eventId)));
    // Every record below an offset committed during the outage was written before the store stopped.
    for (const [partition, committed] of highest) {
      const lateButCommitted = await db.collection(COLLECTIONS.somedata).countDocuments({
        '_kafka.partition': partition,
        '_kafka.offset': { $lt: committed },
        storedAt: { $gte: stoppedAt },
      });
      expect({ partition, lateButCommitted }).toEqual({ partition, lateButCommitted: 0 });
    }
    await eventually(async () => sink.ready(), 'the consumer to be ready again');
    expect(crashes).toEqual([]);
  });
});
