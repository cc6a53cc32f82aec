import { z } from 'zod';
import { ValidationError } from './errors';
import { validate } from './validate';

const Body = z.strictObject({
  data: z.string().min(1, 'must not be empty'),
  nested: z.object({ n: z.int() }).optional(),
});

function problem(input: unknown) {
  try {
    validate(Body, input, 'body');
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return { field: (error as ValidationError).field, message: (error as Error).message };
  }
  throw new Error('expected a validation error');
}

describe('validate', () => {
  it('returns the parsed value', () => {
    expect(validate(Body, { data: 'x' }, 'body')).toEqual({ data: 'x' });
  });

  it('names the field at fault in the error and its message', () => {
    expect(problem({ data: '' })).toEqual({ field: 'data', message: 'data: must not be empty' });
    expect(problem({})).toEqual({ field: 'data', message: 'data: is required' });
    expect(problem({ data: 'x', nested: { n: 1.5 } })).toMatchObject({ field: 'nested.n' });
    expect(problem({ data: 'x', extra: 1 })).toEqual({ field: 'extra', message: 'extra: is not a known field' });
    expect(problem('text')).toMatchObject({ field: 'body' });
  });
});
