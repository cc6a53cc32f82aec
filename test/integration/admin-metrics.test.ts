/**
 * The admin server's /metrics is open to anyone who reaches the port (like
 * every service's), so a scrape must cost Redis a bounded number of commands
 * however many jobs the queue holds. Counted on a private redis-server
 * (INFO commandstats sees only this test's traffic) holding 12,000 jobs.
 */
import { startAdmin, type AdminServer } from '../../admin/server/server';
import { createQueue, type ProducerQueue } from '../../lib/jobs/queue';
import { testConfig, testLogger } from '../../harness/env';
import { privateRedis, type PrivateRedis } from '../../harness/redis-server';

jest.setTimeout(120_000);

const JOBS = 12_000;
let redis: PrivateRedis;
let admin: AdminServer;
let queue: ProducerQueue;

beforeAll(async () => {
  redis = await privateRedis();
  const config = testConfig({ REDIS_URL: redis.url, ADMIN_PASSWORD: 'metrics-test-password' });
  queue = createQueue(config);
  for (let start = 0; start < JOBS; start += 1_000)
    await queue.addBulk(
      Array.from({ length: 1_000 }, (_, i) => ({
        name: start + i < JOBS / 2 ? 'somedata' : 'footdata',
        data: {},
        // A third waits in the future: two states to count.
        opts: (start + i) % 3 === 0 ? { delay: 3_600_000 } : {},
      })),
    );
  admin = await startAdmin(config, testLogger('workers-admin'), { port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await admin?.stop();
  await queue?.close();
  await redis?.stop();
});

it('a /metrics scrape costs a bounded number of Redis commands with 12,000 jobs queued', async () => {
  await fetch(`${admin.url}/healthz`); // connections made, scripts loaded
  await redis.resetStats();
  const response = await fetch(`${admin.url}/metrics`);
  const counts = await redis.commandCounts();
  delete counts.config; // our own RESETSTAT and INFO
  delete counts.info;
  const text = await response.text();
  expect(response.status).toBe(200);
  const total = Object.values(counts).reduce((sum, calls) => sum + calls, 0);
  expect(total).toBeLessThanOrEqual(50);
  // Still exact.
  const gauge = (state: string) =>
    [...text.matchAll(new RegExp(`^bullmq_jobs\\{[^}]*state="${state}"[^}]*\\} (\\d+)$`, 'gm'))].reduce(
      (sum, match) => sum + Number(match[1]),
      0,
    );
  expect({ waiting: gauge('waiting'), delayed: gauge('delayed') }).toEqual({ waiting: 8_000, delayed: 4_000 });
});

it('many scrapes at once cost no more than one', async () => {
  await redis.resetStats();
  const responses = await Promise.all(Array.from({ length: 20 }, () => fetch(`${admin.url}/metrics`)));
  expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
  const counts = await redis.commandCounts();
  delete counts.config;
  delete counts.info;
  const total = Object.values(counts).reduce((sum, calls) => sum + calls, 0);
  expect(total).toBeLessThanOrEqual(50);
});
