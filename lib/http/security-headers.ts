/**
 * Security headers (helmet) with defaults for a JSON API: nothing may be
 * loaded, framed or sniffed. Services that serve HTML (the BullMQ dashboard)
 * pass their own helmet options.
 */
import type { RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

export const JSON_API_HELMET: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  referrerPolicy: { policy: 'no-referrer' },
  frameguard: { action: 'deny' },
};

export function securityHeaders(options: HelmetOptions = JSON_API_HELMET): RequestHandler {
  return helmet(options);
}
