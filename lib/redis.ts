/**
 * A small ioredis client of our own beside BullMQ's connections, for what
 * BullMQ's client interface does not type: readiness pings. It fails fast
 * while Redis is away (no offline queue), so /readyz answers at once and a job never hangs on it; ioredis reconnects
 * by itself when Redis is back.
 */
import { Redis } from 'ioredis';
import type { Config } from './config';
import type { Logger } from './logger';

export function createRedis(config: Config, connectionName: string, log: Logger): Redis {
  const redis = new Redis(config.redis.url, { connectionName, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const onError = logEachOutageOnce(log, 'redis unreachable', { connectionName });
  redis.on('error', onError);
  redis.on('ready', () => {
    if (onError.reset()) log.info({ connectionName }, 'redis reachable again');
  });
  return redis;
}

/**
 * An 'error' listener for Redis clients (ours and BullMQ's) that logs an
 * outage once, not at every reconnection attempt; `reset()` (on 'ready')
 * says whether there was one.
 */
export function logEachOutageOnce(
  log: Logger,
  message: string,
  context: Record<string, unknown> = {},
): ((error: Error) => void) & { reset(): boolean } {
  let last = '';
  const onError = (error: Error) => {
    if (error.message !== last) log.warn({ err: error, ...context }, message);
    last = error.message;
  };
  return Object.assign(onError, {
    reset: () => {
      const hadOutage = last !== '';
      last = '';
      return hadOutage;
    },
  });
}

/** The readiness check of every process that needs Redis: it answers PING. */
export async function redisAnswers(redis: Redis): Promise<boolean> {
  return redis.status === 'ready' && (await redis.ping()) === 'PONG';
}

/** Quit politely, or drop the connection when Redis is not there to answer. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') await redis.quit();
  else redis.disconnect();
}
