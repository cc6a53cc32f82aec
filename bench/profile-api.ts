/**
 * Where the API's CPU goes, per request, beside the bare route: each server
 * runs under `--cpu-prof` with the API's Node flags and the same autocannon
 * load as bench/api-vs-bare.ts, then the samples' self time is summed by where
 * the code lives (a package, a Node module, our file, the garbage collector,
 * idle) and divided by the requests answered. The rows with the largest
 * difference say what publishing costs and where to look next.
 *
 *   node --import tsx bench/profile-api.ts [--duration 10] [--connections 100] [--rows 25]
 *
 * Needs the local Kafka (make up). Profiles are written to .stack/profiles/.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { freePort } from '../harness/consumer';
import { freshTopics } from '../harness/producers';
import { waitUntilAnswers, type ServiceProcess } from '../harness/processes';
import { STACK_DIR } from '../harness/stack';
import { startApiChild, startBareChild } from './support';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '100' },
    rows: { type: 'string', default: '25' },
  },
});

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a sampled function lives: `pkg:<name>`, `node:<module> <function>`, our file, or V8's own `(…)` entries. */
function placeOf({ functionName, url }: CpuProfile['nodes'][number]['callFrame']): string {
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `pkg:${pkg[1]}`;
  if (url.startsWith('node:')) return `${url.split('/').slice(0, 2).join('/')} ${functionName}`;
  return url.replace(/^.*?\/(lib|producers|bench|consumer|workers)\//, '$1/');
}

/** Microseconds of self time per request, by place. */
function microsPerRequest(profile: CpuProfile, requests: number): Map<string, number> {
  const places = new Map(profile.nodes.map((node) => [node.id, placeOf(node.callFrame)]));
  const micros = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const place = places.get(id)!;
    micros.set(place, (micros.get(place) ?? 0) + (profile.timeDeltas[i] ?? 0) / requests);
  });
  return micros;
}

/** A server started under --cpu-prof and loaded; the profile of its main thread and the requests it answered. */
async function profile(start: (nodeArgs: string[]) => ServiceProcess, url: string, dir: string) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const server = start(['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  await waitUntilAnswers(url, server);
  const connections = Number(args.connections);
  const warm = await autocannon({ url, connections, duration: 5 });
  const measured = await autocannon({ url, connections, duration: Number(args.duration) });
  await server.stop(); // the profile is written at exit
  // The largest profile is the main thread's (a second one comes from tsx's loader thread).
  const [file] = readdirSync(dir)
    .map((name) => join(dir, name))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  const requests = warm.requests.total + measured.requests.total;
  const perSec = Math.round(measured.requests.total / measured.duration);
  return { micros: microsPerRequest(JSON.parse(readFileSync(file!, 'utf8')) as CpuProfile, requests), perSec };
}

async function main(): Promise<void> {
  const topics = await freshTopics({ FOOT_TOKEN: '' });
  const dir = join(STACK_DIR, 'profiles');
  try {
    const [apiPort, barePort] = [await freePort(), await freePort()];
    const api = await profile(
      (nodeArgs) => startApiChild(topics.config, apiPort, {}, nodeArgs),
      `http://127.0.0.1:${apiPort}/somedata/car`,
      join(dir, 'api'),
    );
    const bare = await profile(
      (nodeArgs) => startBareChild(barePort, nodeArgs),
      `http://127.0.0.1:${barePort}/somedata/car`,
      join(dir, 'bare'),
    );
    const total = (micros: Map<string, number>) => [...micros.values()].reduce((sum, n) => sum + n, 0);
    const places = [...new Set([...api.micros.keys(), ...bare.micros.keys()])]
      .map((place) => ({ place, api: api.micros.get(place) ?? 0, bare: bare.micros.get(place) ?? 0 }))
      .sort((a, b) => b.api - b.bare - (a.api - a.bare));
    const us = (n: number) => n.toFixed(1);
    const lines = [
      `API ${api.perSec} req/s, bare ${bare.perSec} req/s (each alone, under --cpu-prof); µs of CPU per request:`,
      '',
      '| where | API | bare | API − bare |',
      '| --- | ---: | ---: | ---: |',
      `| **all (idle included)** | ${us(total(api.micros))} | ${us(total(bare.micros))} | ${us(total(api.micros) - total(bare.micros))} |`,
      ...places
        .slice(0, Number(args.rows))
        .map((row) => `| ${row.place} | ${us(row.api)} | ${us(row.bare)} | ${us(row.api - row.bare)} |`),
    ];
    process.stdout.write(`${lines.join('\n')}\n\nprofiles: ${dir}\n`);
  } finally {
    await topics.drop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `profile failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
