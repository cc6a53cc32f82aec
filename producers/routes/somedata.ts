/**
 * `GET /somedata/:data?number=N` and `POST /somedata`: validate, record the
 * interaction (one acknowledged Kafka event), answer the seed's payload. With
 * an `Idempotency-Key` header the same key answers the same event
 * (producers/idempotency.ts): 409 while another request with it is in flight,
 * 422 when it was used with another request, and `Idempotent-Replayed: true`
 * on an answer given again.
 */
import express, { Router, type Request, type Response } from 'express';
import { sendError } from '../../lib/http/error-response';
import { UnavailableError } from '../../lib/errors';
import { validate } from '../../lib/validate';
import type { Publisher } from '../../lib/kafka/publisher';
import { OriginHeaders, SomedataBody, SomedataParams, SomedataQuery } from '../api-schemas';
import type { EventOrigin } from '../../lib/schemas';
import type { Logger } from '../../lib/logger';
import { IDEMPOTENCY_HEADER, parseIdempotencyKey, type Idempotency } from '../idempotency';
import { recordInteraction, recordInteractionOnce, type RecordedInteraction, type SomedataRequest } from '../somedata';

export interface SomedataRouteDeps {
  publisher: Publisher;
  topic: string;
  /** Largest accepted JSON body. */
  bodyLimit: string;
  /** The Idempotency-Key store; without one, the header is refused (503), never ignored. */
  idempotency?: Idempotency;
  log: Logger;
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

  const send = (res: Response, recorded: RecordedInteraction, replayed = false) => {
    if (replayed) res.set('Idempotent-Replayed', 'true');
    res.set({
      'X-Event-Id': recorded.eventId,
      'X-Kafka-Topic': recorded.position.topic,
      'X-Kafka-Partition': String(recorded.position.partition),
      'X-Kafka-Offset': recorded.position.offset,
      'Cache-Control': 'no-store',
    });
    res.json(recorded.items);
  };

  const answer = async (req: Request, res: Response, request: SomedataRequest) => {
    const origin = originOf(req);
    const key = parseIdempotencyKey(req.headers[IDEMPOTENCY_HEADER]);
    if (key === undefined) {
      send(res, await recordInteraction(deps.publisher, deps.topic, request, origin, req.id));
      return;
    }
    if (!deps.idempotency) throw new UnavailableError('idempotency keys are not served by this instance');
    const outcome = await recordInteractionOnce(
      { publisher: deps.publisher, topic: deps.topic, idempotency: deps.idempotency, log: deps.log },
      { key, method: req.method, path: req.path },
      request,
      origin,
      req.id,
    );
    switch (outcome.kind) {
      case 'recorded':
        send(res, outcome.recorded, outcome.replayed);
        return;
      case 'busy':
        sendError(res, {
          status: 409,
          code: 'idempotency_key_in_use',
          message: `${IDEMPOTENCY_HEADER}: a request with this key is being processed; retry after it`,
          field: IDEMPOTENCY_HEADER,
          retryAfterMs: 1_000,
        });
        return;
      case 'mismatch':
        sendError(res, {
          status: 422,
          code: 'idempotency_key_reused',
          message: `${IDEMPOTENCY_HEADER}: this key was used with another request (method, path, data, number or origin headers)`,
          field: IDEMPOTENCY_HEADER,
        });
    }
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
