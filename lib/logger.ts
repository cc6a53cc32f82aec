/**
 * pino, configured once: fixed messages plus structured context
 * (`log.info({ topic, partition }, 'batch written')`), one child logger per
 * component, and secrets redacted wherever they appear in the context:
 * values at the paths below are blanked, and every string of the context
 * (errors' messages and stacks included) has its URLs' passwords replaced
 * (lib/redact.ts `redactUrl`), so a REDIS_URL or MONGO_URL never lands in a
 * log with its credentials.
 */
import pino, { type Logger } from 'pino';
import { redactUrlsDeep } from './redact';

export type { Logger } from 'pino';

/** Paths pino blanks out before writing: tokens, passwords and auth headers, at any depth we use. */
const REDACTED_PATHS = [
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
  'config.admin.password',
  'config.kafka.security.sasl.password',
  '*.sasl.password',
];

export interface LoggerOptions {
  /** Service name stamped on every line. */
  service: string;
  /** Minimum level. Default: 'info'. */
  level?: string;
  /** Where to write. Default: stdout. Tests pass a stream to read lines back. */
  destination?: pino.DestinationStream;
}

/** pino's error serializer, then the URLs in its message, stack, cause and fields redacted (on a plain copy). */
function redactedError(error: Error): Record<string, unknown> {
  return redactUrlsDeep({ ...pino.stdSerializers.err(error) });
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service, pid: process.pid },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: redactedError, error: redactedError },
      // Runs before the serializers, on the context as given: its strings, at any depth we walk.
      formatters: { log: (context) => redactUrlsDeep(context) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
