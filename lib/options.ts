/**
 * One way to resolve a component's options (the publisher, the consumer, the
 * worker): drop what is undefined, merge over the defaults, check the result
 * with a zod schema (as lib/config.ts checks the environment), then the rules
 * between settings; every problem names its setting, and they all come in one
 * ConfigError.
 *
 *   const options = resolveOptions('publisher', PublisherOptionsSchema, { ...DEFAULTS, ...withoutUndefined(given) }, {
 *     rules: (o) => (o.maxPending < o.maxBatch ? ['maxPending must be at least maxBatch'] : []),
 *   });
 */
import { z } from 'zod';
import { ConfigError } from './errors';

/** An integer of at least `min` (ms, bytes, a count). */
export function integerAtLeast(min: number): z.ZodNumber {
  const message = `must be an integer >= ${min}`;
  return z.number({ error: message }).int({ error: message }).min(min, { error: message });
}

/** `value` without its undefined properties, so they do not hide the defaults they are merged over. */
export function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}

export interface ResolveOptionsChecks<T> {
  /** Checks between settings, run once each setting is valid: one message per problem. */
  rules?: (options: T) => string[];
  /** The way out, per setting path, appended to its problem ("set WORKER_CONCURRENCY"). */
  hints?: Record<string, string>;
}

/**
 * Check `merged` (the defaults with the given options over them) against
 * `schema`, whose keys are the settings to check (others pass through
 * untouched), then against `checks.rules`. Returns `merged` itself; throws
 * ConfigError "invalid <component> options:" with one line per problem,
 * e.g. "maxBatch must be an integer >= 1 (got 0)".
 */
export function resolveOptions<T extends object>(
  component: string,
  schema: z.ZodType,
  merged: T,
  checks: ResolveOptionsChecks<T> = {},
): T {
  const parsed = schema.safeParse(merged, { reportInput: true });
  const problems = parsed.success
    ? (checks.rules?.(merged) ?? [])
    : parsed.error.issues.map((issue) => {
        const setting = issue.path.map(String).join('.') || 'options';
        const hint = checks.hints?.[setting];
        return `${setting} ${issue.message} (got ${describeValue(issue.input)})${hint ? `; ${hint}` : ''}`;
      });
  if (problems.length > 0)
    throw new ConfigError(`invalid ${component} options:\n  - ${problems.join('\n  - ')}`, problems);
  return merged;
}

function describeValue(value: unknown): string {
  return typeof value === 'string'
    ? JSON.stringify(value)
    : Array.isArray(value)
      ? JSON.stringify(value)
      : String(value);
}
