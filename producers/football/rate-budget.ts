/**
 * A sliding-window call budget: at most `limit` calls in any `windowMs`
 * (football-data.org's free tier: 10 a minute). Each call takes a slot that
 * frees itself `windowMs` later; no slot, no call.
 */
export interface RateBudgetOptions {
  /** Calls allowed in one window. */
  limit: number;
  /** Length of the window, in ms. Default: 60_000. */
  windowMs?: number;
  /** Clock, injectable for tests. Default: Date.now. */
  now?: () => number;
}

export class RateBudget {
  readonly limit: number;
  readonly windowMs: number;
  private readonly now: () => number;
  /** Times of the calls still inside the window, oldest first. */
  private readonly taken: number[] = [];

  constructor(options: RateBudgetOptions) {
    this.limit = options.limit;
    this.windowMs = options.windowMs ?? 60_000;
    this.now = options.now ?? Date.now;
    if (!Number.isInteger(this.limit) || this.limit < 1)
      throw new RangeError(`limit must be an integer >= 1 (got ${this.limit})`);
    if (!(this.windowMs > 0)) throw new RangeError(`windowMs must be > 0 (got ${this.windowMs})`);
  }

  /** Take a slot when one is free; false (and nothing taken) when the budget is spent. */
  tryTake(): boolean {
    this.forgetOld();
    if (this.taken.length >= this.limit) return false;
    this.taken.push(this.now());
    return true;
  }

  /** Slots free now. */
  get remaining(): number {
    this.forgetOld();
    return this.limit - this.taken.length;
  }

  /** Milliseconds until a slot frees up (0 when one is free). */
  get msUntilNext(): number {
    this.forgetOld();
    if (this.taken.length < this.limit) return 0;
    return this.taken[0]! + this.windowMs - this.now();
  }

  private forgetOld(): void {
    const horizon = this.now() - this.windowMs;
    while (this.taken.length > 0 && this.taken[0]! <= horizon) this.taken.shift();
  }
}
