/**
 * The publisher's byte bound against the real cluster: batches of the largest
 * events the API makes (`/somedata/<64 chars>?number=100`, about 7.2 KB, one
 * key so one partition) never reach the topic's `max.message.bytes`, so a
 * burst of them is answered 200 and every 200 is in the topic; a record larger
 * than the topic takes fails alone, with a 413, while the others go through.
 */
import { Agent, request } from 'node:http';
import { ConfigResourceTypes } from 'kafkajs';
import type { RunningApi } from '../../producers/service';
import { eventually } from '../../harness/env';
import { freshTopics, readEvents, startTestApi, type TopicsUnderTest } from '../../harness/producers';

const MAXIMAL = `/somedata/${'x'.repeat(64)}?number=100`;

interface Answer {
  status: number;
  eventId: string | null;
  body: unknown;
}

/** Keep-alive sockets, as many as the burst has callers: requests start together instead of queueing for one. */
const agent = new Agent({ keepAlive: true, maxSockets: 500 });
afterAll(() => agent.destroy());

function call(api: RunningApi, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    request(`${api.url}${path}`, { agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const eventId = response.headers['x-event-id'];
        resolve({
          status: response.statusCode ?? 0,
          eventId: typeof eventId === 'string' ? eventId : null,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        });
      });
    })
      .on('error', reject)
      .end();
  });
}

/** `total` calls of `path`, `concurrency` at a time. */
async function burst(api: RunningApi, path: string, total: number, concurrency: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  let started = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < total) {
        started++;
        answers.push(await call(api, path));
      }
    }),
  );
  return answers;
}

/** Set the somedata topic's `max.message.bytes` and wait until the cluster reports it. */
async function limitTopic(topics: TopicsUnderTest, maxMessageBytes: number): Promise<void> {
  const name = topics.config.kafka.topics.somedata;
  await topics.admin.alterConfigs({
    validateOnly: false,
    resources: [
      {
        type: ConfigResourceTypes.TOPIC,
        name,
        configEntries: [
          { name: 'min.insync.replicas', value: '1' },
          { name: 'max.message.bytes', value: String(maxMessageBytes) },
        ],
      },
    ],
  });
  await eventually(async () => {
    const { resources } = await topics.admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: ['max.message.bytes'] }],
    });
    return resources[0]?.configEntries[0]?.configValue === String(maxMessageBytes);
  }, `max.message.bytes=${maxMessageBytes} on ${name}`);
}

describe('batches bounded by bytes, against the real cluster', () => {
  let topics: TopicsUnderTest | undefined;
  let api: RunningApi | undefined;
  afterEach(async () => {
    await api?.stop();
    await topics?.drop();
    api = topics = undefined;
  });

  it('answers 200 to every one of 1,000 maximal requests, 500 at a time, and each 200 is in the topic', async () => {
    // A topic taking 64 KiB record batches: nine maximal events. A client in this process is too slow to
    // fill batches during 5 ms sends, so a long linger gathers them (up to PUBLISH_MAX_BATCH, 500).
    topics = await freshTopics({ PUBLISH_LINGER_MS: '500' });
    await limitTopic(topics, 65_536);
    api = await startTestApi(topics.config);
    const answers = await burst(api, MAXIMAL, 1_000, 500);
    const statuses = answers.reduce<Record<number, number>>(
      (counts, { status }) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }),
      {},
    );
    expect(statuses).toEqual({ 200: 1_000 });
    const stored = new Set((await readEvents(topics, topics.config.kafka.topics.somedata)).map((r) => r.event.eventId));
    expect(answers.filter((answer) => !stored.has(answer.eventId!))).toEqual([]);
  }, 120_000);

  it('answers 413 with a JSON reason to a record over the topic limit, while the others are stored', async () => {
    topics = await freshTopics();
    await limitTopic(topics, 6_000); // a maximal event (about 7.2 KB) no longer fits; a small one does
    api = await startTestApi(topics.config);
    const running = api;
    const [big, ...small] = await Promise.all([
      call(running, MAXIMAL),
      ...Array.from({ length: 200 }, (_, index) => call(running, `/somedata/small-${index}?number=3`)),
    ]);
    expect(big).toMatchObject({
      status: 413,
      eventId: null,
      body: { error: { code: 'record_too_large', message: expect.stringMatching(/bytes/) } },
    });
    expect(small.map((answer) => answer.status)).toEqual(small.map(() => 200));
    const stored = await readEvents(topics, topics.config.kafka.topics.somedata);
    expect(stored.map((record) => record.event.eventId).sort()).toEqual(small.map((answer) => answer.eventId).sort());
  }, 60_000);
});
