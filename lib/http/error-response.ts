/**
 * The one shape of every HTTP error answer (docs/ARCHITECTURE.md §5a):
 * `{ "error": { "code", "message", "field"? } }`. The zod schema documents it
 * in OpenAPI; `sendError` writes it.
 */
import type { Response } from 'express';
import { z } from 'zod';

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'Stable, machine-readable reason.', example: 'invalid_request' }),
      message: z
        .string()
        .meta({ description: 'What went wrong, for people.', example: 'number: must be between 1 and 100' }),
      field: z.string().optional().meta({ description: 'The input at fault, when there is one.', example: 'number' }),
    }),
  })
  .meta({ id: 'Error', description: 'Every error answer has this shape; no stack trace ever leaves the server.' });
export type ErrorBody = z.infer<typeof ErrorBody>;

export interface ErrorAnswer {
  status: number;
  code: string;
  message: string;
  field?: string;
  /** Sent as `Retry-After` (whole seconds, at least 1). */
  retryAfterMs?: number;
}

export function sendError(res: Response, answer: ErrorAnswer): void {
  if (answer.retryAfterMs !== undefined)
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(answer.retryAfterMs / 1000))));
  res.setHeader('Cache-Control', 'no-store');
  const body: ErrorBody = {
    error: { code: answer.code, message: answer.message, ...(answer.field !== undefined && { field: answer.field }) },
  };
  res.status(answer.status).json(body);
}
