/**
 * `make bench`: every benchmark against the local stack, side by side in one
 * run, repeated (the repetitions interleave, so a disturbance spreads over
 * benchmarks instead of spoiling one), then medians and min–max written to
 * bench/results/<date>.json and <date>.md and into bench/README.md between
 * `<!-- bench:start -->` and `<!-- bench:end -->` (a run of some of them,
 * `--only`, writes <date>-<names>.json and .md, and leaves that table alone).
 * The repository's README keeps a five-line summary of the table, by hand.
 *
 *   node --import tsx bench/run.ts [--reps 3] [--only sink,connector,api,latency,scale-out,kafka]
 *     [--sink-records 200000] [--naive 10000] [--api-duration 10] [--connections 100]
 *     [--connector-records <sink-records>] [--connector-idempotent-records 1000] [--connector-cap 120]
 *     [--latency-duration 60] [--rate 1000] [--search-rates 2000,3000,4000] [--search-rates-below 750,500,250]
 *     [--search-duration 20]
 *     [--scale-records 200000] [--kafka-records 500000]
 *     [--backends sqlite,postgresql] [--no-readme]
 *
 * Benchmarks of the store (sink, connector, scale-out) run once per backend of
 * `--backends`: FerretDB on SQLite (the stack's) and FerretDB on PostgreSQL
 * (a second FerretDB started for each run, bench/store-backends.ts); their
 * figures are `sink` and `sink/postgresql` in the results.
 *
 * Each run starts once the brokers and the store are quiet (the run before
 * leaves topics and databases to delete). A run that failed or was disturbed
 * (errors, non-2xx, a count that does not match: the fault tests kill brokers
 * on this shared stack) is run again, up to twice, and the report says so.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as api from './api-vs-bare';
import * as connector from './connector';
import * as kafka from './kafka-ceiling';
import * as latency from './latency';
import * as scaleOut from './scale-out';
import * as sink from './sink';
import { parseBackends, withStore, type Backend, type StoreUnderTest } from './store-backends';
import { machine, waitForQuiet } from './support';

const ROOT = join(__dirname, '..');

const { values: args } = parseArgs({
  options: {
    reps: { type: 'string', default: '3' },
    only: { type: 'string', default: 'sink,connector,api,latency,scale-out,kafka' },
    'sink-records': { type: 'string', default: '200000' },
    naive: { type: 'string', default: '10000' },
    // Default: --sink-records (the same backlog as the sink's).
    'connector-records': { type: 'string' },
    'connector-idempotent-records': { type: 'string', default: '1000' },
    'connector-cap': { type: 'string', default: '120' },
    'api-duration': { type: 'string', default: '10' },
    connections: { type: 'string', default: '100' },
    'latency-duration': { type: 'string', default: '60' },
    rate: { type: 'string', default: '1000' },
    'search-rates': { type: 'string', default: '2000,3000,4000' },
    'search-rates-below': { type: 'string', default: '750,500,250' },
    'search-duration': { type: 'string', default: '20' },
    'scale-records': { type: 'string', default: '200000' },
    'kafka-records': { type: 'string', default: '500000' },
    backends: { type: 'string', default: 'sqlite,postgresql' },
    'no-readme': { type: 'boolean', default: false },
  },
});

/**
 * A numeric option as a whole number ≥ 1, or a refusal naming it: `--reps abc`
 * would otherwise run nothing and still write (over) the day's results.
 */
function count(name: keyof typeof args): number {
  const text = String(args[name]);
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1) throw new Error(`--${name} must be a whole number ≥ 1 (got "${text}")`);
  return n;
}

/** A list option (`2000,3000`) of whole numbers ≥ 1; empty is allowed (no search). */
function counts(name: keyof typeof args): number[] {
  const items = String(args[name]).split(',').filter(Boolean);
  const bad = items.find((item) => !/^\d+$/.test(item) || Number(item) < 1);
  if (bad !== undefined) throw new Error(`--${name} must be whole numbers ≥ 1, comma-separated (got "${bad}")`);
  return items.map(Number);
}

