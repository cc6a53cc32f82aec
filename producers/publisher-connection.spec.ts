import { PipelineError } from '../lib/errors';
import type { Publisher } from '../lib/kafka/publisher';
import type { TopicCheck } from '../lib/kafka/topic-check';
import { createLogger } from '../lib/logger';
import { connectPublisher } from './publisher-connection';

const log = createLogger({ service: 'test', level: 'silent' });

/** A publisher whose connect() fails `failures` times, then works; and a topic check verified on demand. */
function parts(failures = 0) {
  let attempts = 0;
  const publisher = {
    connect: jest.fn(async () => {
      attempts += 1;
      if (attempts <= failures) throw new PipelineError('broker down', { retriable: true });
    }),
    isReady: () => attempts > failures,
  };
  let verify!: () => void;
  const verified = new Promise<void>((resolve) => (verify = resolve));
  const topicCheck = {
    verified: (signal?: AbortSignal) =>
      Promise.race([verified, new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve()))]),
  };
  return { publisher, topicCheck, verify };
}

const connecting = { retries: 5, initialDelayMs: 1, maxDelayMs: 1 };

describe('connectPublisher', () => {
  it('waits for the topics before connecting, saying so, then reports the publisher’s readiness', async () => {
    const { publisher, topicCheck, verify } = parts();
    const connection = connectPublisher(publisher as unknown as Publisher, {
      connecting,
      log,
      topicCheck: topicCheck as unknown as TopicCheck,
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(publisher.connect).not.toHaveBeenCalled();
    expect(connection.readiness()).toEqual({
      ready: false,
      reason: 'waiting for the Kafka topics to match their spec',
    });
    verify();
    await connection.connected;
    expect(connection.readiness()).toBe(true);
  });

  it('names the last connection failure until it connects', async () => {
    const { publisher } = parts(Infinity);
    const connection = connectPublisher(publisher as unknown as Publisher, {
      connecting: { ...connecting, retries: 2 },
      log,
    });
    await expect(connection.connected).rejects.toThrow();
    expect(publisher.connect).toHaveBeenCalledTimes(3);
    expect(connection.readiness()).toEqual({
      ready: false,
      reason: expect.stringMatching(/^not connected to Kafka: .*broker down/),
    });
  });

  it('stop() while it waits for the topics ends at once and never connects', async () => {
    const { publisher, topicCheck } = parts();
    const connection = connectPublisher(publisher as unknown as Publisher, {
      connecting,
      log,
      topicCheck: topicCheck as unknown as TopicCheck,
    });
    await connection.stop();
    await expect(connection.connected).rejects.toThrow();
    expect(publisher.connect).not.toHaveBeenCalled();
  });
});
