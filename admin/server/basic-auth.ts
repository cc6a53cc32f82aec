/**
 * HTTP basic auth for the admin routes: one user, one password, compared in
 * constant time (both sides hashed first, so neither their length nor the first
 * differing byte shows in the response time).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ConfigError } from '../../lib/errors';
import { sendError } from '../../lib/http/error-response';

export interface BasicAuthOptions {
  /** The one accepted user name (ADMIN_USER). Required. */
  user: string;
  /** The one accepted password (ADMIN_PASSWORD). Required: there is no unauthenticated mode. */
  password: string | undefined;
  /** The realm browsers show in their login prompt. Default: 'kafka-pipeline admin'. */
  realm?: string;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Whether `given` equals `expected`, in time that does not depend on where they differ. */
export function safeEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The user and password of an `Authorization: Basic ...` header, or undefined. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function basicAuth(options: BasicAuthOptions): RequestHandler {
  const { user, password } = options;
  if (!password) {
    throw new ConfigError(
      'ADMIN_PASSWORD is not set: the admin server never serves the dashboard without a password. ' +
        'Set ADMIN_PASSWORD (make up generates one into .stack/admin-password).',
      ['ADMIN_PASSWORD: required by the admin server'],
    );
  }
  if (!user) throw new ConfigError('ADMIN_USER must not be empty', ['ADMIN_USER: must not be empty']);
  const challenge = `Basic realm="${(options.realm ?? 'kafka-pipeline admin').replace(/"/g, '')}", charset="UTF-8"`;

  return (req, res, next) => {
    const given = parseBasicAuth(req.headers.authorization);
    // Both comparisons always run (no short-circuit), so a right user name takes as long as a wrong one.
    const userOk = safeEqual(given?.user ?? '', user);
    const passwordOk = safeEqual(given?.password ?? '', password);
    if (given && userOk && passwordOk) return next();
    res.setHeader('WWW-Authenticate', challenge);
    sendError(res, { status: 401, code: 'unauthorized', message: 'valid admin credentials are required' });
  };
}
