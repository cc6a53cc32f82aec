/**
 * Errors that say whether trying again can help (`retriable`) and carry the
 * context needed to act on them (topic, partition, offset, jobId, ...).
 * Modelled on KafkaJS `src/errors.js`: the retrier reads `retriable`, logs read
 * `context`, and a final failure keeps its `cause`.
 */
export interface PipelineErrorOptions {
  /** Whether the same operation may succeed if tried again. Default: false. */
  retriable?: boolean;
  /** Structured facts about where the error happened; logged as-is, so never secrets. */
  context?: Record<string, unknown>;
  /** The underlying error. */
  cause?: unknown;
}

export class PipelineError extends Error {
  readonly retriable: boolean;
  readonly context: Record<string, unknown>;

  constructor(message: string, options: PipelineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
    this.context = options.context ?? {};
  }
}

/** The environment does not describe a runnable service. Never retriable. */
export class ConfigError extends PipelineError {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(message, { retriable: false, context: { problems } });
  }
}

/** Input from outside (HTTP, job data, a Kafka record) that can never be accepted as it is. */
export class ValidationError extends PipelineError {
  constructor(
    message: string,
    readonly field: string,
    context: Record<string, unknown> = {},
  ) {
    super(message, { retriable: false, context: { field, ...context } });
  }
}

/** The retrier gave up; `cause` is the last error seen. */
export class RetriesExhaustedError extends PipelineError {
  constructor(attempts: number, cause: unknown, context: Record<string, unknown> = {}) {
    super(`gave up after ${attempts} attempts: ${describeError(cause)}`, {
      retriable: false,
      cause,
      context: { attempts, ...context },
    });
  }
}

/** True when an error says it may succeed on another try (kafkajs errors carry the same flag). */
export function isRetriable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

/** A one-line description of anything thrown, for messages and logs. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
