/**
 * When Kafka is unreachable, `/somedata` answers 503 with Retry-After within
 * PUBLISH_TIMEOUT_MS instead of hanging or growing memory, the service stays
 * up, and it recovers by itself when Kafka is back — every 200 still a record.
 *
 * The shared brokers keep running: this API reaches them through a network of
 * its own (harness/kafka-network.ts: one TCP proxy per broker and a
 * socketFactory that routes every connection, advertised addresses included,
 * through them), which the test cuts and restores.
 */
import type { Config } from '../../lib/config';
import { createKafka } from '../../lib/kafka/client';
import type { RunningApi } from '../../producers/service';
import { eventually, freshName, testLogger } from '../../harness/env';
import { startKafkaNetwork, type KafkaNetwork, type Outage } from '../../harness/kafka-network';
import { freshTopics, readEvents, startTestApi, type TopicsUnderTest } from '../../harness/producers';

const TIMEOUT_MS = 1_500;
let topics: TopicsUnderTest;
let network: KafkaNetwork;
let api: RunningApi;
const acknowledged = new Set<string>();

beforeAll(async () => {
  topics = await freshTopics({ PUBLISH_TIMEOUT_MS: String(TIMEOUT_MS), PUBLISH_MAX_PENDING: '1000' });
  network = await startKafkaNetwork(topics.config.kafka.brokers);
  const config: Config = { ...topics.config, kafka: { ...topics.config.kafka, brokers: network.brokers } };
  const kafka = createKafka(config.kafka, testLogger('kafka'), {
    clientId: freshName('outage'),
    overrides: { socketFactory: network.socketFactory },
  });
  api = await startTestApi(config, { kafka });
});
afterAll(async () => {
  await network?.restore();
  await api?.stop();
  await network?.close();
  await topics?.drop();
});

async function somedata(data: string) {
  const started = Date.now();
  const response = await fetch(`${api.url}/somedata/${data}?number=2`);
  const body = await response.json();
  if (response.status === 200) acknowledged.add(response.headers.get('x-event-id')!);
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body, ms: Date.now() - started };
}

describe.each<Outage>(['refuse', 'blackhole'])('when the brokers %s connections', (outage) => {
  it('publishes normally before the outage', async () => {
    expect((await somedata(`before-${outage}`)).status).toBe(200);
  });

  it('answers 503 with Retry-After within the publish timeout, and stays up', async () => {
    await network.cut(outage);
    const answers = await Promise.all(Array.from({ length: 30 }, (_, index) => somedata(`during-${outage}-${index}`)));
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(answer.body).toEqual({ error: { code: 'unavailable', message: expect.any(String) } });
      expect(answer.ms).toBeLessThan(TIMEOUT_MS + 1_000);
    }
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, checks: { kafka: false } });
    // Nothing piles up: what timed out is no longer held (a batch in flight at most).
    expect(api.publisher.pending).toBeLessThanOrEqual(topics.config.api.publish.maxBatch);
  });

  it('recovers by itself once the brokers are reachable again', async () => {
    await network.restore();
    await eventually(async () => (await somedata(`after-${outage}`)).status === 200, 'a 200 after the outage', 45_000);
    await eventually(async () => (await fetch(`${api.url}/readyz`)).status === 200, 'ready again', 10_000);
  });
});

describe('after the outages', () => {
  it('has a record for every 200 it answered', async () => {
    const events = await readEvents(topics, topics.config.kafka.topics.somedata);
    const stored = new Set(events.map(({ event }) => event.eventId));
    for (const eventId of acknowledged) expect(stored.has(eventId)).toBe(true);
  });
});
