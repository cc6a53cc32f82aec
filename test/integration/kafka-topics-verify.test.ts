/**
 * KAFKA_TOPICS_MODE=verify on the real brokers: the topics belong to someone
 * else (Strimzi's topic operator on Kubernetes), so a service creates none,
 * answers /readyz 503 naming every difference from pipelineTopics(), and turns
 * ready without a restart once the owner fixes them.
 */
import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { consumerEnv, freePort } from '../../harness/consumer';
import { eventually, testConfig, testKafka, testLogger, useBrokers } from '../../harness/env';
import { producersEnv } from '../../harness/producers';
import { killServices, startService } from '../../harness/processes';
import { startTestWorker } from '../../harness/workers';
import {
  ensurePipelineTopics,
  ensureTopics,
  pipelineTopics,
  verifyTopics,
  type TopicSpec,
} from '../../lib/kafka/topics';
import { createMongoClient } from '../../lib/mongo';

jest.setTimeout(180_000);

const config = testConfig({ KAFKA_TOPICS_MODE: 'verify' });
const brokers = useBrokers(config); // deletes the config's topics after the file
const [somedata, footdata, dlq] = pipelineTopics(config.kafka) as [TopicSpec, TopicSpec, TopicSpec];

afterAll(async () => {
  await killServices();
  const mongo = createMongoClient(config.mongo);
  await mongo
    .db(config.mongo.db)
    .dropDatabase()
    .catch(() => undefined);
  await mongo.close();
});

/** AlterConfigs replaces every config of the topic: give it the spec's whole set. */
async function setConfigs(admin: Admin, spec: TopicSpec): Promise<void> {
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      {
        type: ConfigResourceTypes.TOPIC,
        name: spec.topic,
        configEntries: Object.entries(spec.configs).map(([name, value]) => ({ name, value })),
      },
    ],
  });
}

