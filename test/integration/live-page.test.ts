/**
 * The live page (admin server, GET /) against the real Kafka and store, with
 * the API, the read API and the admin server in-process and the consumer as a
 * child process, all on fresh topics and a fresh database:
 *   - 401 without the dashboard's credentials; every section with them, no console error;
 *   - a GET /somedata/<tag> shows in the latest events within 2 s; a match update
 *     published to footdata changes its row within 2 s;
 *   - a poison record raises the dead-letter count and shows its reason;
 *   - the consumer stopped shows as down with the lag growing; started again, the banner clears;
 *   - the SSE stream resumes from Last-Event-ID;
 *   - screenshots at 1280 px and at a phone's 390 px in test-artifacts/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { somedataItems, createEvent, toKafkaMessage } from '../../lib/schemas';
import { addJob } from '../../lib/jobs/queue';
import { launchChromium } from '../../harness/browser';
import { aMatch, footdataEvent, produce } from '../../harness/consumer';
import { eventually, freshName } from '../../harness/env';
import { basicAuthHeader, LIVE_PASSWORD, LIVE_USER, useLivePipeline } from '../../harness/live-page';
import { STACK_DIR } from '../../harness/stack';

jest.setTimeout(180_000);

const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');
// The stack's Airflow, with the password make up generated for it (as infra/services/81-admin.sh passes it).
const AIRFLOW_PASSWORDS = join(STACK_DIR, 'airflow', 'simple_auth_manager_passwords.json.generated');
const live = useLivePipeline(
  {},
  existsSync(AIRFLOW_PASSWORDS) ? { LIVE_AIRFLOW_PASSWORDS_FILE: AIRFLOW_PASSWORDS } : {},
);

let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  context = await browser.newContext({
    httpCredentials: { username: LIVE_USER, password: LIVE_PASSWORD },
    viewport: { width: 1280, height: 900 },
  });
  page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
});

/** The text of the matches table's row of `matchId`, or '' while there is none. */
const matchRow = (matchId: number) =>
  page
    .locator(`#matches tr[data-match-id="${matchId}"]`)
    .textContent({ timeout: 100 })
    .then(
      (text) => text ?? '',
      () => '',
    );

/** Read an SSE stream for `ms` and return its messages' ids and event names. */
async function readStream(headers: Record<string, string>, ms: number): Promise<{ id: string; event: string }[]> {
  const abort = new AbortController();
  const response = await fetch(`${live.admin.url}/live/events`, { headers, signal: abort.signal });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = response.body!.getReader();
  let text = '';
  const timer = setTimeout(() => abort.abort(), ms);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
  } catch {
    // aborted: the time is up
  } finally {
    clearTimeout(timer);
  }
  return text
    .split('\n\n')
    .map((block) => ({
      id: /^id: (.*)$/m.exec(block)?.[1] ?? '',
      event: /^event: (.*)$/m.exec(block)?.[1] ?? '',
    }))
    .filter((message) => message.event);
}

