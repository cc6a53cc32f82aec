/**
 * pino, configured once: fixed messages plus structured context
 * (`log.info({ topic, partition }, 'batch written')`), one child logger per
 * component, and secrets redacted wherever they appear in the context.
 */
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/** Paths pino blanks out before writing: tokens, passwords and auth headers, at any depth we use. */
export const REDACTED_PATHS = [
  'token',
  'password',
  'authorization',
  '*.token',
  '*.password',
  '*.adminPassword',
  '*.authorization',
  '*.headers.authorization',
  '*.headers["x-auth-token"]',
  '*.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-auth-token"]',
  'req.headers.cookie',
  'config.football.token',
  'config.workers.adminPassword',
];

export interface LoggerOptions {
  /** Service name stamped on every line. */
  service: string;
  /** Minimum level. Default: 'info'. */
  level?: string;
  /** Where to write. Default: stdout. Tests pass a stream to read lines back. */
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service, pid: process.pid },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
