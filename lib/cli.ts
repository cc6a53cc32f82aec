/**
 * What the command-line tools (`npm run produce:*`, `npm run job`,
 * `npm run dlq:replay`) share: reading their arguments and how they end.
 *
 * - `--help` prints the usage to stdout and exits 0;
 * - a usage mistake (unknown option, bad number) prints the reason and the usage
 *   to stderr and exits 2;
 * - any other failure prints one line to stderr and exits 1;
 * - otherwise the exit code is the number `main` returns (0 when it returns nothing).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { describeError, PipelineError } from './errors';
import { redactUrl } from './redact';

/** The command line cannot be run as written. */
export class UsageError extends PipelineError {}

/** `parseArgs` plus a `--help` (`-h`) flag that prints `usage`; its own errors become a UsageError. */
export function parseCommandLine<T extends ParseArgsConfig>(usage: string, config: T) {
  const withHelp = { ...config, options: { ...config.options, help: { type: 'boolean', short: 'h' } } } as const;
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs(withHelp) as unknown as ReturnType<typeof parseArgs<T>>;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  return parsed;
}

/** The command: the one positional argument, which must be one of `names` (`what` names them in the error). */
export function commandOf<N extends string>(positionals: string[], names: readonly N[], what: string): N {
  const [name, ...extra] = positionals;
  if (name === undefined || !(names as readonly string[]).includes(name))
    throw new UsageError(`the first argument must be ${what}: ${names.join(' or ')}`);
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  return name as N;
}

/** A numeric option's value; undefined when the option was not given. */
export function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed))
    throw new UsageError(`--${name} must be a number (got ${JSON.stringify(value)})`);
  return parsed;
}

/** Runs a tool's `main` and ends the process as the header says. `name` prefixes the failure line. */
export function runCli(name: string, usage: string, main: () => Promise<number | void>): void {
  main().then(
    (code) => process.exit(code ?? 0),
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`${error.message}\n${usage}\n`);
        process.exit(2);
      }
      process.stderr.write(`${name} failed: ${redactUrl(describeError(error))}\n`);
      process.exit(1);
    },
  );
}