describe('the live page', () => {
  it('answers 401 without the credentials, for the page, its script and its stream', async () => {
    for (const path of ['/', '/live/app.js', '/live/events', '/live/event/01890a5d-ac96-774b-bcce-b302099a8057']) {
      for (const authorization of [undefined, basicAuthHeader(LIVE_USER, 'wrong')]) {
        const response = await fetch(`${live.admin.url}${path}`, { headers: authorization ? { authorization } : {} });
        expect(`${path} ${response.status}`).toBe(`${path} 401`);
        expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      }
    }
  });

  it('shows every section, live, with no console error', async () => {
    const response = await page.goto(`${live.admin.url}/`);
    expect(response?.status()).toBe(200);
    await page.locator('#connection.live').waitFor({ timeout: 10_000 });
    for (const section of ['health', 'flow', 'events', 'dead-letters', 'matches', 'standings', 'jobs', 'dag-runs'])
      await page.locator(`[data-section="${section}"]`).waitFor({ timeout: 5_000 });
    // Each section's first state arrived (its "read HH:MM:SS UTC" stamp).
    for (const stamp of [
      'health-at',
      'flow-at',
      'events-at',
      'dead-letters-at',
      'matches-at',
      'standings-at',
      'jobs-at',
      'dag-runs-at',
    ])
      await page.locator(`#${stamp}`, { hasText: /^read \d\d:\d\d:\d\d UTC$/ }).waitFor({ timeout: 15_000 });
    await page.locator('#health [data-service="consumer"][data-state="up"]').waitFor({ timeout: 10_000 });
    await page
      .locator('#flow-diagram [data-topic="somedata"]', { hasText: live.config.kafka.topics.somedata })
      .waitFor();
    await page.locator('#rate-chart svg').waitFor();
    // A job waiting in the queue (no worker takes this file's queue) shows with its state and run.
    const job = await addJob(live.admin.queue, 'somedata', { runId: 'live-page-test', maxEvents: 1, intervalSec: 0 });
    await page.locator('#jobs tr.job-waiting', { hasText: `#${job.id}` }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#jobs tr.job-waiting').first().textContent()).toContain('live-page-test');
    // The DAG runs, read from Airflow's REST API with the stack's password (a table, maybe empty on a fresh stack).
    if (existsSync(AIRFLOW_PASSWORDS))
      await page.locator('#dag-runs th', { hasText: 'run after' }).waitFor({ timeout: 15_000 });
    expect(problems).toEqual([]);
  });

  it('a GET /somedata/<tag> is in the latest events within 2 s of its answer, linking to GET /events/:eventId', async () => {
    const tag = freshName('live')
      .replace(/[^A-Za-z0-9_-]/g, '_')
      .slice(0, 60);
    const answer = await fetch(`${live.api.url}/somedata/${tag}?number=2`);
    expect(answer.status).toBe(200);
    const answeredAt = Date.now();
    const eventId = answer.headers.get('x-event-id')!;
    const row = page.locator(`#events tr[data-event-id="${eventId}"]`);
    await row.waitFor({ timeout: 2_000 });
    const shownAfterMs = Date.now() - answeredAt;
    expect(shownAfterMs).toBeLessThan(2_000);
    expect(await row.textContent()).toContain(tag);
    // Its link answers where the event went: stored, at its Kafka position.
    const href = await row.locator('a').getAttribute('href');
    const located = await fetch(`${live.admin.url}${href}`, { headers: { authorization: basicAuthHeader() } });
    expect(located.status).toBe(200);
    expect(await located.json()).toMatchObject({ eventId, status: 'stored', stored: { collection: 'somedata' } });
  });

  it('a match update published to footdata changes its row within 2 s (names shown as text, never as HTML)', async () => {
    const kickOff = new Date();
    // A team name from upstream is data: it must show as these characters and run nothing.
    const hostileName = '<img src=x onerror="window.__xss=1">Paris <b>SG</b>';
    const first = aMatch({
      homeTeam: { id: 524, name: hostileName },
      utcDate: kickOff.toISOString(),
      status: 'IN_PLAY',
      minute: 12,
      lastUpdated: new Date(kickOff.getTime() - 60_000).toISOString(),
      score: { winner: null, fullTime: { home: 0, away: 0 }, halfTime: { home: 0, away: 0 } },
    });
    await produce(live.sut.kafka, live.config.kafka.topics.footdata, [toKafkaMessage(footdataEvent(first))]);
    await eventually(async () => (await matchRow(first.id)).includes('0–0'), `match ${first.id} shown 0–0`, 10_000);

    const update = {
      ...first,
      minute: 13,
      lastUpdated: kickOff.toISOString(),
      score: { winner: null, fullTime: { home: 1, away: 0 }, halfTime: { home: 1, away: 0 } },
    };
    await produce(live.sut.kafka, live.config.kafka.topics.footdata, [toKafkaMessage(footdataEvent(update))]);
    const publishedAt = Date.now();
    await page
      .locator(`#matches tr[data-match-id="${first.id}"] td.score`, { hasText: '1–0' })
      .waitFor({ timeout: 2_000 });
    expect(Date.now() - publishedAt).toBeLessThan(2_000);
    expect(await matchRow(first.id)).toContain("IN_PLAY 13'");
    expect(await page.locator(`#matches tr[data-match-id="${first.id}"] td.team`).first().textContent()).toBe(
      hostileName,
    );
    expect(await page.evaluate('window.__xss')).toBeUndefined();
  });

  it('a poison record raises the dead-letter count and shows its reason', async () => {
    const before = Number(((await page.locator('#dlq-total').textContent()) ?? '').replace(/,/g, ''));
    await produce(live.sut.kafka, live.config.kafka.topics.somedata, [
      { key: 'poison', value: '{"this is": not json' },
    ]);
    await eventually(
      async () => Number((await page.locator('#dlq-total').textContent())!.replace(/,/g, '')) === before + 1,
      'the dead-letter count to grow by one',
      10_000,
    );
    await page.locator('#dead-letters td.reason', { hasText: 'decode' }).waitFor({ timeout: 10_000 });
  });

  it('the consumer stopped shows as down with the lag growing; started again, the banner clears', async () => {
    await live.stopConsumer();
    await page.locator('#health [data-service="consumer"][data-state="down"]').waitFor({ timeout: 5_000 });
    await page.locator('#banner [data-service="consumer"]').waitFor({ timeout: 5_000 });
    expect(await page.locator('#banner').isVisible()).toBe(true);

    const events = Array.from({ length: 25 }, (_, index) =>
      createEvent(
        'somedata',
        { data: 'lag', number: 1, items: somedataItems('lag', 1) },
        { source: 'api', runId: `lag-${index}` },
      ),
    );
    await produce(
      live.sut.kafka,
      live.config.kafka.topics.somedata,
      events.map((event) => toKafkaMessage(event)),
    );
    await eventually(
      async () => Number((await page.locator('#lag-total').textContent())!.replace(/,/g, '')) >= 25,
      'the lag to show the 25 records waiting',
      10_000,
    );
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'live-page-consumer-down.png'), fullPage: true });

    await live.startConsumer();
    await page.locator('#health [data-service="consumer"][data-state="up"]').waitFor({ timeout: 10_000 });
    await page.locator('#banner').waitFor({ state: 'hidden', timeout: 10_000 });
    await eventually(async () => (await page.locator('#lag-total').textContent()) === '0', 'the lag back to 0', 30_000);
  });

  it('the stream resumes from Last-Event-ID: only what changed since, everything after a restart', async () => {
    const headers = { authorization: basicAuthHeader() };
    const first = await readStream(headers, 1_500);
    const names = new Set(first.map((message) => message.event));
    expect([...names].sort()).toEqual([
      'dagRuns',
      'deadLetters',
      'events',
      'flow',
      'health',
      'jobs',
      'matches',
      'standings',
    ]);
    const last = first.at(-1)!.id;
    // Resumed: the sections that changed since `last` (the flow, each poll), not the ones that did not.
    const resumed = await readStream({ ...headers, 'last-event-id': last }, 1_500);
    expect(resumed.length).toBeGreaterThan(0);
    const seq = (id: string) => Number(id.split('.')[1]);
    expect(resumed.every((message) => seq(message.id) > seq(last))).toBe(true);
    expect(resumed.map((message) => message.event)).not.toContain('standings');
    // An id of another boot of the server (it restarted): every section again.
    const other = await readStream({ ...headers, 'last-event-id': 'deadbeef.99999' }, 1_500);
    expect(new Set(other.map((message) => message.event)).size).toBe(8);
  });

  it('screenshots: wide (1280 px) and narrow (390 px), with no console error', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: join(ARTIFACTS, 'live-page-wide.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(1_500); // a poll redraws the charts at the new width
    // Nothing wider than the phone's screen but the tables' own scroll areas.
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, 'live-page-narrow.png'), fullPage: true });
    expect(problems).toEqual([]);
  });
});
