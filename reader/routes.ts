/**
 * The read routes: each parses and validates its input (400 naming the field),
 * then asks queries.ts, which reads `source`: the store or the read API's
 * in-memory views of it (reader/views.ts). An id that names nothing is a 404.
 */
import { Router, type Response } from 'express';
import { sendError } from '../lib/http/error-response';
import { validate } from '../lib/validate';
import { findMatch, findMatches, findSomedataHours, findStandings, locateEvent, type ReadSource } from './queries';
import {
  EventParams,
  MatchesQuery,
  MatchParams,
  SomedataInsightsQuery,
  StandingsParams,
  StandingsQuery,
} from './schemas';

const notFound = (res: Response, message: string, code = 'not_found') => sendError(res, { status: 404, code, message });

export function readerRoutes(source: ReadSource): Router {
  const router = Router();
  router.use((_req, res, next) => {
    // What is stored changes with every batch the sink writes.
    res.set('Cache-Control', 'no-store');
    next();
  });

  router.get('/matches', async (req, res) => {
    res.json(await findMatches(source, validate(MatchesQuery, req.query, 'query')));
  });

  router.get('/matches/:id', async (req, res) => {
    const { id } = validate(MatchParams, req.params, 'path');
    const match = await findMatch(source, id);
    if (!match) return notFound(res, `no match ${id} is stored`);
    res.json(match);
  });

  router.get('/standings/:competition', async (req, res) => {
    const { competition } = validate(StandingsParams, req.params, 'path');
    const { season } = validate(StandingsQuery, req.query, 'query');
    const standings = await findStandings(source, competition, season);
    if (!standings)
      return notFound(res, `no standings computed for ${competition}${season ? ` season ${season}` : ''}`);
    res.json(standings);
  });

  router.get('/insights/somedata', async (req, res) => {
    res.json(await findSomedataHours(source, validate(SomedataInsightsQuery, req.query, 'query')));
  });

  router.get('/events/:eventId', async (req, res) => {
    const { eventId } = validate(EventParams, req.params, 'path');
    const location = await locateEvent(source, eventId);
    if (!location)
      return notFound(
        res,
        `event ${eventId} is neither stored nor dead-lettered: unknown, or still on its way (Kafka → consumer)`,
        'unknown_event',
      );
    res.json(location);
  });
  return router;
}
