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
  /** How long the caller should wait before trying again, when the failure says so (HTTP Retry-After). */
  retryAfterMs?: number;
}

export class PipelineError extends Error {
  readonly retriable: boolean;
  readonly context: Record<string, unknown>;
  /** Set only when the failure says how long to wait (no own property otherwise, so logs stay clean). */
  declare readonly retryAfterMs?: number;

  constructor(message: string, options: PipelineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
    this.context = options.context ?? {};
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
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

/**
 * A dependency (Kafka, an upstream API) cannot take the work now; the same call
 * may succeed later. HTTP answers it with 503 and `Retry-After`.
 */
export class UnavailableError extends PipelineError {
  constructor(message: string, options: Omit<PipelineErrorOptions, 'retriable'> = {}) {
    super(message, { ...options, retriable: true });
  }
}

/** The input is larger than a limit it must fit in; another try cannot help. HTTP: 413 with `code`. */
export class TooLargeError extends PipelineError {
  constructor(
    message: string,
    readonly code: string,
    context: Record<string, unknown> = {},
  ) {
    super(message, { retriable: false, context });
  }
}

/** An upstream service answered wrongly or not at all, and there is nothing else to serve. HTTP: 502. */
export class UpstreamError extends PipelineError {}

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
