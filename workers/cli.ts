/**
 * Enqueue one producer job and wait for its result, printing its progress:
 *
 *   npm run job -- somedata --duration 10 [--interval 1] [--max-events N] [--run-id X]
 *   npm run job -- footdata [--run-id X]
 *   npm run job -- footdata-season [--competitions PL,BL1] [--season 2026] [--run-id X]
 *
 * Common options: --attempts N (default: DEFAULT_JOB_OPTIONS, lib/jobs/queue.ts), --timeout SEC (default: wait as long as it runs).
 * Exit 0 with the result as the last line (JSON); 1 when the job failed (its reason on stderr);
 * 2 on a usage error. Ctrl-C stops waiting; the job itself runs on.
 */
import { UnrecoverableError } from 'bullmq';
import { commandOf, numberOption, parseCommandLine, runCli, UsageError } from '../lib/cli';
import { ROUTINE_CLI_OPTIONS, seasonCliData } from './routines/routine';
import { loadConfigOrExit } from '../lib/config';
import { redactUrl } from '../lib/redact';
import { parseJobData } from './jobs';
import { addJob, createQueue, createQueueEvents, JOB_NAMES, type JobData, type JobProgress } from '../lib/jobs/queue';

const USAGE = `usage:
  npm run job -- somedata [--duration SEC] [--interval SEC] [--max-events N] [--run-id ID] [--attempts N] [--timeout SEC]
  npm run job -- footdata [--run-id ID] [--attempts N] [--timeout SEC]
  npm run job -- footdata-season [--competitions PL,BL1] [--season YYYY] [--run-id ID] [--attempts N] [--timeout SEC]`;

/** The job name, its data (checked with the worker's own schema) and the CLI's own settings. */
function readCommandLine() {
  const { values, positionals } = parseCommandLine(USAGE, {
    allowPositionals: true,
    options: { ...ROUTINE_CLI_OPTIONS, attempts: { type: 'string' }, timeout: { type: 'string' } },
  });
  const name = commandOf(positionals, JOB_NAMES, 'a job name');

  const data: Record<string, unknown> = { ...(values['run-id'] !== undefined && { runId: values['run-id'] }) };
  if (name === 'somedata') {
    const somedata = {
      durationSec: numberOption('duration', values.duration),
      intervalSec: numberOption('interval', values.interval),
      maxEvents: numberOption('max-events', values['max-events']),
    };
    for (const [key, value] of Object.entries(somedata)) if (value !== undefined) data[key] = value;
  } else if (values.duration ?? values.interval ?? values['max-events']) {
    throw new UsageError('--duration, --interval and --max-events are for somedata jobs');
  }
  if (name === 'footdata-season') Object.assign(data, seasonCliData(values));
  else if (values.competitions ?? values.season) {
    throw new UsageError('--competitions and --season are for footdata-season jobs');
  }
  try {
    parseJobData(name, data);
  } catch (error) {
    throw error instanceof UnrecoverableError ? new UsageError(error.message) : error;
  }
  const attempts = numberOption('attempts', values.attempts);
  if (attempts !== undefined && (!Number.isInteger(attempts) || attempts < 1))
    throw new UsageError('--attempts must be a whole number >= 1');
  const timeoutSec = numberOption('timeout', values.timeout);
  if (timeoutSec !== undefined && !(timeoutSec > 0)) throw new UsageError('--timeout must be more than 0 seconds');
  return { name, data: data as JobData, attempts, timeoutSec };
}

function describeProgress(progress: unknown): string {
  if (typeof progress !== 'object' || progress === null) return JSON.stringify(progress);
  const { published, failed, percent } = progress as JobProgress & { percent?: unknown };
  return `published ${published}, failed ${failed}${typeof percent === 'number' ? ` (${percent}%)` : ''}`;
}

async function main(): Promise<number> {
  const { name, data, attempts, timeoutSec } = readCommandLine();
  const config = loadConfigOrExit();
  const queue = createQueue(config);
  const events = createQueueEvents(config);
  const started = Date.now();
  const stamp = () => `[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s]`;
  let lastError = '';
  const onError = (error: Error) => {
    if (error.message !== lastError)
      console.error(`${stamp()} redis (${redactUrl(config.redis.url)}): ${redactUrl(error.message)}`);
    lastError = error.message;
  };
  queue.on('error', onError);
  events.on('error', onError);
  process.once('SIGINT', () => {
    console.error(`\n${stamp()} stopped waiting; the job runs on (see the dashboard)`);
    void Promise.allSettled([events.close(), queue.close()]).then(() => process.exit(130));
  });

  try {
    // Listen before adding, so no event of the job is missed; events that come before
    // `add` returns the job's id wait until it is known.
    const ours: { jobId?: string } = {};
    const early: (() => void)[] = [];
    const forTheJob = (id: string, print: () => void) => {
      if (ours.jobId === undefined) early.push(() => id === ours.jobId && print());
      else if (id === ours.jobId) print();
    };
    events.on('active', ({ jobId: id }) => forTheJob(id, () => console.log(`${stamp()} running`)));
    events.on('progress', ({ jobId: id, data: progress }) =>
      forTheJob(id, () => console.log(`${stamp()} progress: ${describeProgress(progress)}`)),
    );
    events.on('delayed', ({ jobId: id, delay }) =>
      forTheJob(id, () => {
        const at = new Date(delay).toISOString();
        void queue
          .getJob(id)
          .then((current) =>
            console.log(
              current?.failedReason
                ? `${stamp()} attempt ${current.attemptsMade} failed (${current.failedReason}); next attempt at ${at}`
                : `${stamp()} delayed until ${at}`,
            ),
          );
      }),
    );
    await events.waitUntilReady();
    const job = await addJob(queue, name, data as never, attempts === undefined ? {} : { attempts });
    const jobId = String(job.id);
    ours.jobId = jobId;
    console.log(`${stamp()} job ${jobId} (${name}) added to ${queue.name}: ${JSON.stringify(data)}`);
    for (const print of early.splice(0)) print();

    try {
      const result = await job.waitUntilFinished(events, timeoutSec === undefined ? undefined : timeoutSec * 1000);
      console.log(`${stamp()} completed`);
      console.log(JSON.stringify(result));
      return 0;
    } catch (error) {
      const finished = await queue.getJob(jobId);
      const state = finished ? await finished.getState() : 'removed';
      if (state === 'failed') {
        console.error(
          `${stamp()} job ${jobId} failed after ${finished?.attemptsMade} attempt(s): ${finished?.failedReason}`,
        );
      } else {
        console.error(`${stamp()} stopped waiting for job ${jobId} (now ${state}): ${(error as Error).message}`);
      }
      return 1;
    }
  } finally {
    await Promise.allSettled([events.close(), queue.close()]);
  }
}

runCli('job', USAGE, main);
