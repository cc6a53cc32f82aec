/** Routes nobody serves: a 404 JSON error, never Express's HTML page. */
import type { RequestHandler } from 'express';
import { sendError } from './error-response';

export function notFound(): RequestHandler {
  return (req, res) => {
    const path = req.path.length > 200 ? `${req.path.slice(0, 200)}...` : req.path;
    sendError(res, { status: 404, code: 'not_found', message: `no route for ${req.method} ${path}` });
  };
}
