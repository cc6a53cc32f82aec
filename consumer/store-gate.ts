/**
 * The gate in front of the store's writes: a circuit breaker that keeps the
 * consumer from piling work onto a store that has not caught up.
 *
 * A bulk write that times out is not cancelled: the store may still run it,
 * and a paused or overloaded store that accepts connections queues every
 * command it is sent. Resending the batch on each retry would queue one more
 * bulk behind the last, and after a long pause the store would spend its time
 * on abandoned copies while every new try timed out in turn (seen with
 * FerretDB 1.24 after a 30 s SIGSTOP: still behind 2 minutes later). So:
 *
 *  - open: writes go as they come;
 *  - closed (a write failed as "unavailable"): no batch is sent; one small
 *    probe write at a time, with a patient timeout, shared by every
 *    partition, is the only thing the store receives (again every
 *    PROBE_INTERVAL_MS while it fails). A write queues behind the ones before
 *    it, so its answer means the backlog is done;
 *  - half-open (the probe answered): one batch at a time; the first that is
 *    written opens the gate, the first that fails closes it again.
 *
 * A caller waits in `write()` until its write has been sent, or its signal
 * aborts (consumer/runner.ts `whileOwned`: stopping, partition lost). Probes
 * are not backed off like batch retries: the store's return is seen within
 * one interval, and a store that is down paces them anyway (each waits for
 * server selection).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Collection } from 'mongodb';
import { describeError, isRetriable } from '../lib/errors';
import type { Logger } from '../lib/logger';

export interface StoreGateOptions {
  /**
   * Where the probe writes (one document, `_id` = `member`). Its client must wait longer than the
   * one that writes batches (consumer/service.ts gives it PROBE_TIMEOUT_FACTOR times
   * MONGO_OPERATION_TIMEOUT_MS), or the probe would time out behind the backlog it waits for.
   */
  probes: Collection<{ _id: string; at: Date }>;
  /** Who probes: the document's `_id` (the consumer group, so one document per group). */
  member: string;
  /** Told of each failed probe (warn) and of the store answering again (info). */
  log: Logger;
}

/** The collection of the probe documents, one per consumer group. */
export const PROBE_COLLECTION = 'consumer_probes';

/** How many operation timeouts the probe waits for its answer: the backlog it stands behind. */
export const PROBE_TIMEOUT_FACTOR = 6;

/** The wait between a failed probe and the next, in ms. */
export const PROBE_INTERVAL_MS = 500;

type State = 'open' | 'closed' | 'half-open';

export class StoreGate {
  private state: State = 'open';
  private probing: Promise<void> | undefined;
  private trial: Promise<unknown> | undefined;

  constructor(private readonly options: StoreGateOptions) {}

  /** Whether batches go to the store as they come. */
  isOpen(): boolean {
    return this.state === 'open';
  }

  /** Run one write through the gate; `signal` ends the wait for a probe or for a trial write. */
  async write<T>(signal: AbortSignal, write: () => Promise<T>): Promise<T> {
    for (;;) {
      signal.throwIfAborted();
      if (this.state === 'open') return this.attempt(write);
      if (this.state === 'closed') {
        await untilAborted(signal, this.probe()).catch(async () => {
          signal.throwIfAborted();
          await sleep(PROBE_INTERVAL_MS, undefined, { signal }).catch(() => signal.throwIfAborted());
        });
      } else if (this.trial) {
        await untilAborted(
          signal,
          this.trial.catch(() => undefined),
        );
      } else {
        const trial = this.attempt(write);
        this.trial = trial;
        void trial.then(
          () => this.endTrial(trial),
          () => this.endTrial(trial),
        );
        return trial;
      }
    }
  }

  private endTrial(trial: Promise<unknown>): void {
    if (this.trial === trial) this.trial = undefined;
  }

  private async attempt<T>(write: () => Promise<T>): Promise<T> {
    try {
      const result = await write();
      this.state = 'open';
      return result;
    } catch (error) {
      if (isRetriable(error)) this.state = 'closed';
      throw error;
    }
  }

  /** The one probe in flight, started when none is. */
  private probe(): Promise<void> {
    this.probing ??= this.options.probes
      .replaceOne({ _id: this.options.member }, { at: new Date() }, { upsert: true })
      .then(
        () => {
          if (this.state !== 'closed') return;
          this.state = 'half-open';
          this.options.log.info({ probe: this.options.probes.collectionName }, 'store answered its probe');
        },
        (error: unknown) => {
          this.options.log.warn({ reason: describeError(error) }, 'store probe failed, will probe again');
          throw error;
        },
      )
      .finally(() => {
        this.probing = undefined;
      });
    return this.probing;
  }
}

/** `work`, or the abort's reason as soon as `signal` fires (`work` goes on unobserved). */
function untilAborted<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
