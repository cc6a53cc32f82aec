// A KafkaJS consumer (the sink's client) that commits known offsets, for
// test_kafka_offsets.py to read back through the Airflow hook.
// Usage: node kafkajs_commit.mjs BROKERS TOPIC GROUP COUNTS
//   COUNTS: records per partition, e.g. 5,3,0 (the topic gets that many partitions)
// Creates TOPIC, writes the records, consumes them all in GROUP committing
// after each batch as the sink does, leaves the group, and prints what KafkaJS's
// admin client then reads for GROUP: [{"partition": 0, "offset": "5"}, ...].
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const [brokers, topic, groupId, counts] = process.argv.slice(2);
const perPartition = counts.split(',').map(Number);
const total = perPartition.reduce((sum, n) => sum + n, 0);
const kafka = new Kafka({ clientId: 'airflow-tests', brokers: brokers.split(','), logLevel: logLevel.NOTHING });

const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: perPartition.length, replicationFactor: 2 }], waitForLeaders: true });

const producer = kafka.producer();
await producer.connect();
await producer.send({
  topic,
  messages: perPartition.flatMap((n, partition) => Array.from({ length: n }, (_, i) => ({ partition, value: `record ${i}` }))),
});
await producer.disconnect();

const consumer = kafka.consumer({ groupId });
await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: true });
let seen = 0;
const allSeen = new Promise((resolve) => {
  consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      seen += batch.messages.length;
      const next = Number(batch.messages.at(-1).offset) + 1;
      await consumer.commitOffsets([{ topic, partition: batch.partition, offset: String(next) }]);
      if (seen >= total) resolve();
    },
  });
});
const timer = setTimeout(() => {
  console.error(`only ${seen} of ${total} records consumed within 60 s`);
  process.exit(1);
}, 60_000);
await allSeen;
clearTimeout(timer);
await consumer.disconnect();

const [fetched] = await admin.fetchOffsets({ groupId, topics: [topic] });
console.log(JSON.stringify(fetched.partitions));
await admin.disconnect();
