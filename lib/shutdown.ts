/**
 * Graceful shutdown as a list of cleanup steps (BullMQ `Worker.close`):
 * steps run in the order they were added, each guarded on its own so one
 * failure does not skip the rest, each bounded in time, and calling `run()`
 * twice returns the same promise.
 */
import type { Logger } from './logger';

export interface ShutdownOptions {
  /** Longest wait for one step before moving on, in ms. Default: 10_000. */
  stepTimeoutMs?: number;
}

interface Step {
  name: string;
  run: () => Promise<unknown> | unknown;
}

export class Shutdown {
  private readonly steps: Step[] = [];
  private running?: Promise<boolean>;
  private readonly stepTimeoutMs: number;

  constructor(
    private readonly log: Logger,
    options: ShutdownOptions = {},
  ) {
    this.stepTimeoutMs = options.stepTimeoutMs ?? 10_000;
  }

  /** Add a cleanup step; steps run in the order added (stop intake first, close stores last). */
  add(name: string, run: Step['run']): this {
    this.steps.push({ name, run });
    return this;
  }

  get started(): boolean {
    return this.running !== undefined;
  }

  /** Run every step once; resolves to true when all of them succeeded. */
  run(reason: string): Promise<boolean> {
    this.running ??= this.runSteps(reason);
    return this.running;
  }

  private async runSteps(reason: string): Promise<boolean> {
    this.log.info({ reason, steps: this.steps.map((step) => step.name) }, 'shutting down');
    let clean = true;
    for (const step of this.steps) {
      const started = Date.now();
      try {
        await withTimeout(Promise.resolve().then(step.run), this.stepTimeoutMs, step.name);
        this.log.debug({ step: step.name, ms: Date.now() - started }, 'shutdown step done');
      } catch (error) {
        clean = false;
        this.log.error({ step: step.name, err: error }, 'shutdown step failed');
      }
    }
    this.log.info({ reason, clean }, 'shutdown complete');
    return clean;
  }

  /**
   * Run the steps on SIGTERM/SIGINT, then exit (0 if clean). Also the one place
   * where an uncaught exception or unhandled rejection ends the process: logged
   * as fatal, cleaned up, exit 1.
   */
  handleProcessSignals(): this {
    const exitAfter = (reason: string, code: number) => {
      void this.run(reason).then((clean) => process.exit(clean ? code : code || 1));
    };
    process.once('SIGTERM', () => exitAfter('SIGTERM', 0));
    process.once('SIGINT', () => exitAfter('SIGINT', 0));
    process.on('uncaughtException', (error) => {
      this.log.fatal({ err: error }, 'uncaught exception');
      exitAfter('uncaughtException', 1);
    });
    process.on('unhandledRejection', (error) => {
      this.log.fatal({ err: error }, 'unhandled rejection');
      exitAfter('unhandledRejection', 1);
    });
    return this;
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
