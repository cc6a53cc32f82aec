/**
 * Idempotency keys for /somedata (the `Idempotency-Key` header of the IETF
 * httpapi draft, draft-ietf-httpapi-idempotency-key-header): a client that
 * retries with the same key within IDEMPOTENCY_TTL_SEC gets the same eventId,
 * and the event is stored once, whichever API instance answers.
 *
 * The keys live in Redis (REDIS_URL), shared by every instance. Per key, two entries:
 *
 * - `idempotency:somedata:{KEY}`: `{ fingerprint, eventId, producedAt, position? }`,
 *   written before anything is published (SET NX, the window as its TTL), so a
 *   retry after a 503 whose record did land publishes the same event again,
 *   same eventId and producedAt, and the consumer's insert-if-absent on `_id`
 *   keeps one document; `position` (topic, partition, offset) is added once
 *   Kafka acknowledged it, and a retry is then answered from it without publishing;
 * - `idempotency:somedata:{KEY}:lease`: the instance publishing it now, for
 *   PUBLISH_TIMEOUT_MS + 5 s at most (a crashed instance does not hold the key
 *   for the whole window); a request meeting the lease is answered 409.
 *
 * Both are read and written by Lua scripts, so two instances never both
 * believe they own a key. Redis not answering is a retriable UnavailableError
 * (503): a keyed request is never published unguarded.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../lib/config';
import { UnavailableError, ValidationError } from '../lib/errors';
import type { PublishResult } from '../lib/kafka/publisher';
import type { Logger } from '../lib/logger';
import { integerAtLeast, resolveOptions, withoutUndefined } from '../lib/options';

/** What a key remembers. */
export interface KeyRecord {
  /** sha256 of the request the key was first used with (method, path, request, origin). */
  fingerprint: string;
  eventId: string;
  producedAt: string;
  /** Where Kafka put it, once acknowledged. */
  position?: PublishResult;
}

/** What `claim` found. */
export type Claim =
  /** Ours to publish: first use of the key (`new`), or its earlier attempt ended without an acknowledgement (`retry`). */
  | { outcome: 'new' | 'retry'; record: KeyRecord; owner: string }
  /** Acknowledged before: answer it again. */
  | { outcome: 'done'; record: KeyRecord & { position: PublishResult } }
  /** Another request with this key is being published now. */
  | { outcome: 'busy' }
  /** The key was used with another request. */
  | { outcome: 'mismatch' };

export interface IdempotencyOptions {
  /** How long a key is remembered, from its first use, in seconds. Default: IDEMPOTENCY_TTL_SEC (86_400). */
  ttlSec: number;
  /** How long one attempt holds a key, in ms: past the publisher's timeout. Default: PUBLISH_TIMEOUT_MS + 5_000. */
  leaseMs: number;
  /** Longest wait for Redis (connecting, or one command), in ms. Default: 2_000. */
  timeoutMs: number;
}

const IdempotencyOptionsSchema = z.object({
  ttlSec: integerAtLeast(1),
  leaseMs: integerAtLeast(1),
  timeoutMs: integerAtLeast(1),
});

export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** 8 to 255 characters, URL- and base64-safe: a UUID, a ULID, a random base64url string. */
const KEY = /^[A-Za-z0-9_.:~+/=-]{8,255}$/;
const KEY_RULE =
  'must be 8 to 255 characters of letters, digits and - _ . : ~ + / =, given once, bare or as a quoted string ("...")';

/**
 * The key of a request's `Idempotency-Key` header, undefined without one.
 * The draft makes it a Structured Field string (`"..."`); a bare token is
 * accepted too, as most clients send it. Anything else is a 400.
 */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header.join(', ') : header;
  const unquoted = /^"[^"\\]*"$/.test(value) ? value.slice(1, -1) : value;
  if (!KEY.test(unquoted)) throw new ValidationError(`${IDEMPOTENCY_HEADER}: ${KEY_RULE}`, IDEMPOTENCY_HEADER);
  return unquoted;
}

