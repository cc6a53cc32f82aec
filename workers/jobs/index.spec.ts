import { UnrecoverableError } from 'bullmq';
import { DEFAULT_SEASON_COMPETITIONS } from '../../lib/jobs/footdata-season';
import { parseJobData } from './index';

describe('parseJobData', () => {
  it('applies the seed defaults to somedata: every 10 s for 2 minutes', () => {
    expect(parseJobData('somedata', {})).toEqual({ durationSec: 120, intervalSec: 10, maxFailedShare: 0.05 });
    expect(
      parseJobData('somedata', {
        runId: 'manual__2026-11-24T10:00:00+00:00',
        durationSec: 5,
        intervalSec: 0,
        maxEvents: 3,
      }),
    ).toEqual({
      runId: 'manual__2026-11-24T10:00:00+00:00',
      durationSec: 5,
      intervalSec: 0,
      maxEvents: 3,
      maxFailedShare: 0.05,
    });
  });

  it('accepts footdata with or without a run id (null from Python is fine)', () => {
    expect(parseJobData('footdata', undefined)).toEqual({ maxFailedShare: 0.05 });
    expect(parseJobData('footdata', { runId: null })).toEqual({ runId: null, maxFailedShare: 0.05 });
    expect(parseJobData('footdata', { maxFailedShare: 0 })).toEqual({ maxFailedShare: 0 });
  });

  it.each([
    [{ durationSec: 0 }, /durationSec/],
    [{ durationSec: 99_999 }, /durationSec/],
    [{ durationSec: '10' }, /durationSec/],
    [{ intervalSec: -1 }, /intervalSec/],
    [{ maxEvents: 1.5 }, /maxEvents/],
    [{ duration: 10 }, /duration: is not a known field/],
    [{ runId: '' }, /runId/],
    [{ maxFailedShare: 1.5 }, /maxFailedShare/],
  ])('fails somedata %j as unrecoverable, naming the field', (data, field) => {
    expect(() => parseJobData('somedata', data)).toThrow(UnrecoverableError);
    expect(() => parseJobData('somedata', data)).toThrow(field);
    expect(() => parseJobData('somedata', data)).toThrow(/^invalid somedata job data: /);
  });

  it('fails footdata with unknown fields', () => {
    expect(() => parseJobData('footdata', { durationSec: 3 })).toThrow(/invalid footdata job data: durationSec/);
  });
});

describe('the footdata-season job data', () => {
  it('defaults to the current season of the competitions the simulator plays (producers/football/simulator.spec.ts keeps the two in step)', () => {
    expect(parseJobData('footdata-season', undefined)).toEqual({
      competitions: DEFAULT_SEASON_COMPETITIONS,
      maxFailedShare: 0.05,
    });
  });

  it('takes competitions and a season', () => {
    expect(parseJobData('footdata-season', { runId: 'manual__x', competitions: ['CL', 'SA'], season: 2025 })).toEqual({
      runId: 'manual__x',
      competitions: ['CL', 'SA'],
      season: 2025,
      maxFailedShare: 0.05,
    });
  });

  it.each([
    [{ competitions: [] }, /competitions/],
    [{ competitions: ['PL', 'PL'] }, /competitions: must name each competition once/],
    [{ competitions: ['pl'] }, /competitions\.0: must be a football-data\.org competition code/],
    [{ competitions: ['../x'] }, /competitions\.0/],
    [{ competitions: 'PL' }, /competitions/],
    [{ competitions: Array.from({ length: 21 }, (_, i) => `C${i + 10}`) }, /competitions/],
    [{ season: 1999 }, /season/],
    [{ season: 9999 }, /season/],
    [{ season: 2026.5 }, /season/],
    [{ season: '2026' }, /season/],
    [{ durationSec: 3 }, /durationSec: is not a known field/],
  ])('fails %j as unrecoverable, naming the field', (data, field) => {
    expect(() => parseJobData('footdata-season', data)).toThrow(UnrecoverableError);
    expect(() => parseJobData('footdata-season', data)).toThrow(field);
  });
});
