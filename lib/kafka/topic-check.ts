/**
 * KAFKA_TOPICS_MODE=verify in a long-running service: the topics belong to
 * someone else (Strimzi's topic operator, deploy/platform/kafka/topics.yaml),
 * so the service creates none. It reads what the cluster has (`verifyTopics`,
 * lib/kafka/topics.ts), compares it with `pipelineTopics()`, and while they differ
 * answers /readyz 503 with every difference, checking again with backoff: when
 * the operator fixes a topic, the service turns ready without a restart.
 */
import type { Admin, Kafka } from 'kafkajs';
import { Gauge, type Registry } from 'prom-client';
import type { Config } from '../config';
import { describeError } from '../errors';
import type { Logger } from '../logger';
import type { ReadinessCheck } from '../observability';
import { backoffDelay } from '../retry';
import { blocksReadiness, describeDifference, type TopicDifference } from './topic-differences';
import { ensurePipelineTopics, pipelineTopics, verifyTopics, type TopicSpec } from './topics';

export interface TopicCheckOptions {
  /** Registry for the `kafka_topics` gauge (topics verified / mismatched). Default: none. */
  registry?: Registry;
  /** Wait before the second check while the topics differ or Kafka is away, in ms; doubles up to maxDelayMs. Default: 1_000. */
  initialDelayMs?: number;
  /** Longest wait between checks, and the interval once the topics are verified (drift turns readiness red). Default: 30_000. */
  maxDelayMs?: number;
}

type TopicCheckState =
  | { state: 'checking' }
  | { state: 'verified' }
  | { state: 'mismatched'; differences: TopicDifference[] }
  | { state: 'unreachable'; error: string };

/** The verify-mode check of one service: started once, read by /readyz, stopped at shutdown. */
export class TopicCheck {
  private status: TopicCheckState = { state: 'checking' };
  private readonly admin: Admin;
  private readonly stopping = new AbortController();
  private readonly waiters = new Set<() => void>();
  private loop: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;
  /** The tolerated differences last logged, so each is logged once. */
  private lastTolerated = '[]';

  constructor(
    kafka: Kafka,
    private readonly specs: readonly TopicSpec[],
    private readonly log: Logger,
    private readonly options: TopicCheckOptions = {},
  ) {
    this.admin = kafka.admin();
    if (options.registry) this.registerGauge(options.registry);
  }

  /** Begin checking (the first check at once). */
  start(): this {
    this.loop ??= this.run();
    return this;
  }

  /** For /readyz: ready once verified; otherwise the reason, with every difference that blocks readiness. */
  readonly readiness: ReadinessCheck = () => {
    const status = this.status;
    if (status.state === 'verified') return true;
    if (status.state === 'mismatched') return { ready: false, reason: { differences: status.differences } };
    if (status.state === 'unreachable') return { ready: false, reason: { error: status.error } };
    return { ready: false, reason: { error: 'topics not checked yet' } };
  };

  /** Resolves once the topics are verified (at once if they already are), or when `signal` aborts. */
  verified(signal?: AbortSignal): Promise<void> {
    if (this.status.state === 'verified' || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Stop checking and disconnect; a second call returns the same promise. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping.abort();
      for (const waiter of [...this.waiters]) waiter();
      // Disconnecting first ends a check still waiting on Kafka, so shutdown never waits out its retries.
      await this.admin.disconnect().catch(() => undefined);
      await this.loop;
    })();
    return this.stopped;
  }

  private async run(): Promise<void> {
    const { signal } = this.stopping;
    for (let failures = 0; !signal.aborted;) {
      const next = await this.checkOnce();
      if (signal.aborted) return; // a check cut short by stop() says nothing about the topics
      this.record(next);
      failures = this.status.state === 'verified' ? 0 : failures + 1;
      const maxDelayMs = this.options.maxDelayMs ?? 30_000;
      const delayMs =
        failures === 0
          ? maxDelayMs
          : backoffDelay(failures, { initialDelayMs: this.options.initialDelayMs ?? 1_000, maxDelayMs });
      await sleepUnlessAborted(delayMs, signal);
    }
  }

  private async checkOnce(): Promise<TopicCheckState> {
    try {
      await this.admin.connect();
      const found = await verifyTopics(this.admin, this.specs);
      const tolerated = found.filter((difference) => !blocksReadiness(difference));
      if (tolerated.length > 0 && JSON.stringify(tolerated) !== this.lastTolerated) {
        this.log.warn(
          { differences: tolerated, summary: tolerated.map(describeDifference) },
          'Kafka topics have more partitions than their spec, ready anyway',
        );
      }
      this.lastTolerated = JSON.stringify(tolerated);
      const differences = found.filter(blocksReadiness);
      return differences.length === 0 ? { state: 'verified' } : { state: 'mismatched', differences };
    } catch (error) {
      return { state: 'unreachable', error: `cannot describe the topics: ${describeError(error)}` };
    }
  }

  /** Keep the new state; log only a change, so a long mismatch is one line, not one per check. */
  private record(next: TopicCheckState): void {
    const changed = JSON.stringify(next) !== JSON.stringify(this.status);
    this.status = next;
    if (changed) {
      if (next.state === 'verified')
        this.log.info({ topics: this.specs.map((spec) => spec.topic) }, 'Kafka topics verified');
      if (next.state === 'mismatched')
        this.log.error(
          { differences: next.differences, summary: next.differences.map(describeDifference) },
          'Kafka topics differ from their spec, not ready',
        );
      if (next.state === 'unreachable') this.log.warn({ reason: next.error }, 'cannot check Kafka topics yet');
    }
    if (next.state === 'verified') for (const waiter of [...this.waiters]) waiter();
  }

  /** Topics verified and mismatched by the last check (none of either before one answered). */
  private counts(): { verified: number; mismatched: number } {
    const status = this.status;
    if (status.state === 'verified') return { verified: this.specs.length, mismatched: 0 };
    if (status.state !== 'mismatched') return { verified: 0, mismatched: 0 };
    const mismatched = new Set(status.differences.map((difference) => difference.topic)).size;
    return { verified: this.specs.length - mismatched, mismatched };
  }

  private registerGauge(registry: Registry): void {
    const counts = () => this.counts();
    new Gauge({
      name: 'kafka_topics',
      help: 'Pipeline topics by the last verification (KAFKA_TOPICS_MODE=verify): verified, mismatched',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const { verified, mismatched } = counts();
        this.set({ state: 'verified' }, verified);
        this.set({ state: 'mismatched' }, mismatched);
      },
    });
  }
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** A service's verify-mode check, started; none in create mode (start-up creates the topics instead). */
export function startTopicCheck(
  kafka: Kafka,
  config: Config['kafka'],
  log: Logger,
  options: TopicCheckOptions = {},
): TopicCheck | undefined {
  if (config.topicsMode !== 'verify') return undefined;
  return new TopicCheck(kafka, pipelineTopics(config), log, options).start();
}

/** The start-up wait for the topics: verified by `check` (verify mode), or created (create mode). */
export async function pipelineTopicsReady(
  kafka: Kafka,
  config: Config['kafka'],
  log: Logger,
  check: TopicCheck | undefined,
  signal: AbortSignal,
): Promise<void> {
  if (check) await check.verified(signal);
  else await ensurePipelineTopics(kafka, config, log, { signal });
}
