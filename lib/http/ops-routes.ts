/** `/healthz`, `/readyz` and `/metrics` (lib/observability.ts) mounted in an Express app. */
import { Router } from 'express';
import { opsHandler, type OpsOptions } from '../observability';

const OPS_PATHS = ['/healthz', '/readyz', '/metrics'];

/** A router for the ops paths only, so other requests never pay for them. */
export function opsRoutes(options: OpsOptions): Router {
  const handle = opsHandler(options);
  const router = Router();
  router.get(OPS_PATHS, (req, res, next) => {
    handle(req, res)
      .then((handled) => {
        if (!handled) next();
      })
      .catch(next);
  });
  return router;
}
