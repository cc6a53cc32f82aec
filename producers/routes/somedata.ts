/**
 * `GET /somedata/:data?number=N` and `POST /somedata`: validate, record the
 * interaction (one acknowledged Kafka event), answer the seed's payload.
 */
import express, { Router, type Request, type Response } from 'express';
import { validate } from '../../lib/http/validate';
import type { Publisher } from '../../lib/kafka/publisher';
import { OriginHeaders, SomedataBody, SomedataParams, SomedataQuery } from '../api-schemas';
import { recordInteraction, type SomedataRequest } from '../somedata';

export interface SomedataRouteDeps {
  publisher: Publisher;
  topic: string;
  /** Largest accepted JSON body. */
  bodyLimit: string;
}

export function somedataRoutes(deps: SomedataRouteDeps): Router {
  const router = Router();

  const answer = async (req: Request, res: Response, request: SomedataRequest) => {
    const headers = validate(
      OriginHeaders,
      { 'x-run-id': req.get('x-run-id'), 'x-source': req.get('x-source') },
      'headers',
    );
    const origin = { source: headers['x-source'] ?? 'api', runId: headers['x-run-id'] ?? null };
    const recorded = await recordInteraction(deps.publisher, deps.topic, request, origin, req.id);
    res.set({
      'X-Event-Id': recorded.eventId,
      'X-Kafka-Topic': recorded.position.topic,
      'X-Kafka-Partition': String(recorded.position.partition),
      'X-Kafka-Offset': recorded.position.offset,
      'Cache-Control': 'no-store',
    });
    res.json(recorded.items);
  };

  // Express answers HEAD with the GET handler; a probe must not publish an event.
  router.head('/somedata/:data', (_req, res) => {
    res.set('Allow', 'GET').status(405).end();
  });
  router.get('/somedata/:data', async (req, res) => {
    const { data } = validate(SomedataParams, req.params, 'path');
    const { number } = validate(SomedataQuery, req.query, 'query');
    await answer(req, res, { data, number });
  });
  // `/somedata` and `/somedata/` name no data: a 400 that says so, not a 404.
  router.get('/somedata', (req) => {
    validate(SomedataParams, req.params, 'path');
  });
  router.post('/somedata', express.json({ limit: deps.bodyLimit }), async (req, res) => {
    await answer(req, res, validate(SomedataBody, req.body, 'body'));
  });
  return router;
}
