/**
 * Input validation at every boundary (HTTP routes, job data, the producers'
 * answers from the API): parse with a zod schema or throw a ValidationError
 * that names the field at fault (over HTTP, the error handler answers 400).
 */
import type { z } from 'zod';
import { ValidationError } from './errors';

/**
 * Parse `input` with `schema`; on failure throw a ValidationError for the first
 * problem, its message prefixed with the field name ("number: must be ...").
 * `where` names the input as a whole when the problem is not one field (e.g. "body").
 */
export function validate<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  // Parsed again with each issue's input, only to word the error ("is required" when it is absent):
  // `reportInput` takes zod off its compiled fast path, much slower on the API's hot path (bench/api-vs-bare.ts).
  const issue = (schema.safeParse(input, { reportInput: true }).error ?? result.error).issues[0]!;
  const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const field = unknownKey ?? (issue.path.length > 0 ? issue.path.map(String).join('.') : where);
  const missing = issue.code === 'invalid_type' && issue.input === undefined && issue.path.length > 0;
  const message = unknownKey ? 'is not a known field' : missing ? 'is required' : issue.message;
  throw new ValidationError(`${field}: ${message}`, field, { where });
}
