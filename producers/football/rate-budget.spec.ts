import fc from 'fast-check';
import { RateBudget } from './rate-budget';

describe('RateBudget', () => {
  it('allows `limit` calls in a window, then none until the oldest leaves it', () => {
    let now = 0;
    const budget = new RateBudget({ limit: 3, windowMs: 1_000, now: () => now });
    expect([budget.tryTake(), budget.tryTake(), budget.tryTake(), budget.tryTake()]).toEqual([true, true, true, false]);
    expect(budget.msUntilNext).toBe(1_000);
    now = 999;
    expect(budget.tryTake()).toBe(false);
    now = 1_000;
    expect(budget.remaining).toBe(3);
    expect(budget.tryTake()).toBe(true);
  });

  it('never grants more than `limit` calls in any window, whatever the call times', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 300 }),
        (limit, gaps) => {
          let now = 0;
          const windowMs = 100;
          const budget = new RateBudget({ limit, windowMs, now: () => now });
          const granted: number[] = [];
          for (const gap of gaps) {
            now += gap;
            if (budget.tryTake()) granted.push(now);
          }
          for (const [index, at] of granted.entries()) {
            const inWindow = granted.slice(index).filter((other) => other < at + windowMs).length;
            expect(inWindow).toBeLessThanOrEqual(limit);
          }
        },
      ),
    );
  });

  it('refuses a nonsense limit', () => {
    expect(() => new RateBudget({ limit: 0 })).toThrow(/limit must be an integer >= 1/);
  });
});
