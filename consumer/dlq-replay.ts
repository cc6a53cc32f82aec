/**
 * `npm run dlq:replay -- [--reason <code>[,<code>]] [--dry-run] [--again] [--limit <n>] [--timeout-ms <ms>]`
 *
 * Re-publishes the dead letters of TOPIC_DLQ to the topic each came from
 * (header `dlq-origin-topic`), optionally only those with the given reasons
 * (decode, schema, too-large, tombstone, write-rejected). Each letter once:
 * a run goes on from where the last one stopped; `--again` sends the letters
 * replayed before once more. SIGINT/SIGTERM stop it after the send in flight.
 * Prints a JSON report; exits 0, or 1 when a signal stopped it (the next run goes on).
 */
import { numberOption, parseCommandLine, runCli, UsageError } from '../lib/cli';
import { loadConfigOrExit } from '../lib/config';
import { createLogger } from '../lib/logger';
import { DEAD_LETTER_REASONS, type DeadLetterReason } from '../lib/kafka/dead-letter-headers';
import { replayDeadLetters } from './replay';

const USAGE = `usage: npm run dlq:replay -- [--reason <code>[,<code>...]] [--dry-run] [--again] [--limit <n>] [--timeout-ms <ms>]
  reasons: ${DEAD_LETTER_REASONS.join(', ')}
  --dry-run   count what would be sent; send and record nothing
  --again     also send the letters replayed before (a run otherwise goes on where the last one stopped)
  --limit n   send at most n letters, then stop (the next run goes on from there)`;

async function main(): Promise<number> {
  const { values } = parseCommandLine(USAGE, {
    options: {
      reason: { type: 'string', multiple: true },
      'dry-run': { type: 'boolean', default: false },
      again: { type: 'boolean', default: false },
      limit: { type: 'string' },
      'timeout-ms': { type: 'string' },
    },
  });
  const reasons = (values.reason ?? []).flatMap((item) => item.split(',')).map((item) => item.trim());
  const unknown = reasons.filter((reason) => !(DEAD_LETTER_REASONS as readonly string[]).includes(reason));
  if (unknown.length > 0) throw new UsageError(`unknown reason(s): ${unknown.join(', ')}`);
  const timeoutMs = numberOption('timeout-ms', values['timeout-ms']);
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0))
    throw new UsageError('--timeout-ms must be a positive whole number');
  const limit = numberOption('limit', values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
    throw new UsageError('--limit must be a positive whole number');

  const config = loadConfigOrExit();
  const log = createLogger({ service: 'dlq-replay', level: config.logLevel, destination: process.stderr });
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
  const report = await replayDeadLetters(config, log, {
    reasons: reasons as DeadLetterReason[],
    dryRun: values['dry-run'],
    again: values.again,
    signal: stop.signal,
    ...(limit !== undefined && { limit }),
    ...(timeoutMs !== undefined && { timeoutMs }),
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
  return stop.signal.aborted ? 1 : 0;
}

runCli('dlq:replay', USAGE, main);
