/**
 * A budget of N job starts per time window, shared through Redis by every
 * worker process (the API's own upstream budget, producers/football/rate-budget.ts,
 * lives in one process's memory; this one must hold across many workers). The `footdata` job spends it so the football-data.org budget
 * (FOOTBALL_CALLS_PER_MINUTE) holds however many footdata jobs are queued.
 *
 * Why not BullMQ's `limiter`: it limits the whole queue, so `somedata` jobs
 * (and load runs of thousands of small ones) would wait behind the football
 * budget. A job over budget is instead moved back to `delayed` until the window
 * ends (BullMQ's manual rate-limit pattern: `moveToDelayed` + `DelayedError`),
 * which spends none of its attempts and leaves the worker slot to other jobs.
 */

export interface RedisRateBudgetOptions {
  /** Starts allowed per window. Required, at least 1. */
  max: number;
  /** The window, in ms. Required, at least 1. */
  durationMs: number;
  /** The Redis key holding the window's count; give each budget its own. Required. */
  key: string;
}

/** The part of an ioredis client the budget uses. */
export interface EvalClient {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

// Fixed window: the first start of a window sets its expiry. Atomic, so any
// number of workers may race for the last slot. Returns 0 (granted) or the ms
// until the window ends.
const TAKE = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
if count <= tonumber(ARGV[1]) then return 0 end
return ttl
`;

export class RedisRateBudget {
  constructor(
    private readonly redis: EvalClient,
    readonly options: RedisRateBudgetOptions,
  ) {
    if (!Number.isInteger(options.max) || options.max < 1)
      throw new RangeError(`rate budget max must be a whole number of at least 1 (got ${options.max})`);
    if (!(options.durationMs >= 1))
      throw new RangeError(`rate budget durationMs must be at least 1 ms (got ${options.durationMs})`);
    if (!options.key) throw new RangeError('rate budget key must be set');
  }

  /** Spend one start: resolves 0 when granted, else how long (ms) until the budget refills. */
  async take(): Promise<number> {
    const result = await this.redis.eval(TAKE, 1, this.options.key, this.options.max, this.options.durationMs);
    return Number(result);
  }
}
