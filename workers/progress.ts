/**
 * Job progress without slowing the job: a routine may report after every
 * event (hundreds a second under load), so reports are coalesced to at most
 * one `job.updateProgress` per interval, never awaited by the routine, and a
 * Redis outage only delays them (ioredis queues commands until it reconnects).
 */
import type { Logger } from '../lib/logger';
import type { JobProgress } from '../lib/jobs/queue';

export interface ProgressReporterOptions {
  /** Least time between two writes to Redis, in ms. Default: 500. */
  minIntervalMs?: number;
}

interface ProgressTarget {
  updateProgress(progress: JobProgress): Promise<void>;
}

export class ProgressReporter {
  private readonly minIntervalMs: number;
  private pending?: JobProgress;
  private sending?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private lastSentAt = 0;
  private closed = false;

  constructor(
    private readonly job: ProgressTarget,
    private readonly log: Logger,
    options: ProgressReporterOptions = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 500;
    if (!(this.minIntervalMs >= 0)) throw new RangeError(`minIntervalMs must be 0 or more (got ${this.minIntervalMs})`);
  }

  /** Record the latest progress; it is written soon, replacing any report not yet written. */
  report(progress: JobProgress): void {
    if (this.closed) return;
    this.pending = progress;
    this.schedule();
  }

  /** Write the last report now (after any write in flight) and stop reporting. */
  async flush(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.sending;
    if (this.pending) await this.send();
  }

  private schedule(): void {
    if (this.timer || this.sending || this.closed) return;
    const dueInMs = Math.max(0, this.lastSentAt + this.minIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.send();
    }, dueInMs);
  }

  private send(): Promise<void> {
    const progress = this.pending;
    if (!progress) return Promise.resolve();
    this.pending = undefined;
    this.lastSentAt = Date.now();
    this.sending = this.job
      .updateProgress(progress)
      .catch((error: unknown) => this.log.warn({ err: error }, 'job progress not saved'))
      .finally(() => {
        this.sending = undefined;
        if (this.pending) this.schedule();
      });
    return this.sending;
  }
}
