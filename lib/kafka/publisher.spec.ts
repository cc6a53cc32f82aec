import type { Kafka, Message, PartitionerArgs, ProducerConfig, RecordMetadata, TopicMessages } from 'kafkajs';
import { Registry } from 'prom-client';
import { ConfigError, UnavailableError } from '../errors';
import { createEvent } from '../schemas';
import fc from 'fast-check';
import {
  PublisherOverloadedError,
  Publisher,
  PublishFailedError,
  PublishTimeoutError,
  RecordTooLargeError,
} from './publisher';
import { RECORD_BATCH_OVERHEAD, recordBatchBudget, recordBytes } from './record-size';

const PARTITIONS = [0, 1, 2].map((partitionId) => ({
  partitionId,
  leader: 1,
  replicas: [1],
  isr: [1],
  partitionErrorCode: 0,
}));

/**
 * A kafkajs stand-in: records every sendBatch, runs the publisher's partitioner
 * like kafkajs does, and acknowledges with per-partition offsets — or does what
 * the test says.
 */
function fakeKafka() {
  const sends: TopicMessages[][] = [];
  const logEnd = new Map<string, number>();
  let partition!: (args: PartitionerArgs) => number;
  const listeners = new Map<string, () => void>();
  const fake = {
    sends,
    config: undefined as ProducerConfig | undefined,
    producers: 0,
    disconnects: 0,
    acknowledge(topicMessages: TopicMessages[]): RecordMetadata[] {
      const result: RecordMetadata[] = [];
      for (const { topic, messages } of topicMessages) {
        const perPartition = new Map<number, Message[]>();
        for (const message of messages) {
          const chosen = partition({ topic, partitionMetadata: PARTITIONS, message });
          perPartition.set(chosen, [...(perPartition.get(chosen) ?? []), message]);
        }
        for (const [chosen, group] of perPartition) {
          const slot = `${topic}/${chosen}`;
          const base = logEnd.get(slot) ?? 0;
          logEnd.set(slot, base + group.length);
          result.push({ topicName: topic, partition: chosen, errorCode: 0, baseOffset: String(base) });
        }
      }
      return result;
    },
    behaviour: undefined as undefined | ((topicMessages: TopicMessages[]) => Promise<RecordMetadata[]>),
    /** Runs before a connect succeeds; throw to make it fail. */
    connectBehaviour: undefined as undefined | (() => void),
    /** What the admin's describeConfigs answers as each topic's max.message.bytes. */
    maxMessageBytes: new Map<string, number>(),
    /** describeConfigs calls made. */
    describes: 0,
    /** Set: describeConfigs fails with this (a topic the brokers do not know yet). */
    describeError: undefined as undefined | Error,
    kafka: {
      admin() {
        return {
          connect: async () => undefined,
          disconnect: async () => undefined,
          describeConfigs: async ({ resources }: { resources: { name: string }[] }) => {
            fake.describes++;
            if (fake.describeError) throw fake.describeError;
            return {
              resources: resources.map(({ name }) => ({
                resourceName: name,
                errorCode: 0,
                configEntries: [
                  { configName: 'max.message.bytes', configValue: String(fake.maxMessageBytes.get(name)) },
                ],
              })),
            };
          },
        };
      },
      producer(config: ProducerConfig) {
        fake.config = config;
        fake.producers++;
        partition = config.createPartitioner!() as unknown as (args: PartitionerArgs) => number;
        return {
          events: { CONNECT: 'producer.connect', DISCONNECT: 'producer.disconnect' },
          on: (event: string, listener: () => void) => listeners.set(event, listener),
          connect: async () => {
            fake.connectBehaviour?.();
            listeners.get('producer.connect')?.();
          },
          disconnect: async () => {
            fake.disconnects++;
            listeners.get('producer.disconnect')?.();
          },
          sendBatch: async ({ topicMessages }: { topicMessages: TopicMessages[] }) => {
            sends.push(topicMessages);
            return fake.behaviour ? fake.behaviour(topicMessages) : fake.acknowledge(topicMessages);
          },
        };
      },
    } as unknown as Kafka,
  };
  return fake;
}

async function connected(options: ConstructorParameters<typeof Publisher>[1] = {}) {
  const fake = fakeKafka();
  const publisher = new Publisher(fake.kafka, { lingerMs: 5, ...options });
  await publisher.connect();
  return { fake, publisher };
}

