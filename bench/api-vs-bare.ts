/**
 * How much does "answer only after Kafka acknowledged the event" cost?
 * Requests/s and latency of `GET /somedata/car` on the real API (publishing
 * with acks=all, micro-batched) against a bare Express route that publishes
 * nothing, both as separate processes on this machine, in the same run.
 *
 *   node --import tsx bench/api-vs-bare.ts [--duration 10] [--connections 50]
 *
 * Needs the local Kafka (make up). Uses fresh topics and deletes them after.
 * Writes bench/results/api-vs-bare.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { loadConfig } from '../lib/config';
import { createKafka } from '../lib/kafka/client';
import { ensurePipelineTopics } from '../lib/kafka/topics';
import { createLogger } from '../lib/logger';

const ROOT = join(__dirname, '..');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

function start(script: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

interface Figures {
  requestsPerSec: number;
  latencyMs: { p50: number; p99: number; max: number };
  requests: number;
  non2xx: number;
  errors: number;
}

async function load(url: string, duration: number, connections: number): Promise<Figures> {
  await autocannon({ url, connections, duration: 2 }); // warm-up: JIT, connections, Kafka metadata
  const result = await autocannon({ url, connections, duration });
  return {
    requestsPerSec: Math.round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** Batching as the API itself counted it (its /metrics, warm-up included). */
async function publisherFigures(metricsUrl: string) {
  const text = await (await fetch(metricsUrl)).text();
  const value = (name: string) =>
    Number(text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm'))?.[1] ?? NaN);
  const batches = value('publisher_batch_size_count');
  const acked = value('publisher_ack_latency_seconds_count');
  return {
    batches,
    meanBatchSize: Number((value('publisher_batch_size_sum') / batches).toFixed(1)),
    meanAckMs: Number(((value('publisher_ack_latency_seconds_sum') / acked) * 1000).toFixed(1)),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { duration: { type: 'string' }, connections: { type: 'string' } } });
  const duration = Number(values.duration ?? 10);
  const connections = Number(values.connections ?? 50);

  const id = `bench-${Date.now().toString(36)}`;
  const topicEnv = { TOPIC_SOMEDATA: `${id}.somedata`, TOPIC_FOOTDATA: `${id}.footdata`, TOPIC_DLQ: `${id}.dlq` };
  const config = loadConfig({ ...process.env, ...topicEnv });
  const log = createLogger({ service: 'bench', level: 'warn' });
  const kafka = createKafka(config.kafka, log, { clientId: id });
  await ensurePipelineTopics(kafka, config.kafka, log, { retries: 10 });

  const [apiPort, barePort] = [await freePort(), await freePort()];
  const api = start('producers/main.ts', { ...topicEnv, API_PORT: String(apiPort), LOG_LEVEL: 'warn', FOOT_TOKEN: '' });
  const bare = start('bench/bare-server.ts', { BARE_PORT: String(barePort) });
  try {
    await Promise.all([
      waitFor(`http://127.0.0.1:${apiPort}/readyz`),
      waitFor(`http://127.0.0.1:${barePort}/somedata/car`),
    ]);
    const bareFigures = await load(`http://127.0.0.1:${barePort}/somedata/car`, duration, connections);
    const apiFigures = await load(`http://127.0.0.1:${apiPort}/somedata/car`, duration, connections);
    const publishing = await publisherFigures(`http://127.0.0.1:${apiPort}/metrics`);
    const result = {
      at: new Date().toISOString(),
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
      settings: { duration, connections, lingerMs: config.api.publish.lingerMs, maxBatch: config.api.publish.maxBatch },
      bare: bareFigures,
      api: { ...apiFigures, publishing },
      ratio: {
        requestsPerSec: Number((apiFigures.requestsPerSec / bareFigures.requestsPerSec).toFixed(3)),
        p99: Number((apiFigures.latencyMs.p99 / Math.max(1, bareFigures.latencyMs.p99)).toFixed(1)),
      },
    };
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', 'api-vs-bare.json'), `${JSON.stringify(result, null, 2)}\n`);
    const row = (name: string, f: Figures) =>
      `${name.padEnd(22)} ${String(f.requestsPerSec).padStart(8)} req/s   p50 ${String(f.latencyMs.p50).padStart(4)} ms   p99 ${String(f.latencyMs.p99).padStart(4)} ms   non-2xx ${f.non2xx}   errors ${f.errors}`;
    console.log(`GET /somedata/car, ${connections} connections, ${duration} s, ${result.machine.cpus} CPUs`);
    console.log(row('bare Express route', bareFigures));
    console.log(row('API (acks=all, batched)', apiFigures));
    console.log(
      `publisher: ${publishing.batches} sendBatch calls, ${publishing.meanBatchSize} records each on average, ` +
        `mean publish→ack ${publishing.meanAckMs} ms`,
    );
    console.log(`ratio API/bare: ${result.ratio.requestsPerSec} of the requests/s, p99 x${result.ratio.p99}`);
  } finally {
    await Promise.all([stop(api), stop(bare)]);
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(config.kafka.topics) }).catch(() => undefined);
    await admin.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
