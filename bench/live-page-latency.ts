/**
 * The live page's two figures (docs/ARCHITECTURE.md §5c):
 *   1. latency: from the answer of a GET /somedata/<tag> to its row on the page,
 *      p50/p99 over 100 calls (a MutationObserver in the page stamps each row);
 *   2. cost: while 5 browsers watch for 60 s under light traffic (20 requests/s),
 *      the admin server's CPU (from /proc/<pid>/stat) and the reads its poller
 *      adds to Kafka, the store and the read API (live_page_reads_total).
 * The API and the read API run in this process, the consumer and the admin
 * server as child processes, on fresh topics and a fresh database.
 * `node --import tsx bench/live-page-latency.ts [--calls 100] [--watch-sec 60] [--browsers 5]`
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { startReader } from '../reader/service';
import { launchChromium } from '../harness/browser';
import { consumerEnv, freePort } from '../harness/consumer';
import { freshName, testLogger } from '../harness/env';
import { freshTopics, startTestApi } from '../harness/producers';
import { startService, waitUntilAnswers } from '../harness/processes';
import { STACK_DIR } from '../harness/stack';
import { metricFromText, quantile } from './support';

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '100' },
    'watch-sec': { type: 'string', default: '60' },
    browsers: { type: 'string', default: '5' },
    'spacing-ms': { type: 'string', default: '300' },
  },
});
const CALLS = Number(args.calls);
const WATCH_SEC = Number(args['watch-sec']);
const BROWSERS = Number(args.browsers);
const SPACING_MS = Number(args['spacing-ms']);
const USER = 'bench';
const PASSWORD = 'live-page-bench';
const CLOCK_TICKS = 100; // getconf CLK_TCK on Linux

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** User + system CPU seconds of a process so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime, stime (fields 14, 15)
}

function readsBySource(metrics: string): Record<string, number> {
  const reads: Record<string, number> = {};
  for (const match of metrics.matchAll(/^live_page_reads_total\{[^}]*source="([a-z_]+)"[^}]*\} ([0-9.e+]+)$/gm))
    reads[match[1]!] = Number(match[2]);
  return reads;
}

async function main(): Promise<void> {
  const adminPort = await freePort();
  const consumerPort = await freePort();
  const topics = await freshTopics({ ADMIN_USER: USER, ADMIN_PASSWORD: PASSWORD });
  const { config } = topics;
  const api = await startTestApi(config);
  const reader = await startReader(
    { ...config, reader: { ...config.reader, dlqGroupId: freshName('bench-dlq') } },
    testLogger('reader'),
    {
      port: 0,
      host: '127.0.0.1',
      connectRetries: 3,
    },
  );
  const consumer = startService('consumer/main.ts', consumerEnv(config, consumerPort));
  const airflowPasswords = join(STACK_DIR, 'airflow', 'simple_auth_manager_passwords.json.generated');
  const admin = startService('admin/server/main.ts', {
    ...consumerEnv(config, consumerPort),
    QUEUE_NAME: config.workers.queueName,
    ADMIN_PORT: String(adminPort),
    ADMIN_USER: USER,
    ADMIN_PASSWORD: PASSWORD,
    REDIS_PASSWORD_FILE: join(STACK_DIR, 'redis-password'),
    API_URL: api.url,
    LIVE_READER_URL: reader.url,
    LIVE_CONSUMER_URL: `http://127.0.0.1:${consumerPort}`,
    ...(existsSync(airflowPasswords) && { LIVE_AIRFLOW_PASSWORDS_FILE: airflowPasswords }),
  });
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const browser = await launchChromium();
  try {
    await waitUntilAnswers(`http://127.0.0.1:${consumerPort}/readyz`, consumer);
    await waitUntilAnswers(`${adminUrl}/healthz`, admin);
    const open = async (): Promise<Page> => {
      const context = await browser.newContext({
        httpCredentials: { username: USER, password: PASSWORD },
        viewport: { width: 1280, height: 900 },
      });
      const page = await context.newPage();
      await page.goto(`${adminUrl}/`);
      await page.locator('#connection.live').waitFor({ timeout: 15_000 });
      await page.locator('#events-at', { hasText: /^read / }).waitFor({ timeout: 15_000 });
      return page;
    };

    // ---- 1. latency: answer → row on the page
    const page = await open();
    await page.evaluate(`(() => {
      window.__seen = {};
      new MutationObserver(() => {
        for (const row of document.querySelectorAll('#events tr[data-event-id]')) {
          const id = row.getAttribute('data-event-id');
          if (!(id in window.__seen)) window.__seen[id] = Date.now();
        }
      }).observe(document.getElementById('events'), { childList: true, subtree: true });
    })()`);
    const answered = new Map<string, { answeredAt: number; sentAt: number }>();
    for (let call = 0; call < CALLS; call += 1) {
      const sentAt = Date.now();
      const response = await fetch(`${api.url}/somedata/live_bench_${call}?number=1`);
      const eventId = response.headers.get('x-event-id');
      if (response.status === 200 && eventId) answered.set(eventId, { answeredAt: Date.now(), sentAt });
      await sleep(Math.max(0, SPACING_MS - (Date.now() - sentAt)));
    }
    await sleep(3_000);
    const seen = (await page.evaluate('window.__seen')) as Record<string, number>;
    const fromAnswer: number[] = [];
    const fromCall: number[] = [];
    let missing = 0;
    for (const [eventId, { answeredAt, sentAt }] of answered) {
      const at = seen[eventId];
      if (at === undefined) missing += 1;
      else {
        fromAnswer.push(at - answeredAt);
        fromCall.push(at - sentAt);
      }
    }
    const latency = {
      calls: CALLS,
      answered: answered.size,
      shown: fromAnswer.length,
      missing,
      answerToRowMs: { p50: quantile(fromAnswer, 0.5), p99: quantile(fromAnswer, 0.99), max: Math.max(...fromAnswer) },
      callToRowMs: { p50: quantile(fromCall, 0.5), p99: quantile(fromCall, 0.99) },
    };
    process.stdout.write(`latency ${JSON.stringify(latency)}\n`);

    // ---- 2. cost: BROWSERS pages watching for WATCH_SEC under light traffic
    const pages = [page];
    while (pages.length < BROWSERS) pages.push(await open());
    await sleep(3_000);
    let traffic = true;
    let sent = 0;
    const load = (async () => {
      while (traffic) {
        const started = Date.now();
        await fetch(`${api.url}/somedata/live_watch?number=1`).catch(() => undefined);
        sent += 1;
        await sleep(Math.max(0, 50 - (Date.now() - started)));
      }
    })();
    const metricsBefore = readsBySource(await (await fetch(`${adminUrl}/metrics`)).text());
    const cpuBefore = cpuSeconds(admin.child.pid!);
    const startedAt = Date.now();
    await sleep(WATCH_SEC * 1000);
    const cpuAfter = cpuSeconds(admin.child.pid!);
    const elapsedSec = (Date.now() - startedAt) / 1000;
    const metricsText = await (await fetch(`${adminUrl}/metrics`)).text();
    const metricsAfter = readsBySource(metricsText);
    traffic = false;
    await load;
    const perSec = Object.fromEntries(
      Object.entries(metricsAfter).map(([source, total]) => [
        source,
        Number(((total - (metricsBefore[source] ?? 0)) / elapsedSec).toFixed(2)),
      ]),
    );
    const cost = {
      browsers: pages.length,
      subscribers: metricFromText(metricsText, 'live_page_subscribers'),
      seconds: Number(elapsedSec.toFixed(1)),
      trafficPerSec: Number((sent / elapsedSec).toFixed(1)),
      adminCpuSeconds: Number((cpuAfter - cpuBefore).toFixed(2)),
      adminCpuShare: `${(((cpuAfter - cpuBefore) / elapsedSec) * 100).toFixed(1)}% of one core`,
      readsPerSec: perSec,
    };
    process.stdout.write(`cost ${JSON.stringify(cost)}\n`);
    const dir = join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `live-page-${new Date().toISOString().slice(0, 10)}.json`);
    writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), latency, cost }, null, 2)}\n`);
    process.stdout.write(`written ${file}\n`);
  } finally {
    await browser.close();
    await admin.stop();
    await consumer.stop();
    await reader.stop();
    await api.stop();
    await topics.drop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`live page bench failed: ${String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  },
);