const record = (key: string) => ({ key, value: JSON.stringify({ key }) });

/** Poll `condition` every 10 ms, for 5 s at most. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  for (
    const deadline = Date.now() + 5_000;
    !(await condition());
    await new Promise((resolve) => setTimeout(resolve, 10))
  )
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
}

/** Publishing works again (refused at once while the publisher is not connected). */
const publishes = (publisher: Publisher) => () =>
  publisher.publish('t', record('probe')).then(
    () => true,
    () => false,
  );

describe('the publisher', () => {
  it('configures an idempotent producer with one request in flight and acks=all retries kept', async () => {
    const { fake } = await connected();
    expect(fake.config).toMatchObject({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    expect(fake.config?.retry?.retries).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('gathers records published together into one sendBatch, grouped per topic', async () => {
    const { fake, publisher } = await connected();
    const results = await Promise.all([
      publisher.publish('a', record('k1')),
      publisher.publish('b', record('k2')),
      publisher.publish('a', record('k3')),
    ]);
    expect(fake.sends).toHaveLength(1);
    expect(fake.sends[0]!.map(({ topic, messages }) => [topic, messages.map((m) => m.key)])).toEqual([
      ['a', ['k1', 'k3']],
      ['b', ['k2']],
    ]);
    expect(results.map((result) => result.topic)).toEqual(['a', 'b', 'a']);
  });

  it('gives every record its own partition and consecutive offsets within it', async () => {
    const { publisher } = await connected();
    const keys = Array.from({ length: 60 }, (_, index) => `key-${index % 7}`);
    const first = await Promise.all(keys.map((key) => publisher.publish('t', record(key))));
    const second = await Promise.all(keys.map((key) => publisher.publish('t', record(key))));
    const all = [...first, ...second];
    // The same key always lands on the same partition.
    const partitionOfKey = new Map<string, number>();
    [...keys, ...keys].forEach((key, index) => {
      const { partition } = all[index]!;
      expect(partitionOfKey.get(key) ?? partition).toBe(partition);
      partitionOfKey.set(key, partition);
    });
    // Per partition, offsets run 0, 1, 2, ... with no gap and no repeat.
    for (const partition of new Set(all.map((result) => result.partition))) {
      const offsets = all.filter((result) => result.partition === partition).map((result) => Number(result.offset));
      expect(offsets).toEqual(offsets.map((_, index) => index));
    }
  });

  it('sends a full batch at once and never more than maxBatch records per send', async () => {
    const { fake, publisher } = await connected({ lingerMs: 1_000, maxBatch: 10, timeoutMs: 5_000 });
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 25 }, (_, index) => publisher.publish('t', record(`k${index}`))).slice(0, 20),
    );
    expect(Date.now() - started).toBeLessThan(500);
    await publisher.flush();
    expect(fake.sends.map((send) => send[0]!.messages.length)).toEqual([10, 10, 5]);
  });

  it('rejects a record the cluster does not acknowledge in time, with a retriable error and a Retry-After hint', async () => {
    const { fake, publisher } = await connected({ timeoutMs: 100, retryAfterMs: 3_000 });
    fake.behaviour = () => new Promise(() => undefined); // the cluster never answers
    const started = Date.now();
    const failure = publisher.publish('t', record('k'));
    await expect(failure).rejects.toBeInstanceOf(PublishTimeoutError);
    await expect(failure).rejects.toMatchObject({ retriable: true, retryAfterMs: 3_000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(publisher.isReady()).toBe(false);
  });

  it('holds at most maxPending records and refuses more at once instead of growing', async () => {
    const { fake, publisher } = await connected({ maxBatch: 2, maxPending: 5, timeoutMs: 200 });
    fake.behaviour = () => new Promise(() => undefined);
    const accepted = Array.from({ length: 5 }, (_, index) => publisher.publish('t', record(`k${index}`)));
    accepted.forEach((promise) => promise.catch(() => undefined));
    await expect(publisher.publish('t', record('one too many'))).rejects.toBeInstanceOf(PublisherOverloadedError);
    expect(publisher.pending).toBe(5);
    await Promise.allSettled(accepted);
    expect(publisher.pending).toBeLessThanOrEqual(2); // only the batch stuck in flight is still held
  });

  it('does not send records that expired while waiting, and recovers when the cluster answers again', async () => {
    // The deadline also bounds the record sent after the recovery: long enough for a busy machine to answer it.
    const { fake, publisher } = await connected({ maxBatch: 1, timeoutMs: 1_000 });
    let release!: () => void;
    fake.behaviour = (topicMessages) =>
      new Promise((resolve) => (release = () => resolve(fake.acknowledge(topicMessages))));
    const stuck = publisher.publish('t', record('stuck'));
    const waiting = publisher.publish('t', record('waiting'));
    await expect(waiting).rejects.toBeInstanceOf(PublishTimeoutError);
    await expect(stuck).rejects.toBeInstanceOf(PublishTimeoutError);
    fake.behaviour = undefined;
    release();
    await expect(publisher.publish('t', record('after'))).resolves.toMatchObject({ topic: 't' });
    expect(fake.sends.flat().flatMap(({ messages }) => messages.map((m) => m.key))).toEqual(['stuck', 'after']);
    expect(publisher.isReady()).toBe(true);
  });

  it('never acknowledges a record whose partition the answer leaves out: it sends those records again, unchanged', async () => {
    // kafkajs 2.2.4 resolves a sendBatch without the partitions whose leader moved
    // mid-send to a broker that had already answered (tulios/kafkajs#1798).
    const { fake, publisher } = await connected();
    let dropped: number | undefined;
    fake.behaviour = async (topicMessages) => {
      const acks = fake.acknowledge(topicMessages);
      if (dropped !== undefined) return acks;
      dropped = acks[0]!.partition;
      return acks.slice(1);
    };
    const keys = Array.from({ length: 30 }, (_, index) => `key-${index}`);
    const results = await Promise.all(keys.map((key) => publisher.publish('t', record(key))));
    expect(results.every((result) => Number(result.offset) >= 0)).toBe(true);
    expect(fake.sends).toHaveLength(2);
    const resent = fake.sends[1]!.flatMap(({ messages }) => messages.map((m) => m.key));
    const ofDropped = keys.filter((_, index) => results[index]!.partition === dropped);
    expect(resent).toEqual(ofDropped);
    // The offsets of the dropped partition come from the second answer.
    const offsets = results.filter((result) => result.partition === dropped).map((result) => Number(result.offset));
    expect(offsets[0]).toBe(ofDropped.length);
  });

  it('rejects every record of a failed send with a retriable error', async () => {
    const { fake, publisher } = await connected();
    fake.behaviour = () => Promise.reject(Object.assign(new Error('broker gone'), { retriable: true }));
    const failures = [publisher.publish('t', record('a')), publisher.publish('t', record('b'))];
    for (const failure of failures) {
      await expect(failure).rejects.toBeInstanceOf(PublishFailedError);
      await expect(failure).rejects.toBeInstanceOf(UnavailableError);
    }
  });

  it('after a failed send, replaces the producer so no sequence number is reused, and publishes again', async () => {
    // kafkajs rolls sequence numbers back on an ambiguous failure; reusing them for other
    // records can make the broker answer "duplicate" for records it never wrote.
    const { fake, publisher } = await connected();
    fake.behaviour = () => Promise.reject(Object.assign(new Error('connection reset'), { retriable: true }));
    await expect(publisher.publish('t', record('lost-ack'))).rejects.toBeInstanceOf(PublishFailedError);
    fake.behaviour = undefined;
    await until(publishes(publisher));
    expect(fake.producers).toBe(2);
    expect(fake.disconnects).toBe(1); // the old one
    expect(publisher.isReady()).toBe(true);
  });

  it('keeps trying to connect the new producer, whatever the error, until it works', async () => {
    const { fake, publisher } = await connected({ retryMaxWaitMs: 20 });
    fake.behaviour = () => Promise.reject(Object.assign(new Error('broker gone'), { retriable: true }));
    let refusals = 3;
    fake.connectBehaviour = () => {
      if (refusals-- > 0) throw Object.assign(new Error('retries exhausted'), { retriable: false });
    };
    await expect(publisher.publish('t', record('a'))).rejects.toBeInstanceOf(PublishFailedError);
    await expect(publisher.publish('t', record('b'))).rejects.toThrow(/not connected/); // refused at once meanwhile
    fake.behaviour = undefined;
    await until(publishes(publisher));
    expect(refusals).toBe(-1);
  });

  it('publishes an event with the envelope key and headers', async () => {
    const { fake, publisher } = await connected();
    const event = createEvent('somedata', { data: 'car', number: 1, items: { '0': 'car' } }, { source: 'api' });
    await publisher.publishEvent('t', event, 'req-9');
    const [message] = fake.sends[0]![0]!.messages;
    expect(message).toMatchObject({ key: 'car', headers: { schema: 'somedata.v1', 'trace-id': 'req-9' } });
    expect(JSON.parse(String(message!.value))).toEqual(event);
  });

  it('on close, flushes what is pending, disconnects once, and refuses new records', async () => {
    const { fake, publisher } = await connected({ lingerMs: 200 });
    const pending = publisher.publish('t', record('last'));
    const closing = publisher.close();
    expect(publisher.close()).toBe(closing);
    await closing;
    await expect(pending).resolves.toMatchObject({ offset: '0' });
    expect(fake.disconnects).toBe(1);
    await expect(publisher.publish('t', record('late'))).rejects.toBeInstanceOf(PublishFailedError);
    expect(publisher.isReady()).toBe(false);
  });

  it('refuses to publish before it is connected', async () => {
    const publisher = new Publisher(fakeKafka().kafka);
    await expect(publisher.publish('t', record('k'))).rejects.toThrow(/not connected/);
  });

  it('counts records, batch sizes and latency in the registry', async () => {
    const registry = new Registry();
    const { publisher } = await connected({ registry });
    await Promise.all([publisher.publish('t', record('a')), publisher.publish('t', record('b'))]);
    const text = await registry.metrics();
    expect(text).toMatch(/publisher_records_total\{topic="t",outcome="acked"\} 2/);
    expect(text).toMatch(/publisher_batch_size_count 1/);
    expect(text).toMatch(/publisher_ack_latency_seconds_count 2/);
  });

  it('validates its options after merging the defaults, naming each problem', () => {
    const kafka = fakeKafka().kafka;
    expect(() => new Publisher(kafka, { maxBatch: 500, maxPending: 100 })).toThrow(ConfigError);
    expect(() => new Publisher(kafka, { maxBatch: 500, maxPending: 100 })).toThrow(
      /maxPending \(100\) must be at least maxBatch \(500\): raise PUBLISH_MAX_PENDING or lower PUBLISH_MAX_BATCH/,
    );
    expect(() => new Publisher(kafka, { lingerMs: -1, timeoutMs: 1.5 })).toThrow(
      /lingerMs must be an integer >= 0[\s\S]*timeoutMs/,
    );
    expect(new Publisher(kafka, { lingerMs: undefined }).options).toMatchObject({ lingerMs: 5, maxBatch: 500 });
  });

  describe('bounded by bytes', () => {
    /** A record whose value is `size` bytes. */
    const sized = (key: string, size: number) => ({ key, value: 'v'.repeat(size) });
    /** The record-batch bytes of each topic in each send. */
    const topicBytes = (sends: TopicMessages[][]) =>
      sends.map((send) =>
        send.map(({ messages }) => RECORD_BATCH_OVERHEAD + messages.reduce((sum, m) => sum + recordBytes(m), 0)),
      );

    it("never hands kafkajs more than maxBatchBytes of a topic's records in one send", async () => {
      const { fake, publisher } = await connected({ maxBatchBytes: 10_000 });
      // One key, so one partition: 40 records of 1 KB are 4 record batches' worth at least.
      await Promise.all(Array.from({ length: 40 }, () => publisher.publish('t', sized('one-key', 1_000))));
      expect(fake.sends.length).toBeGreaterThanOrEqual(5);
      expect(Math.max(...topicBytes(fake.sends).flat())).toBeLessThanOrEqual(10_000);
    });

    it('refuses a record too large to fit alone with a 413 error, and still sends the others', async () => {
      const { fake, publisher } = await connected({ maxBatchBytes: 10_000 });
      const [small, big, other] = await Promise.allSettled([
        publisher.publish('t', sized('a', 100)),
        publisher.publish('t', sized('b', 10_000)),
        publisher.publish('t', sized('c', 100)),
      ]);
      expect(small).toMatchObject({ status: 'fulfilled' });
      expect(other).toMatchObject({ status: 'fulfilled' });
      expect(big).toMatchObject({ status: 'rejected', reason: expect.any(RecordTooLargeError) });
      expect((big as PromiseRejectedResult).reason).toMatchObject({
        retriable: false,
        code: 'record_too_large',
        message: expect.stringMatching(/^the record is 100\d\d bytes, more than the 10000 bytes topic t takes/),
      });
      expect(fake.sends.flat().flatMap(({ messages }) => messages.map((m) => m.key))).toEqual(['a', 'c']);
      expect(publisher.isReady()).toBe(true);
    });

    it("reads its topics' max.message.bytes at connect and keeps their batches below it, less a margin", async () => {
      const fake = fakeKafka();
      fake.maxMessageBytes.set('small', 20_000);
      const publisher = new Publisher(fake.kafka, { topics: ['small'], maxBatchBytes: 1_000_000 });
      await publisher.connect();
      expect(publisher.budgetOf('small')).toBe(recordBatchBudget(20_000));
      expect(publisher.budgetOf('other')).toBe(1_000_000);
      await Promise.all(Array.from({ length: 30 }, () => publisher.publish('small', sized('k', 2_000))));
      expect(Math.max(...topicBytes(fake.sends).flat())).toBeLessThanOrEqual(recordBatchBudget(20_000));
      await expect(publisher.publish('small', sized('k', 19_500))).rejects.toBeInstanceOf(RecordTooLargeError);
    });

    it("connects when its topics' limits cannot be read yet, and keeps PUBLISH_MAX_BATCH_BYTES", async () => {
      const fake = fakeKafka();
      fake.describeError = Object.assign(new Error('This server does not host this topic-partition'), {
        type: 'UNKNOWN_TOPIC_OR_PARTITION',
        retriable: true,
      });
      const publisher = new Publisher(fake.kafka, { topics: ['young'], maxBatchBytes: 100_000 });
      await publisher.connect();
      expect(publisher.isReady()).toBe(true);
      expect(publisher.budgetOf('young')).toBe(100_000);
      await expect(publisher.publish('young', sized('k', 1_000))).resolves.toMatchObject({ topic: 'young' });
      expect(fake.describes).toBe(1);
    });

    it('when the broker still refuses a batch as too large, halves the budget so the callers can try again', async () => {
      const { fake, publisher } = await connected({ maxBatchBytes: 100_000 });
      const tooLarge = Object.assign(new Error('message too large'), { type: 'MESSAGE_TOO_LARGE', retriable: false });
      fake.behaviour = async (topicMessages) => {
        const bytes = topicBytes([topicMessages])[0]![0]!;
        if (bytes > 45_000) throw Object.assign(new Error('wrapped'), { originalError: tooLarge });
        return fake.acknowledge(topicMessages);
      };
      const first = await Promise.allSettled(
        Array.from({ length: 40 }, () => publisher.publish('t', sized('k', 2_000))),
      );
      expect(first.every((outcome) => outcome.status === 'rejected')).toBe(true);
      expect((first[0] as PromiseRejectedResult).reason).toBeInstanceOf(PublishFailedError); // retriable: 503
      await until(publishes(publisher));
      expect(publisher.budgetOf('t')).toBeLessThan(50_000);
      const again = await Promise.allSettled(
        Array.from({ length: 40 }, () => publisher.publish('t', sized('k', 2_000))),
      );
      expect(again.every((outcome) => outcome.status === 'fulfilled')).toBe(true);
    });
  });
});

describe('the publisher, for any mix of record sizes (property)', () => {
  const records = fc.array(
    fc.record({
      topic: fc.constantFrom('a', 'b'),
      key: fc.constantFrom('k1', 'k2', 'k3', 'k4'),
      // Up to past the largest budget below: some records cannot fit even alone.
      size: fc.oneof(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 40_000 })),
      // Published after this many earlier publishes were answered, so batches form at different moments.
      wave: fc.integer({ min: 0, max: 3 }),
    }),
    { maxLength: 120 },
  );
  const options = fc.record({
    maxBatch: fc.integer({ min: 1, max: 50 }),
    maxBatchBytes: fc.integer({ min: 1_024, max: 30_000 }),
    lingerMs: fc.integer({ min: 0, max: 2 }),
  });
  /** Which sends fail (a broker error): the n-th send fails when the n-th entry is true. */
  const failures = fc.array(fc.boolean(), { maxLength: 20 });

  it('no send exceeds the byte or record bound, and every caller is answered exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(records, options, failures, async (mix, settings, failing) => {
        const { fake, publisher } = await connected({ ...settings, maxPending: 10_000, retryMaxWaitMs: 1 });
        /** The index of every record in a send that the fake acknowledged. */
        const acknowledged = new Set<number>();
        let sendNumber = 0;
        fake.behaviour = async (topicMessages) => {
          if (failing[sendNumber++]) throw Object.assign(new Error('broker gone'), { retriable: true });
          for (const { messages } of topicMessages)
            for (const m of messages) acknowledged.add(Number(String(m.value).split(':')[0]));
          return fake.acknowledge(topicMessages);
        };
        const answers = mix.map(() => ({ resolved: 0, rejected: 0, error: undefined as unknown }));
        const pending: Promise<void>[] = [];
        for (let wave = 0; wave <= 3; wave++) {
          mix.forEach((spec, index) => {
            if (spec.wave !== wave) return;
            const value = `${index}:${'v'.repeat(spec.size)}`;
            pending.push(
              publisher.publish(spec.topic, { key: spec.key, value }).then(
                () => void answers[index]!.resolved++,
                (error: unknown) => {
                  answers[index]!.rejected++;
                  answers[index]!.error = error;
                },
              ),
            );
          });
          await new Promise((resolve) => setImmediate(resolve));
        }
        await Promise.all(pending);
        await publisher.flush();
        // Refused at once while a failed producer is replaced: counted as rejected, never sent.

        for (const send of fake.sends) {
          expect(send.reduce((sum, { messages }) => sum + messages.length, 0)).toBeLessThanOrEqual(settings.maxBatch);
          for (const { messages } of send) {
            const bytes = RECORD_BATCH_OVERHEAD + messages.reduce((sum, m) => sum + recordBytes(m), 0);
            expect(bytes).toBeLessThanOrEqual(settings.maxBatchBytes);
          }
        }
        const failedSend = (index: number) =>
          fake.sends.some(
            (send, n) =>
              failing[n] && send.some(({ messages }) => messages.some((m) => String(m.value).startsWith(`${index}:`))),
          );
        const sent = fake.sends
          .flat()
          .flatMap(({ messages }) => messages.map((m) => Number(String(m.value).split(':')[0])));
        mix.forEach((spec, index) => {
          const answer = answers[index]!;
          expect(answer.resolved + answer.rejected).toBe(1);
          const fitsAlone =
            RECORD_BATCH_OVERHEAD + recordBytes({ key: spec.key, value: `${index}:${'v'.repeat(spec.size)}` }) <=
            settings.maxBatchBytes;
          // Resolved exactly when its send was acknowledged; a record that cannot fit is refused and never sent.
          expect(answer.resolved).toBe(acknowledged.has(index) ? 1 : 0);
          if (!fitsAlone) expect(answer.error).toBeInstanceOf(RecordTooLargeError);
          else if (answer.rejected) expect(answer.error).toBeInstanceOf(PublishFailedError);
          expect(sent.filter((sentIndex) => sentIndex === index)).toHaveLength(
            fitsAlone ? (acknowledged.has(index) || failedSend(index) ? 1 : 0) : 0,
          );
        });
        // Records of one key keep their order.
        for (const key of ['k1', 'k2', 'k3', 'k4'])
          for (const topic of ['a', 'b']) {
            const order = fake.sends
              .flat()
              .filter((tm) => tm.topic === topic)
              .flatMap(({ messages }) => messages.filter((m) => m.key === key))
              .map((m) => Number(String(m.value).split(':')[0]));
            const expected = mix
              .map((spec, index) => ({ spec, index }))
              .filter(({ spec }) => spec.key === key && spec.topic === topic)
              .sort((x, y) => x.spec.wave - y.spec.wave || x.index - y.index)
              .map(({ index }) => index)
              .filter((index) => order.includes(index));
            expect(order).toEqual(expected);
          }
        await publisher.close();
      }),
      { numRuns: 200 },
    );
  });
});
