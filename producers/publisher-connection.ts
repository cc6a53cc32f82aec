/**
 * Connecting the API's publisher, retried with start-up's options. In create
 * mode the API waits for it before answering, as it always has; under
 * KAFKA_TOPICS_MODE=verify it answers at once and connects here in the
 * background, once the topics match their spec (connect() reads the somedata
 * topic's max.message.bytes). Until then /readyz's `kafka` check says what it
 * waits for, and publish() refuses with a retriable 503, as when Kafka is away.
 */
import { describeError } from '../lib/errors';
import type { Publisher } from '../lib/kafka/publisher';
import type { TopicCheck } from '../lib/kafka/topic-check';
import type { Logger } from '../lib/logger';
import type { ReadinessCheck } from '../lib/observability';
import { retry, type RetryOptions } from '../lib/retry';

export interface PublisherConnection {
  /** Resolves once connected; rejects when connecting stopped (retries spent, aborted, `stop()`). */
  connected: Promise<void>;
  /** For /readyz: the publisher's own readiness once connected; before, what the connection waits for. */
  readiness: ReadinessCheck;
  /** Stop connecting (a wait or a backoff ends at once) and wait for the attempt under way. */
  stop(): Promise<void>;
}

export interface ConnectOptions {
  /** Start-up's retry options (lib/http/service.ts); their `signal` stops connecting too. */
  connecting: RetryOptions;
  log: Logger;
  /** Under KAFKA_TOPICS_MODE=verify: connect only once it verified the topics. */
  topicCheck?: TopicCheck | undefined;
}

export function connectPublisher(publisher: Publisher, options: ConnectOptions): PublisherConnection {
  const { connecting, log, topicCheck } = options;
  const stopping = new AbortController();
  const signal = connecting.signal ? AbortSignal.any([connecting.signal, stopping.signal]) : stopping.signal;
  let waitingFor = topicCheck ? 'waiting for the Kafka topics to match their spec' : 'connecting to Kafka';
  let isConnected = false;

  const connected = (async () => {
    await topicCheck?.verified(signal);
    signal.throwIfAborted();
    waitingFor = 'connecting to Kafka';
    await retry(() => publisher.connect(), {
      ...connecting,
      signal,
      onRetry: ({ error, attempt, delayMs }) => {
        waitingFor = `not connected to Kafka: ${describeError(error)}`;
        log.warn({ attempt, delayMs, reason: describeError(error) }, 'cannot connect to Kafka yet, retrying');
      },
    }).catch((error: unknown) => {
      waitingFor = `not connected to Kafka: ${describeError(error)}`;
      if (!signal.aborted) log.error({ reason: describeError(error) }, 'gave up connecting to Kafka');
      throw error;
    });
    isConnected = true;
  })();
  // Handled here, so a failure nobody awaits (verify mode) is logged above, never unhandled.
  const settled = connected.catch(() => undefined);

  return {
    connected,
    readiness: () => (isConnected ? publisher.isReady() : { ready: false, reason: waitingFor }),
    stop: async () => {
      stopping.abort();
      await settled;
    },
  };
}
