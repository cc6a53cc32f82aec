/**
 * What the sink counts, in Prometheus terms. Every record consumed ends in
 * exactly one of: written, duplicate (already stored, stale or superseded),
 * filtered, dead-lettered. So `consumed == written + duplicate + filtered +
 * dead_lettered` once a batch is handled; the counts are taken just before
 * the batch's offset is committed, so a commit that then fails (the batch is
 * consumed again) counts its records twice.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ConsumerMetrics {
  consumed: Counter<'topic'>;
  written: Counter<'topic'>;
  duplicates: Counter<'topic'>;
  filtered: Counter<'topic' | 'reason'>;
  deadLettered: Counter<'topic' | 'reason'>;
  batchSize: Histogram<'topic'>;
  writeSeconds: Histogram<'collection'>;
  lag: Gauge<'topic' | 'partition'>;
  retries: Counter<'stage'>;
}

export function createConsumerMetrics(registry: Registry): ConsumerMetrics {
  const registers = [registry];
  return {
    consumed: new Counter({
      name: 'consumer_records_consumed_total',
      help: 'Records taken from Kafka and handled (written, duplicate, filtered or dead-lettered)',
      labelNames: ['topic'],
      registers,
    }),
    written: new Counter({
      name: 'consumer_records_written_total',
      help: 'Records whose document was inserted, upserted or replaced',
      labelNames: ['topic'],
      registers,
    }),
    duplicates: new Counter({
      name: 'consumer_records_duplicate_total',
      help: 'Records already stored (a replay), stale (an older match state) or superseded within their batch',
      labelNames: ['topic'],
      registers,
    }),
    filtered: new Counter({
      name: 'consumer_records_filtered_total',
      help: 'Records left out by the FILTER_* allow-lists (committed, not stored)',
      labelNames: ['topic', 'reason'],
      registers,
    }),
    deadLettered: new Counter({
      name: 'consumer_records_dead_lettered_total',
      help: 'Records sent to the dead-letter topic, by reason',
      labelNames: ['topic', 'reason'],
      registers,
    }),
    batchSize: new Histogram({
      name: 'consumer_batch_records',
      help: 'Records per handled batch',
      labelNames: ['topic'],
      buckets: [1, 10, 50, 100, 500, 1_000, 5_000, 10_000, 50_000],
      registers,
    }),
    writeSeconds: new Histogram({
      name: 'consumer_write_duration_seconds',
      help: 'Duration of one successful bulk write to the store',
      labelNames: ['collection'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    lag: new Gauge({
      name: 'consumer_lag_records',
      help: 'Records behind the end of the partition after the last handled batch (high watermark - next offset)',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    retries: new Counter({
      name: 'consumer_batch_retries_total',
      help: 'Tries of a batch again after the store or the DLQ failed',
      labelNames: ['stage'],
      registers,
    }),
  };
}

/** The sum of a metric's values over all its labels (a counter's total), as /metrics would show it. */
export async function metricTotal(registry: Registry, name: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((candidate) => candidate.name === name);
  return (metric?.values ?? []).reduce((sum, { value }) => sum + value, 0);
}
