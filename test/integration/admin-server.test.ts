/**
 * The admin server against the real Redis: the dashboard only with the right
 * credentials, the ops routes, queue metrics, and a real browser that logs in
 * and sees the queue and a finished job (screenshot in test-artifacts/).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startAdmin, type AdminServer } from '../../admin/server/server';
import { addJob } from '../../lib/jobs/queue';
import { startWorker, type WorkerService } from '../../workers/worker';
import { launchChromium } from '../../harness/browser';
import { eventually, testConfig, testLogger } from '../../harness/env';

const PASSWORD = 'correct-horse-battery-staple';
const config = testConfig({ ADMIN_USER: 'ops', ADMIN_PASSWORD: PASSWORD });
const log = testLogger('workers-admin');
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

let admin: AdminServer;
let worker: WorkerService;

beforeAll(async () => {
  admin = await startAdmin(config, log, { port: 0, host: '127.0.0.1' });
  // A worker whose jobs publish nothing: this file is about the dashboard, not the producers.
  worker = await startWorker(config, log, {
    port: null,
    handlers: {
      somedata: async (data, { onProgress }) => {
        onProgress({ published: 1, failed: 0 });
        return { published: data.maxEvents ?? 1, failed: 0, topic: config.kafka.topics.somedata };
      },
      footdata: async () => ({ published: 0, failed: 0, topic: config.kafka.topics.footdata }),
      'footdata-season': async () => ({ published: 0, failed: 0, topic: config.kafka.topics.footdata }),
    },
  });
});

afterAll(async () => {
  await worker?.stop();
  await admin?.queue.obliterate({ force: true });
  await admin?.stop();
});

describe('the admin server', () => {
  it('refuses to start without ADMIN_PASSWORD, naming it', async () => {
    await expect(startAdmin(testConfig({ ADMIN_PASSWORD: '' }), log, { port: 0 })).rejects.toThrow(/ADMIN_PASSWORD/);
  });

  it('answers 401 with a Basic challenge without credentials, or with wrong ones', async () => {
    for (const authorization of [undefined, basic('ops', 'wrong'), basic('admin', PASSWORD)]) {
      const res = await fetch(`${admin.url}/admin/queues`, { headers: authorization ? { authorization } : {} });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    }
    const api = await fetch(`${admin.url}/admin/queues/api/queues`);
    expect(api.status).toBe(401);
  });

  it('serves the dashboard and its API with the right credentials', async () => {
    const page = await fetch(`${admin.url}/admin/queues`, { headers: { authorization: basic('ops', PASSWORD) } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const api = await fetch(`${admin.url}/admin/queues/api/queues`, {
      headers: { authorization: basic('ops', PASSWORD) },
    });
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: { name: string }[] };
    expect(body.queues.map((queue) => queue.name)).toContain(config.workers.queueName);
  });

  it('answers /healthz and /readyz without credentials, and 404 JSON elsewhere', async () => {
    expect((await fetch(`${admin.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${admin.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { redis: true } });
    const missing = await fetch(`${admin.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('reports jobs by state in /metrics', async () => {
    const job = await addJob(admin.queue, 'somedata', { maxEvents: 2, intervalSec: 0, durationSec: 1 });
    await eventuallyState(job.id!, 'completed');
    const text = await (await fetch(`${admin.url}/metrics`)).text();
    const queue = config.workers.queueName;
    expect(text).toMatch(new RegExp(`bullmq_jobs\\{[^}]*queue="${escape(queue)}"[^}]*state="completed"[^}]*\\} [1-9]`));
    expect(text).toMatch(new RegExp(`bullmq_jobs\\{[^}]*state="failed"[^}]*\\} 0`));
    expect(text).toMatch(new RegExp(`bullmq_workers\\{[^}]*queue="${escape(queue)}"[^}]*\\} 1`));
  });

  it('in a real browser: logs in, shows the queue and a completed job', async () => {
    const job = await addJob(admin.queue, 'somedata', { runId: 'browser-test', maxEvents: 3, intervalSec: 0 });
    await eventuallyState(job.id!, 'completed');

    const browser = await launchChromium();
    try {
      const context = await browser.newContext({
        httpCredentials: { username: 'ops', password: PASSWORD },
        viewport: { width: 1400, height: 900 },
      });
      const page = await context.newPage();
      // Every script, style and API call of the dashboard loads; only bull-board's Google Fonts
      // stylesheet is refused (our CSP keeps admin pages from calling third parties).
      const problems: string[] = [];
      const thirdParty = /fonts\.googleapis\.com/;
      page.on('console', (message) => {
        if (message.type() === 'error' && !thirdParty.test(message.text())) problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('requestfailed', (request) => {
        if (!thirdParty.test(request.url())) problems.push(`${request.url()}: ${request.failure()?.errorText}`);
      });

      const queueUrl = `${admin.url}/admin/queues/queue/${encodeURIComponent(config.workers.queueName)}?status=completed`;
      const response = await page.goto(queueUrl);
      expect(response?.status()).toBe(200);
      await page.getByText(config.workers.queueName).first().waitFor({ timeout: 15_000 });
      // The completed job's card: its id and its name.
      await page.getByText(`#${job.id}`).first().waitFor({ timeout: 15_000 });
      await page.getByText('somedata').first().waitFor({ timeout: 15_000 });

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'workers-dashboard.png'), fullPage: true });
      expect(problems).toEqual([]);
      await context.close();
    } finally {
      await browser.close();
    }
  }, 60_000);
});

/** Wait until the job is in `state` (completed, failed, ...). */
function eventuallyState(jobId: string, state: string): Promise<boolean> {
  return eventually(async () => (await admin.queue.getJobState(jobId)) === state, `job ${jobId} ${state}`);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
