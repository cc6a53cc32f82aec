/**
 * The live page's routes, mounted behind the admin server's basic auth:
 *   GET /                   the page (HTML; its script and styles from /live/)
 *   GET /live/app.js|css    the bundled front end (assets.ts)
 *   GET /live/events        the Server-Sent Events stream, one per page
 *   GET /live/event/:id     the read API's GET /events/:eventId answer, for the page's links
 */
import { Router, type RequestHandler, type Response } from 'express';
import { sendError } from '../../../lib/http/error-response';
import type { Logger } from '../../../lib/logger';
import { livePageAssets } from './assets';
import type { LivePoller } from './poller';
import { getJson } from './http-sources';

export interface LiveRoutesOptions {
  poller: LivePoller;
  log: Logger;
  /** The admin server's basic auth: every route here is behind it. */
  auth: RequestHandler;
  /** The read API's base URL (LIVE_READER_URL). */
  readerUrl: string;
  /** A comment line on idle streams this often, in ms, so proxies keep them open. Default: 15_000. */
  keepAliveMs?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kafka-pipeline · live</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/live/app.css">
<script type="module" src="/live/app.js"></script>
</head>
<body>
<noscript>This page needs JavaScript: it follows the pipeline over Server-Sent Events.</noscript>
<div id="app"></div>
</body>
</html>
`;

export function liveRoutes(options: LiveRoutesOptions): Router {
  const { poller, log } = options;
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const router = Router();
  const { auth } = options;

  router.get('/', auth, (_req, res) => {
    res.set('Cache-Control', 'no-store').type('html').send(PAGE);
  });

  const asset = (kind: 'js' | 'css', type: string) => async (_req: unknown, res: Response) => {
    try {
      const assets = await livePageAssets();
      res.set('Cache-Control', 'no-cache').type(type).send(assets[kind]);
    } catch (error) {
      log.error({ err: error }, 'live page bundle failed');
      sendError(res, { status: 500, code: 'bundle_failed', message: 'the live page could not be bundled' });
    }
  };
  router.get('/live/app.js', auth, asset('js', 'text/javascript'));
  router.get('/live/app.css', auth, asset('css', 'text/css'));

  router.get('/live/events', auth, (req, res) => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no', // nginx and the like: do not buffer the stream
    });
    res.flushHeaders();
    // The browser reconnects by itself after 1 s, sending the last id it got as Last-Event-ID.
    res.write('retry: 1000\n\n');
    const lastEventId =
      req.get('last-event-id') ?? (typeof req.query.lastEventId === 'string' ? req.query.lastEventId : undefined);
    for (const message of poller.snapshot(lastEventId)) res.write(message);
    const unsubscribe = poller.subscribe((message) => res.write(message));
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), keepAliveMs);
    req.on('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
    });
  });

  router.get('/live/event/:eventId', auth, async (req, res) => {
    const eventId = String(req.params.eventId);
    if (!UUID.test(eventId))
      return sendError(res, {
        status: 400,
        code: 'invalid_event_id',
        message: 'eventId must be a UUID',
        field: 'eventId',
      });
    try {
      const { status, body } = await getJson(`${options.readerUrl}/events/${eventId.toLowerCase()}`, 5_000);
      res.status(status).set('Cache-Control', 'no-store').json(body);
    } catch {
      sendError(res, { status: 502, code: 'reader_unreachable', message: 'the read API did not answer' });
    }
  });
  return router;
}
