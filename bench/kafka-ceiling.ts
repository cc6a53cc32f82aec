/**
 * What the brokers take at all: Apache Kafka's own ProducerPerformance (from
 * the jars `make up` resolved) on a fresh topic shaped like `somedata`
 * (3 partitions, replication 2), records the size of an API event, acks=all,
 * as fast as it can. The API path is compared with this. Run by bench/run.ts.
 */
import { kafkaTool } from '../harness/stack';
import { freshTopics } from '../harness/producers';
import { apiEventBytes } from './support';

export interface KafkaCeilingOptions {
  /** Records to send. Default: 500_000. */
  records?: number;
  /** Bytes per record. Default: the size of a `GET /somedata/car?number=3` event. */
  recordSize?: number;
}

export interface KafkaCeilingFigures {
  records: number;
  recordSize: number;
  recordsPerSec: number;
  mbPerSec: number;
  latencyMs: { avg: number; p50: number; p99: number; max: number };
}

// "500000 records sent, 61050.061050 records/sec (17.70 MB/sec), 1204.31 ms avg latency, 1850.00 ms max latency, 1235 ms 50th, 1714 ms 95th, 1822 ms 99th, 1846 ms 99.9th."
const SUMMARY =
  /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th/;

export async function run(options: KafkaCeilingOptions = {}): Promise<KafkaCeilingFigures> {
  const records = options.records ?? 500_000;
  const recordSize = options.recordSize ?? apiEventBytes();
  const topics = await freshTopics();
  try {
    const output = await kafkaTool(
      'org.apache.kafka.tools.ProducerPerformance',
      ...['--topic', topics.config.kafka.topics.somedata],
      ...['--num-records', String(records), '--record-size', String(recordSize), '--throughput', '-1'],
      ...['--producer-props', `bootstrap.servers=${topics.config.kafka.brokers.join(',')}`, 'acks=all'],
    );
    const match = SUMMARY.exec(output);
    if (!match) throw new Error(`ProducerPerformance printed no summary:\n${output.slice(-2_000)}`);
    const n = (i: number) => Number(match[i]);
    return {
      records: n(1),
      recordSize,
      recordsPerSec: Math.round(n(2)),
      mbPerSec: n(3),
      latencyMs: { avg: Math.round(n(4)), p50: n(6), p99: n(8), max: Math.round(n(5)) },
    };
  } finally {
    await topics.drop();
  }
}
