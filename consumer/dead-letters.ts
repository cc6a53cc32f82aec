/**
 * Dead letters: a record the sink can never store goes to the DLQ topic as it
 * came (key, value, headers), plus headers that say why and where it came
 * from. `npm run dlq:replay` reads these headers to send it back after a fix.
 */
import type { KafkaMessage, Message, Producer } from 'kafkajs';
import { describeError, PipelineError } from '../lib/errors';
import { DLQ_HEADERS, originalHeaders, type DeadLetterReason } from '../lib/kafka/dead-letter-headers';

const MAX_ERROR_MESSAGE = 2_000;

/** One record that goes to the DLQ, and why. */
export interface DeadLetter {
  reason: DeadLetterReason;
  error: unknown;
  topic: string;
  partition: number;
  message: KafkaMessage;
}

/** The DLQ record of a dead letter: key, value and headers kept, reason and origin added. */
export function toDeadLetterMessage(letter: DeadLetter, groupId: string, now = new Date()): Message {
  const { message, error } = letter;
  const errorClass = error instanceof Error ? error.name : typeof error;
  const errorMessage = error instanceof Error ? error.message : describeError(error);
  return {
    key: message.key,
    value: message.value,
    headers: {
      ...originalHeaders(message.headers),
      [DLQ_HEADERS.reason]: letter.reason,
      [DLQ_HEADERS.errorClass]: errorClass,
      [DLQ_HEADERS.errorMessage]: errorMessage.slice(0, MAX_ERROR_MESSAGE),
      [DLQ_HEADERS.topic]: letter.topic,
      [DLQ_HEADERS.partition]: String(letter.partition),
      [DLQ_HEADERS.offset]: message.offset,
      [DLQ_HEADERS.timestamp]: message.timestamp,
      [DLQ_HEADERS.group]: groupId,
      [DLQ_HEADERS.failedAt]: now.toISOString(),
    },
  };
}

/** The DLQ topic could not take the dead letters; the batch must not be committed. Retriable. */
export class DeadLetterUnavailableError extends PipelineError {
  constructor(cause: unknown, context: Record<string, unknown>) {
    super(`cannot write to the dead-letter topic: ${describeError(cause)}`, { retriable: true, cause, context });
  }
}

export interface DeadLetterPublisherOptions {
  /** Most bytes of records in one send, so no partition's record batch outgrows the topic's limit. Default: 512 KiB. */
  maxSendBytes?: number;
}

/** Sends dead letters with acks=all, in sends small enough for the broker's record-batch limit. */
export class DeadLetterPublisher {
  private readonly maxSendBytes: number;

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly groupId: string,
    options: DeadLetterPublisherOptions = {},
  ) {
    this.maxSendBytes = options.maxSendBytes ?? 512 * 1024;
    if (!Number.isInteger(this.maxSendBytes) || this.maxSendBytes < 1)
      throw new PipelineError(`maxSendBytes must be a positive whole number (got ${this.maxSendBytes})`);
  }

  /**
   * The letters the DLQ acknowledged. When a later send fails, the batch tries the same
   * letters again (consumer/runner.ts): only those not acknowledged yet are sent, so an
   * earlier send's letters are not written twice.
   */
  private readonly acknowledged = new WeakSet<DeadLetter>();

  /** Resolves once every letter is acknowledged; throws DeadLetterUnavailableError otherwise. */
  async publish(letters: DeadLetter[]): Promise<void> {
    const now = new Date();
    const letterOf = new Map<Message, DeadLetter>();
    for (const letter of letters) {
      if (!this.acknowledged.has(letter)) letterOf.set(toDeadLetterMessage(letter, this.groupId, now), letter);
    }
    for (const chunk of chunkBySize([...letterOf.keys()], this.maxSendBytes)) {
      try {
        await this.send(chunk);
      } catch (error) {
        throw new DeadLetterUnavailableError(error, { topic: this.topic, records: chunk.length });
      }
      for (const message of chunk) {
        const letter = letterOf.get(message);
        if (letter) this.acknowledged.add(letter);
      }
    }
  }

  private async send(messages: Message[]): Promise<void> {
    try {
      await this.producer.send({ topic: this.topic, acks: -1, messages });
    } catch (error) {
      // One record larger than the topic allows (it barely fitted its own topic, our headers tipped it
      // over): keep its headers and leave the value out, rather than block the partition for ever.
      const [only] = messages;
      if (messages.length !== 1 || !only || !isTooLarge(error)) throw error;
      const bytes = Buffer.byteLength(only.value ?? '');
      const headers = { ...only.headers, [DLQ_HEADERS.valueOmitted]: String(bytes) };
      await this.producer.send({ topic: this.topic, acks: -1, messages: [{ ...only, value: null, headers }] });
    }
  }
}

function isTooLarge(error: unknown): boolean {
  const type = (error as { type?: unknown }).type;
  return type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE';
}

function approximateSize(message: Message): number {
  let size = 64 + Buffer.byteLength(message.key ?? '') + Buffer.byteLength(message.value ?? '');
  for (const [name, value] of Object.entries(message.headers ?? {}))
    size += name.length + Buffer.byteLength(Array.isArray(value) ? value.join('') : (value ?? ''));
  return size;
}

/** Group messages into sends of at most `maxBytes` (a larger message goes alone). */
export function chunkBySize(messages: Message[], maxBytes: number): Message[][] {
  const chunks: Message[][] = [];
  let current: Message[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = approximateSize(message);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
