/**
 * Security headers (helmet) with defaults for a JSON API: nothing may be
 * loaded, framed or sniffed. Services that serve HTML (the BullMQ dashboard)
 * pass their own helmet options.
 */
import type { Request, RequestHandler, Response } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The headers OWASP's REST Security Cheat Sheet asks of an API (CSP, CORP,
 * Referrer-Policy, HSTS, nosniff, X-Frame-Options). Helmet's others are for
 * HTML pages or retired browsers (IE's X-Download-Options, Flash's
 * X-Permitted-Cross-Domain-Policies, X-XSS-Protection, DNS prefetch,
 * Origin-Agent-Cluster, COOP): on a JSON answer they are bytes on every
 * response and protect nothing.
 */
export const JSON_API_HELMET: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  referrerPolicy: { policy: 'no-referrer' },
  frameguard: { action: 'deny' },
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
};

/** True when a CSP directive is computed per request (a function, e.g. a nonce): helmet must then run each time. */
function hasDynamicDirective(options: HelmetOptions): boolean {
  const csp = options.contentSecurityPolicy;
  const directives = typeof csp === 'object' && csp !== null ? Object.values(csp.directives ?? {}) : [];
  return directives.some(
    (value) => typeof value === 'function' || (Array.isArray(value) && value.some((v) => typeof v === 'function')),
  );
}

export function securityHeaders(options: HelmetOptions = JSON_API_HELMET): RequestHandler {
  const middleware = helmet(options);
  if (hasDynamicDirective(options)) return middleware;
  // helmet is a chain of a dozen middlewares, each setting one header, on every
  // request; with static options their output never changes. So it runs once
  // here against a recorder, and each request gets the recorded headers in one
  // step (measurable on the API's hot path: bench/api-vs-bare.ts).
  const headers: [string, string][] = [];
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: string) => void headers.push([name, String(value)]),
    removeHeader: (name: string) => void removed.push(name),
  };
  let failure: unknown;
  middleware({} as Request, recorder as unknown as Response, (error?: unknown) => {
    failure = error;
  });
  if (failure) throw failure;
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    for (const name of removed) res.removeHeader(name);
    next();
  };
}