/** The figures of the repetition under way, by result key: the connector compares itself with the sink's. */
const thisRepetition: Record<string, unknown> = {};

/**
 * Each benchmark: how to run it once, and what makes a run "disturbed" (to be
 * run again). `perStore`: run once per backend, against `store`.
 */
const BENCHMARKS = {
  sink: {
    perStore: true,
    run: (store: StoreUnderTest) => sink.run({ records: count('sink-records'), naive: count('naive'), store }),
    disturbed: (f: sink.SinkFigures) => (f.stored !== f.records ? `stored ${f.stored} of ${f.records}` : undefined),
  },
  connector: {
    perStore: true,
    run: (store: StoreUnderTest) =>
      connector.run({
        records: args['connector-records'] === undefined ? count('sink-records') : count('connector-records'),
        idempotentRecords: count('connector-idempotent-records'),
        timeCapMs: count('connector-cap') * 1000,
        ours: thisRepetition[resultKey('sink', store.backend)] as sink.SinkFigures | undefined,
        mongoUrl: store.url,
        storePids: store.pids,
      }),
    disturbed: (f: connector.ConnectorFigures) => {
      const { fastest, idempotent } = f;
      if (fastest && fastest.stored !== fastest.records)
        return `fastest stored ${fastest.stored} of ${fastest.records}`;
      // A capped idempotent drain is reported as it is (its rate is of what it stored); it must never store more.
      if (
        idempotent &&
        (idempotent.capped ? idempotent.stored > idempotent.distinct : idempotent.stored !== idempotent.distinct)
      )
        return `idempotent stored ${idempotent.stored} for ${idempotent.distinct} distinct events`;
      return undefined;
    },
  },
  api: {
    run: () => api.run({ duration: count('api-duration'), connections: count('connections') }),
    disturbed: (f: api.ApiFigures) =>
      [f.api, f.bare, f.naive].some((s) => s.errors + s.non2xx > 0) ||
      f.recordsInKafka !== f.api.ok ||
      f.naiveRecordsInKafka !== f.naive.ok
        ? `errors/non-2xx, or records in Kafka for 200s: API ${f.recordsInKafka} for ${f.api.ok}, ` +
          `naive ${f.naiveRecordsInKafka} for ${f.naive.ok}`
        : undefined,
  },
  latency: {
    run: () =>
      latency.run({
        rate: count('rate'),
        duration: count('latency-duration'),
        searchRates: counts('search-rates'),
        searchRatesBelow: counts('search-rates-below'),
        searchDuration: count('search-duration'),
      }),
    // Fewer 200s than --rate is a figure, not a disturbance: on a machine whose cores are all
    // busy (the CPU rows) the load cannot be answered faster, and a second run would not be either.
    disturbed: (f: latency.LatencyFigures) =>
      f.lost + f.doubled > 0 ? `lost ${f.lost}, doubled ${f.doubled}` : undefined,
  },
  'scale-out': {
    perStore: true,
    run: (store: StoreUnderTest) => scaleOut.run({ records: count('scale-records'), store }),
    disturbed: (f: scaleOut.ScaleOutFigures) =>
      [f.one, f.two].some((d) => d.stored !== f.records || d.doubled !== 0) ? 'a count does not match' : undefined,
  },
  kafka: {
    run: () => kafka.run({ records: count('kafka-records') }),
    disturbed: () => undefined,
  },
} as const;
type Name = keyof typeof BENCHMARKS;

const say = (line: string) => process.stderr.write(`${line}\n`);

