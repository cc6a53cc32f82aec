/**
 * The naive peer of bench/api-vs-bare.ts: what a tutorial (and this
 * repository's seed) writes to put each request into Kafka before answering.
 * The bare route (bench/bare-server.ts) plus one `await producer.send` per
 * request: kafkajs's default producer (not idempotent, no linger, no batching
 * of its own), `acks: -1` (all in-sync replicas, kafkajs's default, said
 * explicitly), one record per send. It sends the same record as our API (the
 * envelope, key and headers of lib/schemas/envelope.ts), so the brokers get the
 * same bytes and only the way of sending differs. No validation, metrics,
 * request id or security headers, as in the bare route.
 *
 * A 200 means the send resolved, so every 200 is in Kafka; a failed send
 * answers 500 (Express 5 passes a rejected handler to its error handler).
 *
 *   NAIVE_PORT=5998 KAFKA_BROKERS=127.0.0.1:9092 NAIVE_TOPIC=t node --import tsx bench/naive-server.ts
 */
import express from 'express';
import { Kafka, logLevel } from 'kafkajs';
import { createEvent, somedataItems, toKafkaMessage } from '../lib/schemas';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const topic = process.env.NAIVE_TOPIC ?? 'somedata';
const port = Number(process.env.NAIVE_PORT ?? 5998);

const kafka = new Kafka({ clientId: 'naive-api', brokers, logLevel: logLevel.WARN });
const producer = kafka.producer();

const app = express();
app.get('/somedata/:data', async (req, res) => {
  const data = req.params.data;
  const number = Number(req.query.number ?? 1);
  const items = somedataItems(data, number);
  const event = createEvent('somedata', { data, number, items }, { source: 'api' });
  await producer.send({ topic, acks: -1, messages: [toKafkaMessage(event)] });
  res.json(items);
});

producer.connect().then(
  () => app.listen(port, '127.0.0.1', () => process.stdout.write(`naive server on ${port}\n`)),
  (error: unknown) => {
    process.stderr.write(`naive server: cannot connect to Kafka: ${String(error)}\n`);
    process.exit(1);
  },
);
process.on('SIGTERM', () => {
  producer.disconnect().finally(() => process.exit(0));
});
