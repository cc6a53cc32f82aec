/**
 * The producer routines from the command line:
 *
 *   npm run produce:somedata -- --duration 30 --interval 1 [--max-events N] [--run-id X] [--source job:X]
 *   npm run produce:footdata -- [--run-id X] [--source job:X]
 *   node --import tsx workers/routines/cli.ts footdata-season [--competitions PL,BL1] [--season 2026]
 *
 * Progress goes to the log (stderr); the result, as JSON, to stdout.
 * Ctrl-C stops the routine (and flushes what was published).
 */
import { commandOf, numberOption, parseCommandLine, runCli } from '../../lib/cli';
import { loadConfigOrExit, type Config } from '../../lib/config';
import { createKafka } from '../../lib/kafka/client';
import { Publisher } from '../../lib/kafka/publisher';
import { ensurePipelineTopics } from '../../lib/kafka/topics';
import { createLogger, type Logger } from '../../lib/logger';
import { retry } from '../../lib/retry';
import { produceFootdata } from './footdata';
import { parseJobData } from '../jobs';
import type { FootdataSeasonJobData } from '../../lib/jobs/footdata-season';
import { produceFootdataSeason } from './footdata-season';
import { ROUTINE_CLI_OPTIONS, ROUTINE_NAMES, seasonCliData, type RoutineOptions, type RoutineResult } from './routine';
import { produceSomedata } from './somedata';

const USAGE = `usage:
  produce somedata --duration <sec> --interval <sec> [--max-events <n>] [--run-id <id>] [--source job:<id>]
  produce footdata [--run-id <id>] [--source job:<id>]
  produce footdata-season [--competitions PL,BL1] [--season YYYY] [--run-id <id>] [--source job:<id>]`;

async function runFootdata(
  config: Config,
  log: Logger,
  common: RoutineOptions,
  season?: FootdataSeasonJobData,
): Promise<RoutineResult> {
  const kafka = createKafka(config.kafka, log, { clientId: `${config.kafka.clientId}-produce-footdata` });
  await ensurePipelineTopics(kafka, config.kafka, log, { retries: 5, ...(common.signal && { signal: common.signal }) });
  const publisher = new Publisher(kafka, { ...config.api.publish, log });
  await retry(() => publisher.connect(), { retries: 5, ...(common.signal && { signal: common.signal }) });
  const target = { ...common, apiUrl: config.api.url, publisher, topic: config.kafka.topics.footdata, log };
  try {
    if (!season) return await produceFootdata(target);
    return await produceFootdataSeason({
      ...target,
      competitions: season.competitions,
      ...(season.season !== undefined && { season: season.season }),
    });
  } finally {
    await publisher.close();
  }
}

async function main(): Promise<void> {
  const { positionals, values } = parseCommandLine(USAGE, {
    allowPositionals: true,
    options: { ...ROUTINE_CLI_OPTIONS, source: { type: 'string' } },
  });
  const routine = commandOf(positionals, ROUTINE_NAMES, 'a routine');
  const config = loadConfigOrExit();
  // The log goes to stderr: stdout carries only the result.
  const log = createLogger({ service: `produce-${routine}`, level: config.logLevel, destination: process.stderr });
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort(new Error('interrupted')));
  process.once('SIGTERM', () => stop.abort(new Error('terminated')));

  const common: RoutineOptions = {
    signal: stop.signal,
    ...(values['run-id'] !== undefined && { runId: values['run-id'] }),
    ...(values.source !== undefined && { source: values.source }),
    onProgress: (progress) => log.info(progress, 'progress'),
  };
  const result =
    routine === 'somedata'
      ? await produceSomedata({
          ...common,
          source: values.source ?? 'job:cli',
          apiUrl: config.api.url,
          durationSec: numberOption('duration', values.duration) ?? 120,
          intervalSec: numberOption('interval', values.interval) ?? 10,
          ...(values['max-events'] !== undefined && { maxEvents: numberOption('max-events', values['max-events']) }),
        })
      : await runFootdata(
          config,
          log,
          common,
          routine === 'footdata-season' ? parseJobData('footdata-season', seasonCliData(values)) : undefined,
        );
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

runCli('produce', USAGE, main);