/** The fingerprint of a request: the same key with a different fingerprint is refused (422). */
export function fingerprintOf(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

// KEYS: record, lease. ARGV: fresh record (JSON), ttl ms, fingerprint, owner, lease ms.
const CLAIM = `
local current = redis.call('GET', KEYS[1])
if not current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[5])
  return {'new', ARGV[1]}
end
local record = cjson.decode(current)
if record.fingerprint ~= ARGV[3] then return {'mismatch', ''} end
if record.position then return {'done', current} end
if redis.call('SET', KEYS[2], ARGV[4], 'NX', 'PX', ARGV[5]) then return {'retry', current} end
return {'busy', ''}
`;
// KEYS: record, lease. ARGV: acknowledged record (JSON), owner. Keeps the window the first use started.
const COMPLETE = `
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL') end
if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
return 1
`;
// KEYS: lease. ARGV: owner.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;

type Scripted = Redis & {
  idempotencyClaim(record: string, lease: string, ...args: (string | number)[]): Promise<[string, string]>;
  idempotencyComplete(record: string, lease: string, ...args: string[]): Promise<number>;
  idempotencyRelease(lease: string, owner: string): Promise<number>;
};

export class Idempotency {
  private readonly redis: Scripted;
  private connecting: Promise<void> | undefined;

  /** `redis` must be lazily connected (`lazyConnect`) and fail fast (`enableOfflineQueue: false`): see `createIdempotency`. */
  constructor(
    redis: Redis,
    readonly options: IdempotencyOptions,
  ) {
    redis.defineCommand('idempotencyClaim', { numberOfKeys: 2, lua: CLAIM });
    redis.defineCommand('idempotencyComplete', { numberOfKeys: 2, lua: COMPLETE });
    redis.defineCommand('idempotencyRelease', { numberOfKeys: 1, lua: RELEASE });
    this.redis = redis as Scripted;
  }

  /**
   * Look the key up and take it when it is ours to publish; `fresh` is the
   * identity a first use records. Throws UnavailableError when Redis does not answer.
   */
  async claim(key: string, fingerprint: string, fresh: Pick<KeyRecord, 'eventId' | 'producedAt'>): Promise<Claim> {
    const owner = randomUUID();
    const record: KeyRecord = { fingerprint, ...fresh };
    const [outcome, stored] = await this.call(() =>
      this.redis.idempotencyClaim(
        recordKey(key),
        leaseKey(key),
        JSON.stringify(record),
        this.options.ttlSec * 1000,
        fingerprint,
        owner,
        this.options.leaseMs,
      ),
    );
    switch (outcome) {
      case 'new':
        return { outcome, record, owner };
      case 'retry':
        return { outcome, record: JSON.parse(stored) as KeyRecord, owner };
      case 'done':
        return { outcome, record: JSON.parse(stored) as KeyRecord & { position: PublishResult } };
      case 'busy':
      case 'mismatch':
        return { outcome };
      default:
        throw new Error(`unexpected idempotency claim outcome ${outcome}`);
    }
  }

  /** Kafka acknowledged it: later uses of the key are answered from `position`, and the lease is given back. */
  async complete(key: string, owner: string, record: KeyRecord & { position: PublishResult }): Promise<void> {
    await this.call(() => this.redis.idempotencyComplete(recordKey(key), leaseKey(key), JSON.stringify(record), owner));
  }

  /** The attempt ended without an acknowledgement: give the key back (the record and its eventId stay). */
  async release(key: string, owner: string): Promise<void> {
    await this.call(() => this.redis.idempotencyRelease(leaseKey(key), owner));
  }

  async close(): Promise<void> {
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }

  /** Connect on first use (a process whose requests carry no key never opens a connection), then run `command`. */
  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      if (this.redis.status === 'wait') {
        this.connecting ??= this.redis.connect().finally(() => (this.connecting = undefined));
        await withTimeout(this.connecting, this.options.timeoutMs);
      } else if (this.connecting) await withTimeout(this.connecting, this.options.timeoutMs);
      return await command();
    } catch (error) {
      throw new UnavailableError('the idempotency key store (Redis) is not answering; retry with the same key', {
        cause: error,
        retryAfterMs: 1_000,
        context: { store: 'redis' },
      });
    }
  }
}

const recordKey = (key: string) => `idempotency:somedata:{${key}}`;
const leaseKey = (key: string) => `idempotency:somedata:{${key}}:lease`;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * The API's Redis client for idempotency keys: REDIS_URL, connected on the
 * first keyed request, failing fast while Redis is away (no offline queue, a
 * command timeout) so a request waits at most `timeoutMs` before its 503;
 * ioredis reconnects by itself. An outage is logged once, its end once.
 */
export function createIdempotency(config: Config, log: Logger, options: Partial<IdempotencyOptions> = {}): Idempotency {
  const settings = resolveOptions(
    'idempotency',
    IdempotencyOptionsSchema,
    {
      ttlSec: config.api.idempotencyTtlSec,
      leaseMs: config.api.publish.timeoutMs + 5_000,
      timeoutMs: 2_000,
      ...withoutUndefined(options),
    },
    { hints: { ttlSec: 'set IDEMPOTENCY_TTL_SEC' } },
  );
  const redis = new Redis(config.redis.url, {
    connectionName: 'producers-idempotency',
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: settings.timeoutMs,
    commandTimeout: settings.timeoutMs,
  });
  let down = false;
  redis.on('error', (error: Error) => {
    if (!down) log.warn({ err: error }, 'idempotency key store (redis) unreachable: keyed requests are answered 503');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info('idempotency key store (redis) reachable again');
    down = false;
  });
  return new Idempotency(redis, settings);
}
