/**
 * `GET /footdata`: today's matches from the cached feed, with where they came from and how fresh they are.
 * `GET /footdata/competitions/:competition/matches?season=YYYY`: a competition's season, from the same source and budget.
 */
import { Router } from 'express';
import { validate } from '../../lib/validate';
import { SeasonParams, SeasonQuery } from '../api-schemas';
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
  router.get('/footdata/competitions/:competition/matches', async (req, res) => {
    const { competition } = validate(SeasonParams, req.params, 'path');
    const { season } = validate(SeasonQuery, req.query, 'query');
    const answer = await feed.season({ competition, ...(season !== undefined && { season }) });
    res.set({
      'X-Data-Source': answer.body.source,
      'X-Matches-Rejected': String(answer.rejected),
      'Cache-Control': 'no-store',
    });
    res.json(answer.body);
  });
  return router;
}
