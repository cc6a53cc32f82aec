/**
 * `npm run dlq:replay -- [--reason <code>[,<code>]] [--dry-run] [--timeout-ms <ms>]`
 *
 * Re-publishes the dead letters of TOPIC_DLQ to the topic each came from
 * (header `dlq-origin-topic`), optionally only those with the given reasons
 * (decode, schema, too-large, tombstone, write-rejected). Prints a JSON report.
 */
import { numberOption, parseCommandLine, runCli, UsageError } from '../lib/cli';
import { loadConfigOrExit } from '../lib/config';
import { createLogger } from '../lib/logger';
import { DEAD_LETTER_REASONS, type DeadLetterReason } from './dead-letters';
import { replayDeadLetters } from './replay';

const USAGE = `usage: npm run dlq:replay -- [--reason <code>[,<code>...]] [--dry-run] [--timeout-ms <ms>]
  reasons: ${DEAD_LETTER_REASONS.join(', ')}`;

async function main(): Promise<void> {
  const { values } = parseCommandLine(USAGE, {
    options: {
      reason: { type: 'string', multiple: true },
      'dry-run': { type: 'boolean', default: false },
      'timeout-ms': { type: 'string' },
    },
  });
  const reasons = (values.reason ?? []).flatMap((item) => item.split(',')).map((item) => item.trim());
  const unknown = reasons.filter((reason) => !(DEAD_LETTER_REASONS as readonly string[]).includes(reason));
  if (unknown.length > 0) throw new UsageError(`unknown reason(s): ${unknown.join(', ')}`);
  const timeoutMs = numberOption('timeout-ms', values['timeout-ms']);
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0))
    throw new UsageError('--timeout-ms must be a positive whole number');

  const config = loadConfigOrExit();
  const log = createLogger({ service: 'dlq-replay', level: config.logLevel, destination: process.stderr });
  const report = await replayDeadLetters(config, log, {
    reasons: reasons as DeadLetterReason[],
    dryRun: values['dry-run'],
    ...(timeoutMs !== undefined && { timeoutMs }),
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

runCli('dlq:replay', USAGE, main);
