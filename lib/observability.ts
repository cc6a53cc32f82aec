/**
 * Health, readiness and Prometheus metrics, the same on every service:
 * `GET /healthz` (the process answers), `GET /readyz` (every readiness check
 * passes: 200, else 503 naming the failing ones, with the reason a check gives),
 * `GET /metrics` (Prometheus text).
 *
 * Express services mount `opsHandler` in front of their routes; services
 * without HTTP of their own (the consumer) call `startOpsServer`.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { HttpServerSettings } from './config';
import { listen } from './http/listen';

/** A check's answer with why it is not ready (JSON, shown under `reasons` by /readyz). */
export interface ReadinessVerdict {
  ready: boolean;
  reason?: unknown;
}

/** A readiness check: resolve true (or a ready verdict) when ready. A throw or a timeout counts as not ready. */
export type ReadinessCheck = () => boolean | ReadinessVerdict | Promise<boolean | ReadinessVerdict>;

export interface OpsOptions {
  service: string;
  registry: Registry;
  /** Named checks behind /readyz. Default: none (ready as soon as it runs). */
  readiness?: Record<string, ReadinessCheck>;
  /** Longest wait for one readiness check, in ms. Default: 2_000. */
  checkTimeoutMs?: number;
}

/**
 * `metric.labels(...values)`, made once per set of label values and then reused:
 * prom-client hashes the labels on every unbound `inc`/`observe`, which shows
 * on a per-request or per-record path. Label values come in `labelNames` order.
 */
export function boundLabels<Child>(metric: { labels(...values: string[]): Child }): (...values: string[]) => Child {
  const children = new Map<string, Child>();
  return (...values) => {
    const key = values.join('\u0000');
    let child = children.get(key);
    if (child === undefined) {
      child = metric.labels(...values);
      children.set(key, child);
    }
    return child;
  };
}

/** A registry with the process metrics (CPU, memory, event loop lag) and a `service` label. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<ReadinessVerdict> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = await Promise.race([
      Promise.resolve().then(check),
      new Promise<ReadinessVerdict>((resolve) => {
        timer = setTimeout(() => resolve({ ready: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
      }),
    ]);
    return typeof answer === 'boolean' ? { ready: answer } : answer;
  } catch {
    return { ready: false };
  } finally {
    clearTimeout(timer);
  }
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean>;
  /** Why each failing check that says so is not ready; absent when none does. */
  reasons?: Record<string, unknown>;
}

/** Readiness as data: `{ ready, checks: { kafka: true, topics: false }, reasons: { topics: {...} } }`. */
export async function readiness(options: OpsOptions): Promise<Readiness> {
  const entries = Object.entries(options.readiness ?? {});
  const results = await Promise.all(
    entries.map(async ([name, check]) => [name, await runCheck(check, options.checkTimeoutMs ?? 2_000)] as const),
  );
  const checks = Object.fromEntries(results.map(([name, verdict]) => [name, verdict.ready]));
  const reasons = Object.fromEntries(
    results
      .filter(([, verdict]) => !verdict.ready && verdict.reason !== undefined)
      .map(([name, v]) => [name, v.reason]),
  );
  const ready = results.every(([, verdict]) => verdict.ready);
  return Object.keys(reasons).length > 0 ? { ready, checks, reasons } : { ready, checks };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * Answer /healthz, /readyz and /metrics; returns false (and writes nothing)
 * for any other path so the caller can route it.
 */
export function opsHandler(options: OpsOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    switch (path) {
      case '/healthz':
        sendJson(res, 200, { status: 'ok', service: options.service, uptimeSec: Math.round(process.uptime()) });
        return true;
      case '/readyz': {
        const result = await readiness(options);
        sendJson(res, result.ready ? 200 : 503, { status: result.ready ? 'ready' : 'not ready', ...result });
        return true;
      }
      case '/metrics': {
        const text = await options.registry.metrics();
        res.writeHead(200, { 'content-type': options.registry.contentType });
        res.end(text);
        return true;
      }
      default:
        return false;
    }
  };
}

/** A small HTTP server that serves only the ops routes (404 JSON for the rest), started by `listen` (lib/http/listen.ts). */
export async function startOpsServer(
  options: OpsOptions & { port: number; http: HttpServerSettings; host?: string },
): Promise<Server> {
  const handle = opsHandler(options);
  const { server } = await listen(
    (req, res) => {
      handle(req, res)
        .then((handled) => {
          if (!handled)
            sendJson(res, 404, { error: { code: 'not_found', message: `no route for ${req.method} ${req.url}` } });
        })
        .catch(() => sendJson(res, 500, { error: { code: 'internal', message: 'internal error' } }));
    },
    { port: options.port, http: options.http, ...(options.host !== undefined && { host: options.host }) },
  );
  return server;
}

export function serverPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/** Close an HTTP server, ending idle keep-alive connections so it does not linger. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}
