/** How a publish fails: the errors `Publisher.publish()` rejects with (lib/kafka/publisher.ts). */
import { TooLargeError, UnavailableError } from '../errors';

/** The cluster did not acknowledge the record in time. */
export class PublishTimeoutError extends UnavailableError {}
/** Too many records are waiting already; try again later. */
export class PublisherOverloadedError extends UnavailableError {}
/** The send failed, or the publisher is not connected or is closing. */
export class PublishFailedError extends UnavailableError {}
/** The record is larger than its topic takes: it is never sent, and another try cannot help. HTTP: 413. */
export class RecordTooLargeError extends TooLargeError {
  constructor(topic: string, bytes: number, budget: number) {
    super(
      `the record is ${bytes} bytes, more than the ${budget} bytes topic ${topic} takes in one record batch`,
      'record_too_large',
      { topic, bytes, budget },
    );
  }
}

type UnavailableKind = new (
  message: string,
  options: ConstructorParameters<typeof UnavailableError>[1],
) => UnavailableError;

/** A retriable publish error about `topic`, carrying the Retry-After hint. */
export function retriablePublishError(
  Kind: UnavailableKind,
  message: string,
  context: { topic: string; retryAfterMs: number; cause?: unknown },
): UnavailableError {
  return new Kind(message, {
    context: { topic: context.topic },
    retryAfterMs: context.retryAfterMs,
    cause: context.cause,
  });
}
