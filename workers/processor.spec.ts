import { UnrecoverableError } from 'bullmq';
import { UnavailableError, ValidationError } from '../lib/errors';
import { createLogger } from '../lib/logger';
import type { JobHandlers } from './jobs';
import { carriedFrom, createProcessor, type ProducerJob } from './processor';

const log = createLogger({ service: 'test', level: 'silent' });
const topic = 'somedata';

function fakeJob(overrides: Partial<ProducerJob> = {}) {
  const progress: unknown[] = [];
  const job = {
    id: '7',
    name: 'somedata',
    data: { maxEvents: 3, intervalSec: 0 },
    attemptsMade: 0,
    attemptsStarted: 1,
    progress: 0,
    updateProgress: async (value: unknown) => {
      progress.push(value);
    },
    ...overrides,
  } as unknown as ProducerJob;
  return { job, progress };
}

function processorWith(somedata: JobHandlers['somedata']) {
  return createProcessor({
    handlers: {
      somedata,
      footdata: async () => ({ published: 0, failed: 0, topic: 'footdata' }),
      'footdata-season': async () => ({ published: 0, failed: 0, topic: 'footdata' }),
    },
    log,
    progressIntervalMs: 0,
  });
}

describe('createProcessor', () => {
  it('declares three parameters, so BullMQ hands it an abort signal', () => {
    expect(processorWith(async () => ({ published: 0, failed: 0, topic })).length).toBe(3);
  });

  it('runs the handler with the job as source, its data with defaults, and saves the result as progress', async () => {
    const seen: unknown[] = [];
    const { job, progress } = fakeJob({ data: { runId: 'run-1', maxEvents: 3, intervalSec: 0 } });
    const result = await processorWith(async (data, context) => {
      seen.push(data, context.source, context.runId);
      context.onProgress({ published: 1, failed: 0, percent: 33 });
      return { published: 3, failed: 0, topic };
    })(job);
    expect(seen).toEqual([
      { runId: 'run-1', maxEvents: 3, intervalSec: 0, durationSec: 120, maxFailedShare: 0.05 },
      'job:7',
      'run-1',
    ]);
    expect(result).toEqual({ published: 3, failed: 0, topic });
    expect(progress.at(-1)).toEqual({ published: 3, failed: 0, topic });
  });

  it('fails bad data, an unknown name or an unusable job id as unrecoverable, without running anything', async () => {
    const handler = jest.fn();
    const run = processorWith(handler);
    await expect(run(fakeJob({ data: { durationSec: -1 } as never }).job)).rejects.toThrow(UnrecoverableError);
    await expect(run(fakeJob({ name: 'otherdata' as never }).job)).rejects.toThrow(/unknown job name "otherdata"/);
    await expect(run(fakeJob({ id: 'has spaces' }).job)).rejects.toThrow(/cannot name an event source/);
    expect(handler).not.toHaveBeenCalled();
  });

  it('makes an error that says it is not retriable unrecoverable, and leaves others to the retries', async () => {
    await expect(
      processorWith(async () => {
        throw new ValidationError('source: must be "api" or "job:<jobId>"', 'source');
      })(fakeJob().job),
    ).rejects.toThrow(UnrecoverableError);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5000'), { code: 'ECONNREFUSED' });
    const transient = new TypeError('fetch failed', { cause: refused });
    await expect(
      processorWith(async () => {
        throw transient;
      })(fakeJob().job),
    ).rejects.toBe(transient);
  });

  it('makes a programming error unrecoverable: a TypeError would spend every attempt the same way', async () => {
    const failure = processorWith(async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'publishEvent')");
    })(fakeJob().job);
    await expect(failure).rejects.toThrow(UnrecoverableError);
    await expect(failure).rejects.toThrow(/reading 'publishEvent'/);
  });

  it('fails (to retry) an attempt where every record failed', async () => {
    const failure = processorWith(async () => ({ published: 0, failed: 3, topic }))(fakeJob().job);
    await expect(failure).rejects.toThrow(UnavailableError);
    await expect(failure).rejects.toThrow(/nothing published: all 3/);
  });

  it('goes on from the counts earlier attempts saved', async () => {
    const { job } = fakeJob({ attemptsMade: 1, progress: { published: 40, failed: 1, percent: 50 } });
    const carried: unknown[] = [];
    const result = await processorWith(async (_data, context) => {
      carried.push(context.carried);
      return { published: 1, failed: 0, topic };
    })(job);
    expect(carried).toEqual([{ published: 40, failed: 1 }]);
    expect(result).toMatchObject({ published: 41, failed: 1 });
  });

  it("reports the highest offset of each partition over all attempts, for verify_sink's consumption check", async () => {
    const { job } = fakeJob({
      attemptsMade: 1,
      progress: {
        published: 40,
        failed: 0,
        lastOffsets: [
          { partition: 0, offset: '9007199254740993' },
          { partition: 1, offset: '3' },
          { partition: 'x', offset: '1' },
        ],
      },
    });
    const result = await processorWith(async () => ({
      published: 2,
      failed: 0,
      topic,
      lastOffsets: [
        { partition: 1, offset: '5' },
        { partition: 0, offset: '9007199254740992' },
      ],
    }))(job);
    expect(result.lastOffsets).toEqual([
      { partition: 0, offset: '9007199254740993' },
      { partition: 1, offset: '5' },
    ]);
  });

  it('does not complete a job whose attempt was interrupted: it fails the attempt (to retry) saying so', async () => {
    const abort = new AbortController();
    abort.abort(new Error('shutdown'));
    const { job, progress } = fakeJob();
    const attempt = processorWith(async () => ({ published: 2, failed: 0, topic, interrupted: true }))(
      job,
      'token',
      abort.signal,
    );
    await expect(attempt).rejects.toThrow(UnavailableError);
    await expect(attempt).rejects.toThrow(/interrupted \(shutdown\) after 2 record\(s\): not complete/);
    // What it published is saved, so the retry goes on from there.
    expect(progress.at(-1)).toMatchObject({ published: 2, failed: 0 });
  });

  it('fails, without retries, a job whose failures pass its maxFailedShare (default 5%)', async () => {
    const partial = processorWith(async () => ({ published: 90, failed: 10, topic }))(fakeJob().job);
    await expect(partial).rejects.toThrow(UnrecoverableError);
    await expect(partial).rejects.toThrow(
      /10 of 100 record\(s\) failed \(10%\), more than the 5% a job may lose \(maxFailedShare\)/,
    );
    const within = processorWith(async () => ({ published: 96, failed: 4, topic }))(fakeJob().job);
    await expect(within).resolves.toMatchObject({ published: 96, failed: 4 });
    const strict = fakeJob({ data: { maxEvents: 3, intervalSec: 0, maxFailedShare: 0 } as never }).job;
    await expect(processorWith(async () => ({ published: 99, failed: 1, topic }))(strict)).rejects.toThrow(
      /1 of 100 record\(s\) failed \(1%\), more than the 0%/,
    );
  });

  it('counts earlier attempts in the share, but not the failures of an attempt that failed whole', async () => {
    // The attempt where all 3 failed is retried; its failures are not carried (the retry sends them again).
    const { job, progress } = fakeJob({ attemptsMade: 1, progress: { published: 5, failed: 0, percent: 50 } });
    await expect(processorWith(async () => ({ published: 0, failed: 3, topic }))(job)).rejects.toThrow(
      /nothing published/,
    );
    expect(progress.at(-1)).toMatchObject({ published: 5, failed: 0 });
  });
});

