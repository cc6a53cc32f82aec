/**
 * `GET /somedata/:data?number=N` and `POST /somedata`: validate, record the
 * interaction (one acknowledged Kafka event), answer the seed's payload.
 */
import express, { Router, type Request, type Response } from 'express';
import { validate } from '../../lib/http/validate';
import type { Publisher } from '../../lib/kafka/publisher';
import { OriginHeaders, SomedataBody, SomedataParams, SomedataQuery } from '../api-schemas';
import type { EventOrigin } from '../../lib/schemas';
import { recordInteraction, type SomedataRequest } from '../somedata';

export interface SomedataRouteDeps {
  publisher: Publisher;
  topic: string;
  /** Largest accepted JSON body. */
  bodyLimit: string;
}

/** Who sent the request: the `X-Source` and `X-Run-Id` headers of a producer job; a plain API call has neither. */
function originOf(req: Request): EventOrigin {
  const source = req.get('x-source');
  const runId = req.get('x-run-id');
  if (source === undefined && runId === undefined) return { source: 'api', runId: null };
  const headers = validate(OriginHeaders, { 'x-run-id': runId, 'x-source': source }, 'headers');
  return { source: headers['x-source'] ?? 'api', runId: headers['x-run-id'] ?? null };
}

export function somedataRoutes(deps: SomedataRouteDeps): Router {
  const router = Router();

  const answer = async (req: Request, res: Response, request: SomedataRequest) => {
    const origin = originOf(req);
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

  router
    .route('/somedata/:data')
    // Express answers HEAD with the GET handler; a probe must not publish an event.
    .head((_req, res) => {
      res.set('Allow', 'GET').status(405).end();
    })
    .get(async (req, res) => {
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