/** Run one benchmark once (on `store`), again (up to twice) when it failed or was disturbed. */
async function runOnce(name: Name, store: StoreUnderTest): Promise<{ figures: unknown; reruns: string[] }> {
  const bench = BENCHMARKS[name] as {
    run: (store: StoreUnderTest) => Promise<unknown>;
    disturbed: (f: never) => string | undefined;
  };
  const reruns: string[] = [];
  for (let attempt = 1; ; attempt++) {
    let why: string | undefined;
    const waited = await waitForQuiet({ also: store.pids });
    if (waited > 1) say(`  waited ${waited} s for the brokers and the store to be quiet`);
    try {
      const figures = await bench.run(store);
      why = bench.disturbed(figures as never);
      if (!why || attempt === 3) return { figures, reruns: why ? [...reruns, `kept: ${why}`] : reruns };
    } catch (error) {
      why = error instanceof Error ? error.message.split('\n')[0] : String(error);
      if (attempt === 3) throw error;
    }
    reruns.push(why!);
    say(`  ${name}: disturbed (${why}); running it again`);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
  }
}

/** Every numeric leaf of `value` as a dotted path: { "api.latencyMs.p99": 40, ... }. */
function leaves(value: unknown, prefix = ''): Record<string, number> {
  if (typeof value === 'number') return { [prefix]: value };
  if (value === null || typeof value !== 'object') return {};
  return Object.assign(
    {},
    ...Object.entries(value).map(([key, item]) => leaves(item, prefix ? `${prefix}.${key}` : key)),
  );
}

interface Stat {
  median: number;
  min: number;
  max: number;
}

function stats(runs: unknown[]): Record<string, Stat> {
  const byPath: Record<string, number[]> = {};
  for (const run of runs) for (const [path, n] of Object.entries(leaves(run))) (byPath[path] ??= []).push(n);
  return Object.fromEntries(
    Object.entries(byPath).map(([path, values]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const mid = Math.floor(sorted.length / 2);
      const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
      return [path, { median: Number(median.toFixed(3)), min: sorted[0]!, max: sorted[sorted.length - 1]! }];
    }),
  );
}

