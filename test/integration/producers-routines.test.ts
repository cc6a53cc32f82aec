/**
 * The producer routines against the real API and Kafka: what they report is
 * what reached the topics, stamped with the run and the job that produced it.
 */
import { Publisher } from '../../lib/kafka/publisher';
import type { RoutineProgress } from '../../workers/routines/routine';
import { produceFootdata } from '../../workers/routines/footdata';
import { produceSomedata } from '../../workers/routines/somedata';
import type { RunningApi } from '../../producers/service';
import { freePort, header } from '../../harness/consumer';
import { testLogger } from '../../harness/env';
import { startFakeFootballData, type FakeFootballData } from '../../harness/fake-football-data';
import { freshTopics, readEvents, startTestApi, type TopicsUnderTest } from '../../harness/producers';

let topics: TopicsUnderTest;
let fake: FakeFootballData;
let api: RunningApi;
let publisher: Publisher;

beforeAll(async () => {
  [topics, fake] = await Promise.all([freshTopics(), startFakeFootballData()]);
  const config = { ...topics.config, football: { ...topics.config.football, apiUrl: fake.url, token: fake.token } };
  api = await startTestApi(config);
  publisher = new Publisher(topics.kafka, { ...topics.config.api.publish, log: testLogger('publisher') });
  await publisher.connect();
});
afterAll(async () => {
  await publisher?.close();
  await api?.stop();
  await fake?.close();
  await topics?.drop();
});

describe('the footdata routine', () => {
  it('publishes one record per match, keyed by match id, stamped with the run and the job', async () => {
    const progress: RoutineProgress[] = [];
    const result = await produceFootdata({
      apiUrl: api.url,
      publisher,
      topic: topics.config.kafka.topics.footdata,
      runId: 'scheduled__2026-11-24T10:00:00+00:00',
      source: 'job:17',
      onProgress: (step) => {
        progress.push(step);
      },
    });
    expect(result).toMatchObject({ published: 3, failed: 0, topic: topics.config.kafka.topics.footdata });
    expect(result.firstOffset).toEqual({ partition: expect.any(Number), offset: expect.stringMatching(/^\d+$/) });
    expect(progress.at(-1)).toEqual({ published: 3, failed: 0, percent: 100, lastOffsets: result.lastOffsets });
    // The highest offset of each partition written: what verify_sink compares with the sink's commits.
    const onLastPartition = result.lastOffsets?.find(({ partition }) => partition === result.lastOffset?.partition);
    expect(BigInt(onLastPartition!.offset)).toBeGreaterThanOrEqual(BigInt(result.lastOffset!.offset));

    const events = await readEvents(topics, topics.config.kafka.topics.footdata);
    expect(events).toHaveLength(3);
    for (const { message, event } of events) {
      expect(event).toMatchObject({
        type: 'footdata',
        source: 'job:17',
        runId: 'scheduled__2026-11-24T10:00:00+00:00',
      });
      expect(String(message.key)).toBe(String((event.payload as { id: number }).id));
      expect(header(message, 'schema')).toBe('footdata.v1');
    }
    // The result names each published match with the state it published, for verify_sink.
    const publishedState = events.map(({ event }) => {
      const match = event.payload as { id: number; lastUpdated: string };
      return { id: match.id, lastUpdated: match.lastUpdated };
    });
    expect([...result.matches].sort((a, b) => a.id - b.id)).toEqual(publishedState.sort((a, b) => a.id - b.id));
    const byId = (a: { id?: unknown }, b: { id?: unknown }) => Number(a.id) - Number(b.id);
    expect(events.map(({ event }) => event.payload as { id: number }).sort(byId)).toEqual([...fake.matches].sort(byId));
  });

  it('refuses an invalid run id before doing anything', async () => {
    await expect(
      produceFootdata({ apiUrl: api.url, publisher, topic: topics.config.kafka.topics.footdata, runId: 'bad/run' }),
    ).rejects.toThrow(/^runId: /);
  });
});

describe('the somedata routine', () => {
  it('publishes what it reports, every event carrying the run and the job', async () => {
    const result = await produceSomedata({
      apiUrl: api.url,
      durationSec: 20,
      intervalSec: 0.01,
      maxEvents: 40,
      runId: 'manual__somedata-routine',
      source: 'job:99',
    });
    expect(result).toMatchObject({ published: 40, failed: 0, topic: topics.config.kafka.topics.somedata });

    const events = (await readEvents(topics, topics.config.kafka.topics.somedata)).filter(
      ({ event }) => event.runId === 'manual__somedata-routine',
    );
    expect(events).toHaveLength(result.published);
    for (const { message, event } of events) {
      expect(event.source).toBe('job:99');
      if (event.type !== 'somedata') throw new Error('not a somedata event');
      expect(String(message.key)).toBe(event.payload.data);
      expect(event.payload.number).toBeGreaterThanOrEqual(1);
      expect(event.payload.number).toBeLessThanOrEqual(4);
    }
    const positions = events.map(({ message }) => message.offset);
    expect(positions).toContain(result.firstOffset?.offset);
    expect(positions).toContain(result.lastOffset?.offset);
  });

  it('paces its requests: one per interval for the duration', async () => {
    const started = Date.now();
    const result = await produceSomedata({ apiUrl: api.url, durationSec: 1, intervalSec: 0.3, runId: 'paced' });
    expect(result.published).toBe(4); // at 0, 0.3, 0.6 and 0.9 s
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('counts requests the API could not take as failed, and stops when aborted', async () => {
    const down = await produceSomedata({
      apiUrl: `http://127.0.0.1:${await freePort()}`,
      durationSec: 5,
      intervalSec: 0,
      maxEvents: 3,
    });
    expect(down).toMatchObject({ published: 0, failed: 3 });

    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('stopped by test')), 300);
    await expect(
      produceSomedata({ apiUrl: api.url, durationSec: 30, intervalSec: 0.1, signal: stop.signal }),
    ).rejects.toThrow('stopped by test');
  });
});
