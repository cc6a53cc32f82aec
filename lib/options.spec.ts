import { z } from 'zod';
import { ConfigError } from './errors';
import { integerAtLeast, resolveOptions, withoutUndefined } from './options';

const Schema = z.looseObject({ lingerMs: integerAtLeast(0), budget: z.object({ max: integerAtLeast(1) }).nullable() });
const DEFAULTS = { lingerMs: 5, budget: { max: 10 } as { max: number } | null };
const resolve = (given: Partial<typeof DEFAULTS> & Record<string, unknown>) =>
  resolveOptions(
    'test',
    Schema,
    { ...DEFAULTS, ...withoutUndefined(given) },
    {
      rules: (o) => (o.budget && o.budget.max > 1_000 ? ['budget.max must be at most 1000'] : []),
      hints: { 'budget.max': 'set BUDGET' },
    },
  );

describe('resolveOptions', () => {
  it('keeps the defaults under undefined values, and other keys untouched', () => {
    const client = { a: 1 };
    expect(resolve({ lingerMs: undefined, client })).toEqual({ lingerMs: 5, budget: { max: 10 }, client });
    expect(resolve({ budget: null }).budget).toBeNull();
  });

  it('names every bad setting with the value it got and the way out, in one ConfigError', () => {
    const attempt = () => resolve({ lingerMs: '5' as never, budget: { max: 0 } });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/invalid test options:\n {2}- lingerMs must be an integer >= 0 \(got "5"\)/);
    expect(attempt).toThrow(/budget\.max must be an integer >= 1 \(got 0\); set BUDGET/);
    for (const bad of [NaN, Infinity, -1, 1.5, 2 ** 64])
      expect(() => resolve({ budget: { max: bad } })).toThrow(/budget\.max/);
  });

  it('checks the rules between settings once each setting is valid', () => {
    expect(() => resolve({ budget: { max: 1_001 } })).toThrow(/budget\.max must be at most 1000/);
  });
});