/** The rows of the table: [benchmark, measure, path of the figure, unit, target]. */
const ROWS: [Name, string, string, string, string?][] = [
  ['sink', 'sink drains the backlog', 'sinkPerSec', 'rec/s'],
  ['sink', 'ceiling: insertMany, driver alone', 'ceilingPerSec', 'rec/s'],
  ['sink', 'naive: eachMessage + insertOne', 'naivePerSec', 'rec/s'],
  ['sink', 'sink / ceiling', 'sinkOfCeiling', '×', '≥ 0.9'],
  ['sink', 'sink / naive', 'sinkOverNaive', '×', '≥ 10'],
  ['sink', 'ceiling / naive: the most sink / naive can be', 'ceilingOverNaive', '×'],
  ['sink', 'CPU while the sink drains: sink / FerretDB', 'cpu.sink.bench|cpu.sink.ferretdb', 'cores'],
  ['sink', 'CPU during the ceiling: driver / FerretDB', 'cpu.ceiling.bench|cpu.ceiling.ferretdb', 'cores'],
  ['connector', "MongoDB's connector, fastest (InsertOne, ObjectId)", 'fastest.perSec', 'rec/s'],
  ['connector', "MongoDB's connector, idempotent (ReplaceOne by eventId)", 'idempotent.perSec', 'rec/s'],
  ['connector', 'sink / connector fastest', 'oursVsFastest.rate', '×', '≥ 3'],
  ['connector', 'sink / connector idempotent', 'oursVsIdempotent.rate', '×', '> 1'],
  [
    'connector',
    'CPU per record, process: sink / connector fastest / idempotent',
    'ours.cpuMicrosPerRecord.sink|fastest.cpuMicrosPerRecord.connector|idempotent.cpuMicrosPerRecord.connector',
    'µs',
  ],
  [
    'connector',
    'CPU per record, store: under sink / fastest / idempotent',
    'ours.cpuMicrosPerRecord.store|fastest.cpuMicrosPerRecord.store|idempotent.cpuMicrosPerRecord.store',
    'µs',
  ],
  ['connector', 'sink CPU per record / connector fastest', 'oursVsFastest.oursCpuOverConnector', '×', '≤ 0.4'],
  ['connector', 'stored / backlog, fastest', 'fastest.stored|fastest.records', '', 'equal'],
  [
    'connector',
    'stored / distinct eventIds (backlog), idempotent',
    'idempotent.stored|idempotent.distinct|idempotent.records',
    '',
    'stored = distinct',
  ],
  ['connector', 'idempotent drain capped (1 = yes)', 'idempotent.capped', ''],
  ['api', 'bare Express route', 'bare.requestsPerSec', 'req/s'],
  ['api', 'API, publish + ack (acks=all)', 'api.requestsPerSec', 'req/s'],
  ['api', 'naive: one awaited producer.send per request', 'naive.requestsPerSec', 'req/s'],
  ['api', 'API / bare', 'apiOfBare', '×', '≥ 0.8'],
  ['api', 'API / naive', 'apiOverNaive', '×', '≥ 3'],
  ['api', 'CPU per request: API / bare', 'cpuMicrosPerRequest.api|cpuMicrosPerRequest.bare', 'µs'],
  ['api', 'CPU per request: naive', 'cpuMicrosPerRequest.naive', 'µs'],
  ['api', 'CPU per request: API / naive', 'cpuApiOfNaive', '×'],
  ['api', 'API latency p50 / p99', 'api.latencyMs.p50|api.latencyMs.p99', 'ms'],
  ['api', 'bare latency p50 / p99', 'bare.latencyMs.p50|bare.latencyMs.p99', 'ms'],
  ['api', 'records per publish batch', 'api.meanBatchSize', ''],
  ['api', '200s / records in Kafka', 'api.ok|recordsInKafka', '', 'equal'],
  ['api', 'naive latency p50 / p99', 'naive.latencyMs.p50|naive.latencyMs.p99', 'ms'],
  ['api', 'naive: 200s / records in Kafka', 'naive.ok|naiveRecordsInKafka', '', 'equal'],
  ['api', 'CPU under API load: API / autocannon', 'api.cpu.api|api.cpu.autocannon', 'cores'],
  ['api', 'CPU under API load: broker-1 / broker-2', 'api.cpu.kafka-broker-1|api.cpu.kafka-broker-2', 'cores'],
  ['api', 'CPU under bare load: bare / autocannon', 'bare.cpu.bare|bare.cpu.autocannon', 'cores'],
  ['api', 'CPU under naive load: naive / autocannon', 'naive.cpu.naive|naive.cpu.autocannon', 'cores'],
  ['api', 'CPU under naive load: broker-1 / broker-2', 'naive.cpu.kafka-broker-1|naive.cpu.kafka-broker-2', 'cores'],
  ['latency', 'acknowledged', 'acknowledgedPerSec', 'req/s'],
  ['latency', 'request → stored p50', 'latencyMs.p50', 'ms'],
  ['latency', 'request → stored p99', 'latencyMs.p99', 'ms', '≤ 50'],
  ['latency', 'request → stored max', 'latencyMs.max', 'ms'],
  ['latency', 'mean bulk write (on top)', 'meanWriteMs', 'ms'],
  ['latency', 'lost / doubled', 'lost|doubled', '', '0 / 0'],
  [
    'latency',
    'p50 / p99: producedAt → record (publisher batching)',
    'breakdown.batchingMs.p50|breakdown.batchingMs.p99',
    'ms',
  ],
  ['latency', 'p50 / p99: record → 200 (acks=all)', 'breakdown.ackMs.p50|breakdown.ackMs.p99', 'ms'],
  ['latency', 'p50 / p99: 200 → storedAt (the sink)', 'breakdown.sinkMs.p50|breakdown.sinkMs.p99', 'ms'],
  [
    'latency',
    'slowest 1%, mean: batching / ack / sink',
    'breakdown.tailMeanMs.batching|breakdown.tailMeanMs.ack|breakdown.tailMeanMs.sink',
    'ms',
  ],
  ['latency', 'records per bulk write', 'breakdown.recordsPerWrite', ''],
  ['latency', 'CPU of the whole machine during the load (all its cores busy = nproc)', 'cpu.machine', 'cores'],
  ['latency', 'CPU: load generator / API / sink', 'cpu.load|cpu.api|cpu.sink', 'cores'],
  ['latency', 'CPU: broker-1 / broker-2 / FerretDB', 'cpu.kafka-broker-1|cpu.kafka-broker-2|cpu.ferretdb', 'cores'],
  [
    'latency',
    'highest rate with p99 ≤ 100 ms (--rate, then up --search-rates or down --search-rates-below; 0: none)',
    'search.highestRate',
    'ev/s',
  ],
  ['latency', 'p99 at that rate', 'search.p99AtHighest', 'ms'],
  ['scale-out', '1 instance', 'one.perSec', 'rec/s'],
  ['scale-out', '2 instances', 'two.perSec', 'rec/s'],
  ['scale-out', '2 / 1', 'twoOverOne', '×'],
  ['scale-out', 'consumed twice (1 / 2 instances)', 'one.doubled|two.doubled', '', '0 / 0'],
  [
    'scale-out',
    'CPU of the whole machine while draining (all its cores busy = nproc): 1 / 2 instances',
    'one.cpu.machine|two.cpu.machine',
    'cores',
  ],
  ['scale-out', 'CPU of the sink instances together: 1 / 2 instances', 'one.cpu.sinks|two.cpu.sinks', 'cores'],
  ['scale-out', 'CPU of the store: 1 / 2 instances', 'one.cpu.store|two.cpu.store', 'cores'],
  ['kafka', 'ProducerPerformance, acks=all', 'recordsPerSec', 'rec/s'],
  ['kafka', 'ProducerPerformance MB/s', 'mbPerSec', 'MB/s'],
  ['kafka', 'ProducerPerformance latency p50 / p99', 'latencyMs.p50|latencyMs.p99', 'ms'],
];

