/**
 * `/somedata` against the real Kafka cluster: every 200 means exactly one
 * record, with the right key, envelope and payload, in the somedata topic.
 */
import { header } from '../../harness/consumer';
import { readEvents, useTestApi } from '../../harness/producers';

interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, { parameters?: { name: string; schema: unknown }[] }>>;
  components: { schemas: Record<string, unknown> };
}

const under = useTestApi();

interface Acknowledged {
  data: string;
  number: number;
  eventId: string;
  partition: number;
  offset: string;
  source: string;
  runId: string | null;
}
const acknowledged: Acknowledged[] = [];

async function somedata(
  how: 'GET' | 'POST',
  data: string,
  number: number,
  headers: Record<string, string> = {},
): Promise<Response> {
  const response =
    how === 'GET'
      ? await fetch(`${under.api.url}/somedata/${data}?number=${number}`, { headers })
      : await fetch(`${under.api.url}/somedata`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ data, number }),
        });
  if (response.status === 200) {
    acknowledged.push({
      data,
      number,
      eventId: response.headers.get('x-event-id')!,
      partition: Number(response.headers.get('x-kafka-partition')),
      offset: response.headers.get('x-kafka-offset')!,
      source: headers['x-source'] ?? 'api',
      runId: headers['x-run-id'] ?? null,
    });
  }
  return response;
}

describe('GET and POST /somedata', () => {
  it("answers the seed's payload once Kafka has the event", async () => {
    const get = await somedata('GET', 'car', 3);
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ '0': 'car', '1': 'car', '2': 'car' });
    expect(get.headers.get('x-kafka-topic')).toBe(under.topics.config.kafka.topics.somedata);

    const post = await somedata('POST', 'bus', 2, {
      'x-run-id': 'manual__2026-11-24T10:00:00+00:00',
      'x-source': 'job:42',
    });
    expect(post.status).toBe(200);
    expect(await post.json()).toEqual({ '0': 'bus', '1': 'bus' });
  });

  it('answers number=1 when number is absent', async () => {
    const response = await fetch(`${under.api.url}/somedata/plane`);
    expect(await response.json()).toEqual({ '0': 'plane' });
    acknowledged.push({
      data: 'plane',
      number: 1,
      eventId: response.headers.get('x-event-id')!,
      partition: Number(response.headers.get('x-kafka-partition')),
      offset: response.headers.get('x-kafka-offset')!,
      source: 'api',
      runId: null,
    });
  });

  it('answers 200 concurrent requests, each with its own acknowledged event', async () => {
    const vehicles = ['car', 'bike', 'train', 'boat', 'tram'];
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        somedata(index % 2 ? 'GET' : 'POST', `${vehicles[index % vehicles.length]}-${index}`, 1 + (index % 4), {
          'x-run-id': 'load-run',
        }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
  });

  it('every 200 has exactly one record in the topic, with the right key, envelope, payload and position', async () => {
    const events = await readEvents(under.topics, under.topics.config.kafka.topics.somedata);
    expect(events).toHaveLength(acknowledged.length);
    const byId = new Map(events.map((entry) => [entry.event.eventId, entry]));
    expect(byId.size).toBe(events.length);
    for (const answer of acknowledged) {
      const entry = byId.get(answer.eventId);
      expect(entry).toBeDefined();
      const { message, event } = entry!;
      expect(String(message.key)).toBe(answer.data);
      expect(header(message, 'schema')).toBe('somedata.v1');
      expect(header(message, 'content-type')).toBe('application/json');
      expect(message.offset).toBe(answer.offset);
      expect(event).toMatchObject({ type: 'somedata', version: 1, source: answer.source, runId: answer.runId });
      expect(event.payload).toEqual({
        data: answer.data,
        number: answer.number,
        items: Object.fromEntries(Array.from({ length: answer.number }, (_, index) => [String(index), answer.data])),
      });
    }
  });
});

describe('the rest of the API', () => {
  it('says hello with links, and serves an OpenAPI 3.1 document of its routes', async () => {
    expect(await (await fetch(under.api.url)).json()).toMatchObject({ links: { openapi: '/openapi.json' } });
    const doc = (await (await fetch(`${under.api.url}/openapi.json`)).json()) as OpenApiDoc;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/', '/somedata/{data}', '/somedata', '/footdata', '/healthz', '/readyz', '/metrics']),
    );
    const number = doc.paths['/somedata/{data}']?.get?.parameters?.find((p) => p.name === 'number');
    expect(number?.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 1 });
    expect(doc.components.schemas).toHaveProperty('FootdataResponse');
    expect(doc.components.schemas).toHaveProperty('Error');
  });

  it('is healthy, ready with Kafka connected, and counts what it did in /metrics', async () => {
    expect((await fetch(`${under.api.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${under.api.url}/readyz`)).json()).toMatchObject({
      ready: true,
      checks: { kafka: true },
    });
    const metrics = await (await fetch(`${under.api.url}/metrics`)).text();
    expect(metrics).toMatch(
      /http_requests_total\{method="GET",route="\/somedata\/:data",status="200",service="producers"\}/,
    );
    expect(metrics).toMatch(/http_request_duration_seconds_bucket\{/);
    expect(metrics).toMatch(/publisher_records_total\{topic="[^"]+",outcome="acked",service="producers"\} \d+/);
    expect(metrics).toMatch(/publisher_batch_size_bucket\{/);
    expect(metrics).toMatch(/publisher_ack_latency_seconds_bucket\{/);
  });

  it('answers an unknown route with 404 JSON and security headers', async () => {
    const response = await fetch(`${under.api.url}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'no route for GET /nope' } });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-powered-by')).toBeNull();
  });
});
