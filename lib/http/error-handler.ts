/**
 * The central error handler of every Express service: each error becomes the
 * JSON error answer with a status that says what happened, and nothing thrown
 * (stack, internal message, upstream detail) reaches the client.
 */
import type { ErrorRequestHandler } from 'express';
import { PipelineError, TooLargeError, UnavailableError, UpstreamError, ValidationError } from '../errors';
import type { Logger } from '../logger';
import { sendError, type ErrorAnswer } from './error-response';

/** The errors body-parser and the router raise (http-errors): a 4xx status and a `type`. */
interface HttpLibraryError {
  status?: number;
  statusCode?: number;
  type?: string;
}

const BODY_ERRORS: Record<string, Omit<ErrorAnswer, 'status'>> = {
  'entity.parse.failed': { code: 'invalid_json', message: 'body: not valid JSON', field: 'body' },
  'entity.too.large': { code: 'payload_too_large', message: 'body: larger than the limit', field: 'body' },
  'encoding.unsupported': {
    code: 'unsupported_media_type',
    message: 'body: unsupported content encoding',
    field: 'body',
  },
  'charset.unsupported': { code: 'unsupported_media_type', message: 'body: unsupported charset', field: 'body' },
};

/** What to answer for an error; unknown errors are a plain 500. */
function toErrorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof ValidationError) {
    return { status: 400, code: 'invalid_request', message: error.message, field: error.field };
  }
  if (error instanceof TooLargeError) {
    return { status: 413, code: error.code, message: error.message };
  }
  if (error instanceof UnavailableError) {
    return { status: 503, code: 'unavailable', message: error.message, retryAfterMs: error.retryAfterMs ?? 1_000 };
  }
  if (error instanceof UpstreamError) {
    return {
      status: 502,
      code: 'bad_gateway',
      message: error.message,
      ...(error.retryAfterMs !== undefined && { retryAfterMs: error.retryAfterMs }),
    };
  }
  if (!(error instanceof PipelineError) && typeof error === 'object' && error !== null) {
    const { status, statusCode, type } = error as HttpLibraryError;
    const code = status ?? statusCode;
    if (typeof code === 'number' && code >= 400 && code < 500) {
      const known = type ? BODY_ERRORS[type] : undefined;
      if (known) return { status: code, ...known };
      if (error instanceof URIError)
        return { status: 400, code: 'invalid_request', message: 'the URL is not valid percent-encoding' };
      return { status: code, code: 'bad_request', message: 'the request cannot be handled as sent' };
    }
  }
  return { status: 500, code: 'internal', message: 'internal error' };
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const answer = toErrorAnswer(error);
    const reqLog = req.log ?? log;
    if (answer.status >= 500)
      reqLog[answer.status === 500 ? 'error' : 'warn']({ err: error, status: answer.status }, 'request failed');
    if (res.headersSent) {
      // Half an answer is out already: cut the connection rather than append an error to it.
      req.socket.destroy();
      return;
    }
    sendError(res, answer);
  };
}
