/**
 * The producers API as a service: config → logger → Kafka topics created →
 * publisher connected → app listening on API_PORT. Under KAFKA_TOPICS_MODE=verify
 * the app listens at once instead: the topics are checked in the background and
 * the publisher connects once they match their spec, /readyz 503 with the reason
 * until then. SIGTERM/SIGINT stop accepting requests, let those in flight
 * finish, flush every pending record, then disconnect.
 */
import { loadConfigOrExit } from '../lib/config';
import { createKafka } from '../lib/kafka/client';
import { startTopicCheck } from '../lib/kafka/topic-check';
import { ensurePipelineTopics } from '../lib/kafka/topics';
import { createLogger } from '../lib/logger';
import { createMetricsRegistry } from '../lib/observability';
import { Shutdown } from '../lib/shutdown';
import { shutdownStepMs } from '../lib/shutdown-bounds';
import { SERVICE } from './app';
import { startApi } from './service';

/** Aborted by SIGTERM while start-up still waits for Kafka. */
const startup = new AbortController();

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger({ service: SERVICE, level: config.logLevel });
  const stepTimeoutMs = shutdownStepMs.api(config);
  const shutdown = new Shutdown(log, { stepTimeoutMs })
    .add('abort start-up', () => startup.abort())
    .handleProcessSignals();

  const kafka = createKafka(config.kafka, log, { clientId: `${config.kafka.clientId}-producers` });
  const registry = createMetricsRegistry(SERVICE);
  const topicCheck = startTopicCheck(kafka, config.kafka, log, { registry });
  shutdown.add('topic check', () => topicCheck?.stop());
  if (!topicCheck) await ensurePipelineTopics(kafka, config.kafka, log, { signal: startup.signal });
  const api = await startApi(config, log, {
    kafka,
    registry,
    signal: startup.signal,
    ...(topicCheck && { topicCheck }),
  });
  shutdown.add('producers API', () => api.stop());
}

main().catch((error: unknown) => {
  if (startup.signal.aborted) return; // stopped during start-up: the shutdown exits
  process.stderr.write(`producers failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
