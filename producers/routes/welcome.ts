/** `GET /`: what this service is, and where to go. */
import { Router } from 'express';

export function welcomeRoutes(): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.json({
      service: 'kafka-pipeline producers API',
      links: {
        somedata: '/somedata/car?number=3',
        footdata: '/footdata',
        openapi: '/openapi.json',
        health: '/healthz',
        ready: '/readyz',
        metrics: '/metrics',
      },
    });
  });
  return router;
}
