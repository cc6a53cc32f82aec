/**
 * SIGTERM in the middle of load loses no acknowledged event: the API process
 * stops accepting, lets the requests in flight finish, flushes the records
 * still waiting in the publisher, and only then exits — every 200 it sent is a
 * record in Kafka, and there is no record nobody got a 200 for.
 */
import { freePort } from '../../harness/consumer';
import { killServices, startService, waitUntilAnswers } from '../../harness/processes';
import { freshTopics, producersEnv, readEvents, type TopicsUnderTest } from '../../harness/producers';

let topics: TopicsUnderTest;

beforeAll(async () => {
  // A long linger, so records are still waiting in the publisher when SIGTERM comes.
  topics = await freshTopics({ PUBLISH_LINGER_MS: '40' });
});
afterAll(async () => {
  await killServices();
  await topics?.drop();
});

it('SIGTERM mid-load: the process exits 0 and every acknowledged event is in Kafka, once', async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const api = startService('producers/main.ts', { ...producersEnv(topics.config, port), LOG_LEVEL: 'info' });
  await waitUntilAnswers(`${url}/readyz`, api);

  const acknowledged = new Set<string>();
  const statuses = new Map<number, number>();
  let terminated = false;
  const client = async (id: number) => {
    for (let n = 0; ; n++) {
      try {
        const response = await fetch(`${url}/somedata/c${id}-${n}?number=2`);
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 200) acknowledged.add(response.headers.get('x-event-id')!);
      } catch {
        if (terminated) return; // the server is gone: this client is done
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  };
  const clients = Array.from({ length: 24 }, (_, id) => client(id));

  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const before = acknowledged.size;
  terminated = true;
  const code = await api.stop('SIGTERM');
  await Promise.all(clients);

  expect(code).toBe(0);
  expect(api.output()).toMatch(/"msg":"shutdown complete"/);
  expect(api.output()).toMatch(/"clean":true/);
  expect(before).toBeGreaterThan(20);
  expect([...statuses.keys()].every((status) => status === 200)).toBe(true);

  const events = await readEvents(topics, topics.config.kafka.topics.somedata);
  const stored = new Set(events.map(({ event }) => event.eventId));
  const missing = [...acknowledged].filter((eventId) => !stored.has(eventId));
  expect(missing).toEqual([]);
  expect(events).toHaveLength(acknowledged.size);
  if (process.env.SHOW_SHUTDOWN_LOG) console.log(api.output());
  console.log(`SIGTERM under load: ${acknowledged.size} acknowledged, ${events.length} records in Kafka`);
});