/** Results of benchmark `name` on `backend`: `sink`, `sink/postgresql`. */
const resultKey = (name: Name, backend: Backend) => (backend === 'sqlite' ? name : `${name}/${backend}`);

function table(results: Record<string, { stats: Record<string, Stat> }>, heading: string): string {
  const fmt = (n: number) => (Number.isInteger(n) ? String(n) : String(Number(n.toFixed(2))));
  const lines = [
    heading,
    '',
    '| benchmark | measure | median | min–max | unit | target |',
    '| --- | --- | ---: | ---: | --- | --- |',
  ];
  // A benchmark's rows per store, in the order the results were taken.
  const rows = Object.keys(results).flatMap((key) =>
    ROWS.filter(([name]) => name === key.split('/')[0]).map(
      ([, measure, paths, unit, target]) => [key, measure, paths, unit, target] as const,
    ),
  );
  for (const [name, measure, paths, unit, target] of rows) {
    const figure = results[name];
    if (!figure) continue;
    const picked = paths.split('|').map((path) => figure.stats[path]);
    if (picked.some((stat) => !stat)) continue;
    const median = picked.map((stat) => fmt(stat!.median)).join(' / ');
    const range = picked.map((stat) => `${fmt(stat!.min)}–${fmt(stat!.max)}`).join(' / ');
    lines.push(`| ${name} | ${measure} | ${median} | ${range} | ${unit} | ${target ?? ''} |`);
  }
  return lines.join('\n');
}

/** Where the full table lives: bench/README.md, between its markers. */
const TABLE_FILE = join('bench', 'README.md');

