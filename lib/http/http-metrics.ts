/**
 * Prometheus metrics of an Express service: requests and their durations by
 * method, route pattern (never the raw path, which would explode cardinality)
 * and status.
 */
import type { RequestHandler } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import { boundLabels } from '../observability';

export function httpMetrics(registry: Registry): RequestHandler {
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route and status.',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request to the end of the answer, by method, route and status.',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const requestsFor = boundLabels(requests);
  const durationFor = boundLabels(duration);
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      const status = String(res.statusCode);
      requestsFor(req.method, route, status).inc();
      durationFor(req.method, route, status).observe(Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
