/**
 * Which failures are worth another try: the one rule the retrier
 * (lib/retry.ts), the sink's batch loop (consumer/runner.ts), the sink's
 * reading of a bulk write's errors (consumer/sink.ts), the football-data.org
 * client (producers/football/client.ts), the workers' job outcomes
 * (workers/processor.ts) and the read API's 503 (reader/queries.ts) share. An error
 * says so itself (`retriable`, lib/errors.ts, kafkajs errors), or it is one of
 * the network and driver errors listed here; anything else is not retried.
 */
import { isRetriable, PipelineError } from './errors';

/**
 * MongoDB server codes that mean "not now" rather than "never" (the
 * retryable-write codes plus write conflicts, lock and time limits):
 * HostUnreachable 6, HostNotFound 7, LockTimeout 24, LockBusy 46,
 * MaxTimeMSExpired 50, WriteConcernFailed 64, NetworkTimeout 89,
 * ShutdownInProgress 91, WriteConflict 112, ReadConcernMajorityNotAvailableYet 134,
 * PrimarySteppedDown 189, ExceededTimeLimit 262, SocketException 9001,
 * NotWritablePrimary 10107, InterruptedAtShutdown 11600, Interrupted 11601,
 * InterruptedDueToReplStateChange 11602, NotPrimaryNoSecondaryOk 13435,
 * NotPrimaryOrSecondary 13436. The sink reads them in a bulk write's
 * per-document errors too (consumer/sink.ts).
 */
export const TRANSIENT_SERVER_CODES: ReadonlySet<number> = new Set([
  6, 7, 24, 46, 50, 64, 89, 91, 112, 134, 189, 262, 9001, 10107, 11600, 11601, 11602, 13435, 13436,
]);

/** The MongoDB driver's labels for an error it would retry itself. */
const TRANSIENT_LABELS: ReadonlySet<string> = new Set([
  'RetryableWriteError',
  'ResetPool',
  'TransientTransactionError',
]);

/** Node's codes for a network that failed or is not there yet (system errors, and undici's). */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/**
 * The MongoDB driver's errors for a store that cannot be reached or did not
 * answer in time (by name: they may come from another copy of the driver), ioredis's, and
 * the DOMException names of an operation timed out or aborted (a fetch under
 * `AbortSignal.timeout`, a shutdown).
 */
const TRANSIENT_ERROR_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoWaitQueueTimeoutError',
  'MongoPoolClearedError',
  'MongoNotConnectedError', // the client is still connecting
  'MongoTopologyClosedError', // the client closed under the operation (a shutdown, a reconnect)
  'MaxRetriesPerRequestError', // ioredis: Redis did not come back within the request's retries
  'TimeoutError',
  'AbortError',
]);

/**
 * Whether another try may succeed: the error says `retriable: true`, or it is
 * (or is caused by) a known transient network or driver error. Anything else,
 * a TypeError above all, is a bug or a refusal: trying again fails the same
 * way, so it is thrown at once. An error that says `retriable: false` is never
 * retried, whatever it wraps.
 */
export function isTransient(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  if (isRetriable(error)) return true;
  const { retriable, code, name, cause, errors, errorLabels } = error as {
    retriable?: unknown;
    code?: unknown;
    name?: unknown;
    cause?: unknown;
    errors?: unknown;
    errorLabels?: unknown;
  };
  if (retriable === false || error instanceof PipelineError) return false;
  if (typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code)) return true;
  if (typeof name === 'string' && TRANSIENT_ERROR_NAMES.has(name)) return true;
  // A MongoDB server error that means "not now" (not primary, shutting down, ...), or one the driver labels so.
  if (typeof name === 'string' && name.startsWith('Mongo')) {
    if (typeof code === 'number' && TRANSIENT_SERVER_CODES.has(code)) return true;
    if (Array.isArray(errorLabels) && errorLabels.some((label) => TRANSIENT_LABELS.has(label as string))) return true;
  }
  // Node's fetch wraps the network error in a TypeError('fetch failed'); net.connect to several addresses in an AggregateError.
  return (
    isTransient(cause, depth + 1) || (Array.isArray(errors) && errors.some((inner) => isTransient(inner, depth + 1)))
  );
}
