/**
 * The somedata routine: simulated user traffic like the seed's producer — a
 * random vehicle, a number from 1 to 4 — sent over HTTP to the API
 * (`GET /somedata/:data?number=N`) at an interval for a duration, or until
 * maxEvents. The API publishes one event per 200; `X-Source` and `X-Run-Id`
 * carry the job and run to the event.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { validate } from '../../lib/validate';
import { SomedataJobData } from '../../lib/jobs/somedata';
import { checkOrigin, Tally, type RoutineOptions, type RoutineResult } from './routine';

export const VEHICLES = [
  'car',
  'bike',
  'bus',
  'truck',
  'train',
  'plane',
  'boat',
  'scooter',
  'tram',
  'motorbike',
] as const;

export interface SomedataRoutineOptions extends RoutineOptions {
  /** Base URL of the API, e.g. config.api.url. */
  apiUrl: string;
  /** How long to send traffic, in seconds. */
  durationSec: number;
  /** Time between two requests, in seconds; 0 sends them back to back. */
  intervalSec: number;
  /** Stop after this many requests. Default: no limit but the duration. */
  maxEvents?: number;
  /** The words to pick from. Default: VEHICLES. */
  vehicles?: readonly string[];
  /** Random source in [0, 1). Default: Math.random. */
  random?: () => number;
  /** Longest wait for one request, in ms. Default: 10_000. */
  requestTimeoutMs?: number;
}

/** The bounds of a somedata job's data (lib/jobs/somedata.ts), the one place they are written. */
// Not strict as the job data is: the routine's options hold more than these three.
const Timing = z.object(SomedataJobData.pick({ durationSec: true, intervalSec: true, maxEvents: true }).shape);

export async function produceSomedata(options: SomedataRoutineOptions): Promise<RoutineResult> {
  const timing = validate(Timing, options, 'options');
  const origin = checkOrigin(options, 'api');
  const vehicles = options.vehicles ?? VEHICLES;
  const random = options.random ?? Math.random;
  const headers: Record<string, string> = {
    'x-source': origin.source,
    ...(origin.runId && { 'x-run-id': origin.runId }),
  };
  const tally = new Tally('somedata');

  const started = Date.now();
  const deadline = started + timing.durationSec * 1000;
  const percent = () =>
    Math.max(
      ((Date.now() - started) / (deadline - started)) * 100,
      timing.maxEvents ? ((tally.published + tally.failed) / timing.maxEvents) * 100 : 0,
    );

  for (let sent = 0; timing.maxEvents === undefined || sent < timing.maxEvents; sent++) {
    const due = started + sent * timing.intervalSec * 1000;
    if (due >= deadline) break;
    if (due > Date.now()) {
      // An abort ends the wait; the routine then rejects with the abort's reason.
      await sleep(due - Date.now(), undefined, options.signal ? { signal: options.signal } : {}).catch(() => undefined);
    }
    options.signal?.throwIfAborted();

    const data = vehicles[Math.floor(random() * vehicles.length)]!;
    const number = 1 + Math.floor(random() * 4);
    const timeout = AbortSignal.timeout(options.requestTimeoutMs ?? 10_000);
    try {
      const response = await fetch(`${options.apiUrl}/somedata/${encodeURIComponent(data)}?number=${number}`, {
        headers,
        signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
      });
      await response.arrayBuffer();
      if (response.ok) {
        const partition = response.headers.get('x-kafka-partition');
        const offset = response.headers.get('x-kafka-offset');
        const position = partition !== null && offset !== null ? { partition: Number(partition), offset } : undefined;
        tally.ok(position, response.headers.get('x-kafka-topic') ?? undefined);
      } else {
        tally.fail();
      }
    } catch {
      options.signal?.throwIfAborted();
      tally.fail(); // network error or timeout: counted, the traffic goes on
    }
    await options.onProgress?.(tally.progress(percent()));
  }
  await options.onProgress?.(tally.progress(100));
  return tally.result();
}
