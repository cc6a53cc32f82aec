/**
 * What the benchmarks share beyond the test support they reuse (fresh topics,
 * child services, producing, counting): the machine they ran on, CPU time per
 * process, quantiles, a Prometheus text reader and the size of a real API event.
 */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../lib/config';
import { createEvent, somedataItems, toKafkaMessage } from '../lib/schemas';
import { startService, type ServiceProcess } from '../harness/processes';
import { producersEnv } from '../harness/producers';
import { STACK_DIR } from '../harness/stack';

export interface Machine {
  nproc: number;
  cpuModel: string;
  ramGiB: number;
  node: string;
}

export function machine(): Machine {
  return {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
  };
}

/** The q-quantile (0..1) of `values` (nearest rank); 0 for none. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

export const perSec = (count: number, ms: number): number => Math.round((count / Math.max(1, ms)) * 1000);
export const ratio = (a: number, b: number): number => Number((a / Math.max(1e-9, b)).toFixed(3));

/** The sum of one metric over all its label sets, read from Prometheus text (a child's /metrics). */
export function metricFromText(text: string, name: string): number {
  const line = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'gm');
  let total = 0;
  for (const match of text.matchAll(line)) total += Number(match[1]);
  return total;
}

export async function fetchMetric(metricsUrl: string, name: string): Promise<number> {
  return metricFromText(await (await fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) })).text(), name);
}

/** The value bytes of one API event for `GET /somedata/car?number=N`: what ProducerPerformance should send. */
export function apiEventBytes(number = 3): number {
  const event = createEvent(
    'somedata',
    { data: 'car', number, items: somedataItems('car', number) },
    { source: 'api' },
  );
  return Buffer.byteLength(toKafkaMessage(event).value);
}

/**
 * The Node flags the API runs with (infra/services/60-api.sh, docker-compose.yaml,
 * the Dockerfile; test/compose checks they agree): benchmarks start their API
 * children, and the bare baseline, with the same.
 */
export const API_NODE_FLAGS = ['--max-semi-space-size=64'];

/** The API as a child process, as the stack runs it, on `port`, with the names of `config`. */
export function startApiChild(
  config: Config,
  port: number,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): ServiceProcess {
  return startService('producers/main.ts', { ...producersEnv(config, port), LOG_LEVEL: 'warn', ...env }, [
    ...API_NODE_FLAGS,
    ...nodeArgs,
  ]);
}

/**
 * The baseline: a bare Express route (bench/bare-server.ts) on `port`, with the
 * API's Node flags: the comparison is of the code, not of the runtime's settings.
 */
export function startBareChild(port: number, nodeArgs: string[] = []): ServiceProcess {
  return startService('bench/bare-server.ts', { BARE_PORT: String(port) }, [...API_NODE_FLAGS, ...nodeArgs]);
}

/**
 * The naive peer (bench/naive-server.ts) on `port`, publishing to `topic` of
 * `brokers`, with the API's Node flags like the bare route.
 */
export function startNaiveChild(
  port: number,
  brokers: string[],
  topic: string,
  nodeArgs: string[] = [],
): ServiceProcess {
  return startService(
    'bench/naive-server.ts',
    {
      NAIVE_PORT: String(port),
      KAFKA_BROKERS: brokers.join(','),
      NAIVE_TOPIC: topic,
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
    },
    [...API_NODE_FLAGS, ...nodeArgs],
  );
}

const CLOCK_TICKS = 100; // USER_HZ: 100 on every Linux that Node supports

/**
 * CPU seconds (user + system) a process and its descendants have used so far
 * (PostgreSQL does its work in child processes, one per connection); NaN when
 * it is gone. Children that exited and were reaped count through the parent's
 * cutime/cstime, so the figure only grows.
 */
function cpuSeconds(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) / CLOCK_TICKS;
    return own + childrenOf(pid).reduce((sum, child) => sum + (cpuSeconds(child) || 0), 0);
  } catch {
    return NaN;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The pid of a service of the local stack (infra/stack.sh), when it runs. */
export function stackPid(service: string): number | undefined {
  try {
    return Number(readFileSync(join(STACK_DIR, 'run', `${service}.pid`), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** What a benchmark leaves work behind in: a dropped 200k-record topic or database is deleted in the background. */
const BROKERS_AND_STORE = ['kafka-controller', 'kafka-broker-1', 'kafka-broker-2', 'ferretdb'];

/**
 * Wait until the brokers and the store are quiet (together under `maxCores`
 * for a whole second), at most `timeoutMs`, so that no benchmark pays for the
 * one before it. Resolves with the seconds waited.
 */
export async function waitForQuiet({
  maxCores = 0.2,
  timeoutMs = 60_000,
  /** More processes to wait for (another store's). */
  also = {} as Record<string, number | undefined>,
} = {}): Promise<number> {
  const meter = cpuMeter({ ...Object.fromEntries(BROKERS_AND_STORE.map((name) => [name, stackPid(name)])), ...also });
  const started = Date.now();
  for (;;) {
    meter.start();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const cores = Object.values(meter.stop()).reduce((sum, used) => sum + (Number.isNaN(used) ? 0 : used), 0);
    if (cores <= maxCores || Date.now() - started >= timeoutMs) return Math.round((Date.now() - started) / 1000);
  }
}

/**
 * The whole machine's busy cores between `start()` and `stop()` (every
 * process: /proc/stat's user, nice, system, irq and softirq time), beside
 * `nproc`: a figure near `nproc` says the cores, not the code, bound a rate.
 */
export function machineMeter() {
  const read = () => {
    const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number) as number[];
    return user! + nice! + system! + irq! + softirq!;
  };
  let before = read();
  let startedAt = 0;
  return {
    start() {
      startedAt = Date.now();
      before = read();
    },
    stop(): { busy: number; nproc: number } {
      const seconds = (Date.now() - startedAt) / 1000;
      return { busy: Number(((read() - before) / CLOCK_TICKS / seconds).toFixed(2)), nproc: cpus().length };
    },
  };
}

/**
 * CPU used by named processes between `start()` and `stop()`, in cores
 * (1.0 = one core busy the whole time): who competes for the 2 cores.
 */
export function cpuMeter(pids: Record<string, number | undefined>) {
  const known = Object.entries(pids).filter((entry): entry is [string, number] => entry[1] !== undefined);
  let before: number[] = [];
  let startedAt = 0;
  return {
    start() {
      startedAt = Date.now();
      before = known.map(([, pid]) => cpuSeconds(pid));
    },
    stop(): Record<string, number> {
      const seconds = (Date.now() - startedAt) / 1000;
      return Object.fromEntries(
        known.map(([name, pid], i) => [name, Number(((cpuSeconds(pid) - before[i]!) / seconds).toFixed(2))]),
      );
    },
  };
}
