/**
 * Create the pipeline's topics (docs/ARCHITECTURE.md §3) and exit: `node dist/scripts/ensure-topics.js`.
 *
 * The one-shot `kafka-init` service of docker-compose.yaml runs it, so the
 * containerised cluster gets exactly the topics, partitions, replication and
 * cleanup policies of `pipelineTopics()`, defined once in lib/kafka/topics.ts.
 * Safe to run any number of times. Brokers still starting are waited for (with
 * backoff, about two minutes at most); a wrong existing topic fails at once.
 * Under KAFKA_TOPICS_MODE=verify it creates nothing and fails listing every
 * difference: a check to run against topics someone else owns.
 */
import { loadConfigOrExit } from '../lib/config';
import { createKafka } from '../lib/kafka/client';
import { ensurePipelineTopics } from '../lib/kafka/topics';
import { createLogger } from '../lib/logger';

/** Attempts after the first; with the retrier's 5 s cap, roughly two minutes. */
const RETRIES = 30;

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger({ service: 'ensure-topics', level: config.logLevel });
  const kafka = createKafka(config.kafka, log, { clientId: `${config.kafka.clientId}-ensure-topics` });
  const stop = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop.abort());
  await ensurePipelineTopics(kafka, config.kafka, log, { retries: RETRIES, signal: stop.signal });
}

main().catch((error: unknown) => {
  process.stderr.write(`ensure-topics failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
