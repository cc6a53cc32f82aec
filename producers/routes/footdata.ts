/** `GET /footdata`: today's matches from the cached feed, with where they came from and how fresh they are. */
import { Router } from 'express';
import type { FootdataFeed } from '../football/feed';

export function footdataRoutes(feed: FootdataFeed): Router {
  const router = Router();
  router.get('/footdata', async (_req, res) => {
    const answer = await feed.get();
    res.set({
      'X-Cache': answer.cache,
      'X-Data-Source': answer.body.source,
      'X-Matches-Rejected': String(answer.rejected),
      'Cache-Control': 'no-store',
    });
    res.json(answer.body);
  });
  return router;
}