async function readyz(port: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('KAFKA_TOPICS_MODE=verify', () => {
  it('a consumer stays unready naming each wrong topic, creates none, and turns ready once they are fixed', async () => {
    // somedata: 1 partition of 3; footdata: delete-only, no compaction; the DLQ: missing.
    await ensureTopics(brokers.admin, [
      { ...somedata, numPartitions: 1 },
      { ...footdata, configs: { ...footdata.configs, 'cleanup.policy': 'delete' } },
    ]);
    const port = await freePort();
    const consumer = startService('consumer/main.ts', { ...consumerEnv(config, port), KAFKA_TOPICS_MODE: 'verify' });

    const unready = await eventually(async () => {
      const answer = await readyz(port);
      const reason = (answer.body.reasons as { topics?: { differences?: unknown } } | undefined)?.topics;
      return answer.status === 503 && reason?.differences ? answer : undefined;
    }, 'a 503 from /readyz listing the differences');
    expect(unready.body.checks).toMatchObject({ topics: false });
    expect(unready.body.reasons).toEqual({
      topics: {
        differences: [
          { topic: somedata.topic, kind: 'partitions', expected: 3, actual: 1 },
          {
            topic: footdata.topic,
            kind: 'config',
            name: 'cleanup.policy',
            expected: 'compact,delete',
            actual: 'delete',
          },
          { topic: dlq.topic, kind: 'missing' },
        ],
      },
    });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^kafka_topics\{[^}]*state="mismatched"[^}]*\} 3$/m);
    expect(consumer.output()).toContain('Kafka topics differ from their spec, not ready');
    // Still unready a while later, and still no DLQ: verify mode never creates a topic.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await readyz(port)).status).toBe(503);
    expect(await brokers.admin.listTopics()).not.toContain(dlq.topic);

    // What the topic operator would do.
    await brokers.admin.createPartitions({
      topicPartitions: [{ topic: somedata.topic, count: somedata.numPartitions }],
    });
    await setConfigs(brokers.admin, footdata);
    await ensureTopics(brokers.admin, [dlq]);

    // The check backs off to at most 30 s between tries; the sink then starts and joins its group.
    await eventually(async () => (await readyz(port)).status === 200, 'the consumer to turn ready', 90_000);
    expect(consumer.child.exitCode).toBeNull(); // the same process: no restart
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toMatch(
      /^kafka_topics\{[^}]*state="verified"[^}]*\} 3$/m,
    );
    expect(await consumer.stop()).toBe(0);
  });

  it('the API is ready over topics made by their spec, names a config changed behind its back, tolerates a partition more', async () => {
    const own = testConfig();
    const specs = pipelineTopics(own.kafka);
    await ensureTopics(brokers.admin, specs);
    try {
      const port = await freePort();
      const api = startService('producers/main.ts', { ...producersEnv(own, port), KAFKA_TOPICS_MODE: 'verify' });
      const ready = await eventually(
        async () => {
          const answer = await readyz(port).catch(() => undefined);
          return answer?.status === 200 ? answer : undefined;
        },
        'the API to be ready',
        60_000,
      );
      expect(ready.body.checks).toEqual({ kafka: true, topics: true });

      // Drift after start-up, seen by a re-check (every 30 s once verified): a config turns readiness red;
      // a partition more (an increase rolling out, docs/DEPLOY.md §5) is only logged.
      const footdataSpec = specs.find((spec) => spec.topic === own.kafka.topics.footdata)!;
      await setConfigs(brokers.admin, {
        ...footdataSpec,
        configs: { ...footdataSpec.configs, 'retention.ms': '60000' },
      });
      const somedataTopic = own.kafka.topics.somedata;
      await brokers.admin.createPartitions({ topicPartitions: [{ topic: somedataTopic, count: 4 }] });
      const drifted = await eventually(
        async () => {
          const answer = await readyz(port);
          return answer.status === 503 ? answer : undefined;
        },
        'the API to notice the drift',
        60_000,
      );
      expect(drifted.body.reasons).toEqual({
        topics: {
          differences: [
            {
              topic: footdataSpec.topic,
              kind: 'config',
              name: 'retention.ms',
              expected: footdataSpec.configs['retention.ms'],
              actual: '60000',
            },
          ],
        },
      });
      expect(api.output()).toContain('Kafka topics have more partitions than their spec, ready anyway');
      expect(api.output()).toContain(`${somedataTopic}: partitions 3 expected, 4 actual`);
      expect(await api.stop()).toBe(0);
    } finally {
      await brokers.admin.deleteTopics({ topics: specs.map((spec) => spec.topic) });
    }
  });

  it('the API answers at once with its somedata topic missing, refuses to publish with a 503, and publishes once the topic is made', async () => {
    const own = testConfig();
    const specs = pipelineTopics(own.kafka);
    const somedataSpec = specs.find((spec) => spec.topic === own.kafka.topics.somedata)!;
    await ensureTopics(
      brokers.admin,
      specs.filter((spec) => spec !== somedataSpec),
    );
    try {
      const port = await freePort();
      const api = startService('producers/main.ts', { ...producersEnv(own, port), KAFKA_TOPICS_MODE: 'verify' });
      const unready = await eventually(async () => {
        const answer = await readyz(port).catch(() => undefined);
        const reason = (answer?.body.reasons as { topics?: { differences?: unknown } } | undefined)?.topics;
        return answer?.status === 503 && reason?.differences ? answer : undefined;
      }, 'a 503 from /readyz naming the missing topic');
      expect(unready.body.checks).toEqual({ kafka: false, topics: false });
      expect(unready.body.reasons).toEqual({
        kafka: 'waiting for the Kafka topics to match their spec',
        topics: { differences: [{ topic: somedataSpec.topic, kind: 'missing' }] },
      });
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      const refused = await fetch(`http://127.0.0.1:${port}/somedata/early?number=1`);
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await refused.json()).toMatchObject({
        error: { message: expect.stringContaining('not connected to Kafka') },
      });

      // What the topic operator would do: the same process turns ready and publishes.
      await ensureTopics(brokers.admin, [somedataSpec]);
      await eventually(async () => (await readyz(port)).status === 200, 'the API to turn ready', 90_000);
      const accepted = await fetch(`http://127.0.0.1:${port}/somedata/late?number=1`);
      expect(accepted.status).toBe(200);
      expect(accepted.headers.get('x-kafka-topic')).toBe(somedataSpec.topic);
      const partition = Number(accepted.headers.get('x-kafka-partition'));
      const offsets = await brokers.admin.fetchTopicOffsets(somedataSpec.topic);
      const written = offsets.find((entry) => entry.partition === partition)!;
      expect(BigInt(written.high)).toBeGreaterThan(BigInt(accepted.headers.get('x-kafka-offset')!));
      expect(api.child.exitCode).toBeNull(); // the same process: no restart
      expect(await api.stop()).toBe(0);
    } finally {
      const present = new Set(await brokers.admin.listTopics());
      await brokers.admin.deleteTopics({ topics: specs.map((spec) => spec.topic).filter((name) => present.has(name)) });
    }
  });

  it('the API stops cleanly on SIGTERM while it waits for its topics', async () => {
    const own = testConfig();
    const port = await freePort();
    const api = startService('producers/main.ts', { ...producersEnv(own, port), KAFKA_TOPICS_MODE: 'verify' });
    await eventually(
      async () => (await readyz(port).catch(() => undefined))?.status === 503,
      'the API to answer, unready',
    );
    expect(await api.stop()).toBe(0);
    expect(api.output()).not.toContain('gave up connecting to Kafka');
    expect(await brokers.admin.listTopics()).not.toContain(own.kafka.topics.somedata);
  });

  it('a worker whose footdata topic is missing stays unready naming it, runs no publisher, and creates nothing', async () => {
    const own = testConfig({ KAFKA_TOPICS_MODE: 'verify' });
    const specs = pipelineTopics(own.kafka).filter((spec) => spec.topic !== own.kafka.topics.footdata);
    await ensureTopics(brokers.admin, specs);
    const worker = await startTestWorker(own, { port: 0 });
    try {
      const unready = await eventually(async () => {
        const answer = await fetch(`${worker.url}/readyz`);
        const body = (await answer.json()) as { checks: object; reasons?: { topics?: { differences?: unknown } } };
        return answer.status === 503 && body.reasons?.topics?.differences ? body : undefined;
      }, 'the worker to report the missing topic');
      expect(unready.checks).toEqual({ redis: true, worker: true, kafka: false, topics: false });
      expect(unready.reasons).toEqual({
        topics: { differences: [{ topic: own.kafka.topics.footdata, kind: 'missing' }] },
      });
      expect(await brokers.admin.listTopics()).not.toContain(own.kafka.topics.footdata);
    } finally {
      await worker.stop();
      await brokers.admin.deleteTopics({ topics: specs.map((spec) => spec.topic) });
    }
  });

  it('a one-shot command (ensure-topics, the routine CLI) fails at once naming each missing topic, and creates none', async () => {
    const own = testConfig({ KAFKA_TOPICS_MODE: 'verify' });
    const kafka = testKafka(own);
    await expect(ensurePipelineTopics(kafka, own.kafka, testLogger(), { retries: 0 })).rejects.toThrow(
      `the Kafka topics differ from their spec (KAFKA_TOPICS_MODE=verify creates none; fix them where they are owned): ` +
        `${own.kafka.topics.somedata}: missing; ${own.kafka.topics.footdata}: missing; ${own.kafka.topics.dlq}: missing`,
    );
    const topics = await brokers.admin.listTopics();
    for (const topic of Object.values(own.kafka.topics)) expect(topics).not.toContain(topic);
  });

  it('verifyTopics reads partitions, replicas and configs from the brokers, and finds nothing wrong in a topic made by its spec', async () => {
    const own = pipelineTopics(testConfig().kafka).find((spec) => spec.configs['cleanup.policy'])!;
    await ensureTopics(brokers.admin, [own]);
    try {
      expect(await verifyTopics(brokers.admin, [own])).toEqual([]);
      const wanting = { ...own, replicationFactor: 3, configs: { ...own.configs, 'retention.ms': '1000' } };
      expect(await verifyTopics(brokers.admin, [wanting])).toEqual([
        { topic: own.topic, kind: 'replication', expected: 3, actual: 2 },
        {
          topic: own.topic,
          kind: 'config',
          name: 'retention.ms',
          expected: '1000',
          actual: own.configs['retention.ms'],
        },
      ]);
    } finally {
      await brokers.admin.deleteTopics({ topics: [own.topic] });
    }
  });
});
