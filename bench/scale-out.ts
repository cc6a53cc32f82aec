/**
 * Scale-out: the same pre-loaded backlog drained by 1, then by 2 sink
 * instances (child `consumer/main.ts` processes in one group, as deployed),
 * each time with a fresh group and database. The clock (and the CPU meters)
 * run from the last look that found nothing consumed, at most one poll before
 * the first record, to the look that found every record consumed: a drain
 * faster than one poll still has a window to measure. Afterwards every event must be
 * stored once and consumed once over all instances (no rebalance replayed a
 * batch). The store is the stack's FerretDB unless `store` names another
 * (bench/store-backends.ts). Run by bench/run.ts (`make bench`).
 */
import { COLLECTIONS, createMongoClient } from '../lib/mongo';
import { consumerEnv, freePort } from '../harness/consumer';
import { freshName } from '../harness/env';
import { startService, waitUntilAnswers, type ServiceProcess } from '../harness/processes';
import { backlogEvents, preloadBacklog } from './sink';
import type { StoreUnderTest } from './store-backends';
import { cpuMeter, fetchMetric, machineMeter, perSec, ratio, stackPid } from './support';

export interface ScaleOutOptions {
  /** Records in the backlog. Default: 200_000. */
  records?: number;
  /** The store to write into. Default: the stack's FerretDB (MONGO_URL). */
  store?: StoreUnderTest;
}

export interface DrainFigures {
  instances: number;
  perSec: number;
  /** Records each instance consumed. */
  consumedBy: number[];
  stored: number;
  /** Records consumed beyond one per event (a batch handled twice). */
  doubled: number;
  /**
   * Cores used while draining: the whole machine (of `nproc`), the sink
   * instances together, the store's processes. A machine near `nproc` with one
   * instance leaves a second nothing to run on.
   */
  cpu: { machine: number; nproc: number; sinks: number; store: number };
}

export interface ScaleOutFigures {
  records: number;
  one: DrainFigures;
  two: DrainFigures;
  twoOverOne: number;
}

export async function run(options: ScaleOutOptions = {}): Promise<ScaleOutFigures> {
  const records = options.records ?? 200_000;
  const { topics } = await preloadBacklog(
    backlogEvents(records),
    options.store ? { MONGO_URL: options.store.url } : {},
  );
  // Counting and dropping 200k-document databases may take longer than the services' 10 s on a busy store.
  const mongo = createMongoClient({ ...topics.config.mongo, operationTimeoutMs: 120_000 });
  const groups: string[] = [];
  const dbs: string[] = [];

  const drain = async (instances: number): Promise<DrainFigures> => {
    const name = freshName(`scale${instances}`);
    const config = {
      ...topics.config,
      mongo: { ...topics.config.mongo, db: name },
      consumer: { ...topics.config.consumer, groupId: name },
    };
    groups.push(name);
    dbs.push(name);
    const ports = await Promise.all(Array.from({ length: instances }, () => freePort()));
    const children: ServiceProcess[] = ports.map((port) => startService('consumer/main.ts', consumerEnv(config, port)));
    const machine = machineMeter();
    const sinks = cpuMeter(Object.fromEntries(children.map((child, i) => [`sink-${i}`, child.child.pid])));
    const store = cpuMeter(options.store?.pids ?? { ferretdb: stackPid('ferretdb') });
    const meters = [machine, sinks, store];
    let opened = 0;
    const open = () => {
      opened = Date.now();
      for (const meter of meters) meter.start();
    };
    open(); // at the spawn: the first look may already find the backlog drained
    try {
      await Promise.all(children.map((child, i) => waitUntilAnswers(`http://127.0.0.1:${ports[i]}/healthz`, child)));
      const consumed = () =>
        Promise.all(
          ports.map((port) =>
            fetchMetric(`http://127.0.0.1:${port}/metrics`, 'consumer_records_consumed_total').catch(() => 0),
          ),
        );
      let counts: number[] = [];
      for (;;) {
        counts = await consumed();
        const total = counts.reduce((sum, n) => sum + n, 0);
        if (total === 0) open();
        else if (total >= records) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const ms = Date.now() - opened;
      const sum = (cores: Record<string, number>) =>
        Number(
          Object.values(cores)
            .reduce((all, n) => all + (Number.isNaN(n) ? 0 : n), 0)
            .toFixed(2),
        );
      const { busy, nproc } = machine.stop();
      const cpu = { machine: busy, nproc, sinks: sum(sinks.stop()), store: sum(store.stop()) };
      // A moment for a straggling duplicate batch to show up in the counts.
      await new Promise((resolve) => setTimeout(resolve, 500));
      counts = await consumed();
      const stored = await mongo.db(name).collection(COLLECTIONS.somedata).countDocuments();
      const total = counts.reduce((sum, n) => sum + n, 0);
      return { instances, perSec: perSec(records, ms), consumedBy: counts, stored, doubled: total - records, cpu };
    } finally {
      await Promise.all(children.map((child) => child.stop()));
    }
  };

  try {
    const one = await drain(1);
    const two = await drain(2);
    return { records, one, two, twoOverOne: ratio(two.perSec, one.perSec) };
  } finally {
    await topics.admin.deleteGroups(groups).catch(() => undefined);
    await topics.drop();
    for (const name of dbs)
      await mongo
        .db(name)
        .dropDatabase()
        .catch(() => undefined);
    await mongo.close();
  }
}