function rewriteReadme(markdown: string): void {
  const path = join(ROOT, TABLE_FILE);
  const readme = readFileSync(path, 'utf8');
  const section = /<!-- bench:start -->[\s\S]*<!-- bench:end -->/;
  if (!section.test(readme)) {
    say(`${TABLE_FILE} has no <!-- bench:start --> / <!-- bench:end --> markers: not updated`);
    return;
  }
  writeFileSync(path, readme.replace(section, `<!-- bench:start -->\n${markdown}\n<!-- bench:end -->`));
}

async function main(): Promise<void> {
  const names = args.only.split(',').map((name) => name.trim()) as Name[];
  // The connector's ratios are to the sink's figures of the same repetition: the sink runs first.
  if (names.includes('sink') && names.includes('connector')) {
    names.splice(names.indexOf('sink'), 1);
    names.splice(names.indexOf('connector'), 0, 'sink');
  }
  const unknown = names.filter((name) => !(name in BENCHMARKS));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS)}`);
  const backends = parseBackends(args.backends);
  // Every numeric option is checked before the first benchmark runs, not when its turn comes.
  for (const [name, value] of Object.entries(args) as [keyof typeof args, unknown][])
    if (name !== 'only' && name !== 'backends' && typeof value === 'string')
      if (value.includes(',') || name.startsWith('search-rates')) counts(name);
      else count(name);
  const reps = count('reps');
  const keys = names.flatMap((name) =>
    ('perStore' in BENCHMARKS[name] ? backends : (['sqlite'] as const)).map((backend) => ({ name, backend })),
  );
  const started = new Date();
  const runs: Record<string, unknown[]> = {};
  const reruns: Record<string, string[]> = {};
  for (let rep = 1; rep <= reps; rep++) {
    for (const key of Object.keys(thisRepetition)) delete thisRepetition[key];
    for (const { name, backend } of keys) {
      const key = resultKey(name, backend);
      say(`[${rep}/${reps}] ${key}`);
      const t = Date.now();
      const outcome = await withStore(backend, (store) => runOnce(name, store));
      (runs[key] ??= []).push(outcome.figures);
      thisRepetition[key] = outcome.figures;
      (reruns[key] ??= []).push(...outcome.reruns);
      say(`  ${JSON.stringify(outcome.figures)} (${((Date.now() - t) / 1000).toFixed(0)} s)`);
    }
  }

  const command = `make bench${process.argv.length > 2 ? ` BENCH_ARGS="${process.argv.slice(2).join(' ')}"` : ''}`;
  const host = machine();
  const results = Object.fromEntries(
    Object.keys(runs).map((key) => [key, { stats: stats(runs[key]!), runs: runs[key]! }]),
  );
  const report = {
    at: started.toISOString(),
    command,
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim(),
    machine: host,
    repetitions: reps,
    options: args,
    reruns,
    results,
  };
  // A run of some benchmarks (--only) gets a file of its own and leaves bench/README.md's full table alone.
  const everything = Object.keys(BENCHMARKS).every((name) => names.includes(name as Name));
  const date = started.toISOString().slice(0, 10) + (everything ? '' : `-${names.join('+')}`);
  const heading =
    `\`${command}\`, ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC: medians of ${reps} ` +
    `repetitions (min–max). Machine: ${host.nproc} CPUs (${host.cpuModel}), ${host.ramGiB} GiB RAM, Node ${host.node}; ` +
    'Kafka, FerretDB, the services and the load generator all on it.';
  const markdown = table(results, heading);
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${date}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(dir, `${date}.md`), `${markdown}\n`);
  if (!args['no-readme'] && everything) rewriteReadme(markdown);
  process.stdout.write(`${markdown}\n\nwritten: bench/results/${date}.json, bench/results/${date}.md\n`);
  const rerun = Object.entries(reruns).filter(([, why]) => why.length > 0);
  if (rerun.length > 0) say(`runs repeated because disturbed: ${JSON.stringify(Object.fromEntries(rerun))}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    say(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