describe('carriedFrom', () => {
  it('carries nothing on a first attempt, whatever the progress says', () => {
    expect(carriedFrom({ attemptsMade: 0, attemptsStarted: 1, progress: { published: 5, failed: 0 } })).toEqual({
      published: 0,
      failed: 0,
    });
  });

  it('carries the saved counts after a failed or stalled attempt, and ignores nonsense', () => {
    expect(carriedFrom({ attemptsMade: 0, attemptsStarted: 2, progress: { published: 5, failed: 1 } })).toEqual({
      published: 5,
      failed: 1,
    });
    expect(carriedFrom({ attemptsMade: 1, attemptsStarted: 1, progress: 40 })).toEqual({ published: 0, failed: 0 });
    expect(carriedFrom({ attemptsMade: 1, attemptsStarted: 1, progress: { published: -3, failed: 'x' } })).toEqual({
      published: 0,
      failed: 0,
    });
  });

  it('carries the parts of the work done (a season backfill: the competitions published), strings only', () => {
    const progress = { published: 730, failed: 0, done: ['PL', 7, null, 'FL1'] };
    expect(carriedFrom({ attemptsMade: 1, attemptsStarted: 1, progress })).toEqual({
      published: 730,
      failed: 0,
      done: ['PL', 'FL1'],
    });
  });
});
