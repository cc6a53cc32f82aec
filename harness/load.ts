/**
 * A steady HTTP load on `GET /somedata/:data`, in-process: a target rate with
 * bounded concurrency over keep-alive connections (node:http, one Agent), and
 * the ledger a fault test needs afterwards — which requests were acknowledged
 * (200, with their event id), what else was answered, and the longest time
 * without any 200.
 *
 * Every request asks for a different `data` (`<prefix>-<n>`), so a request
 * stored twice under two event ids shows up as a repeated `payload.data`.
 */
import { Agent, request } from 'node:http';

export interface LoadOptions {
  /** Base URL of the API, e.g. http://127.0.0.1:5000 */
  url: string;
  /** Requests started per second (a target: fewer when `concurrency` is the bound). */
  ratePerSec: number;
  /** Requests in flight at most (and keep-alive sockets). Default: 64. */
  concurrency?: number;
  /** Start of every `data`; letters, digits, `-` and `_` only. Default: `load`. */
  prefix?: string;
  /** A request not answered within this long counts as an error, in ms. Default: 15_000. */
  timeoutMs?: number;
}

/** A 200: what was asked, where Kafka says the event is, when it was answered. */
export interface Acknowledged {
  data: string;
  partition: number;
  offset: number;
  /** Ms since the load started. */
  atMs: number;
}

export interface LoadFigures {
  /** Requests sent. */
  sent: number;
  /** Answers by HTTP status. */
  statuses: Record<number, number>;
  /** Requests with no answer (connection refused or reset, timeout). */
  errors: number;
  /** 503 answers without a Retry-After header. */
  unavailableWithoutRetryAfter: number;
  /** Every 200, by event id. */
  acknowledged: Map<string, Acknowledged>;
  /** Longest time between two consecutive 200s (and from the start to the first one), in ms. */
  longestGapMs: number;
  /** When that gap ended, in ms since the load started. */
  longestGapEndedAtMs: number;
  /** When each 200 came, in ms since the load started (ascending). */
  okAtMs: number[];
  durationMs: number;
  /** 200s per second over the whole run. */
  acknowledgedPerSec: number;
}

export interface RunningLoad {
  /** Milliseconds since the load started. */
  elapsedMs(): number;
  /** The figures so far (the maps are live). */
  figures(): LoadFigures;
  /** Wait (at most `timeoutMs`) for the first 200 answered after `sinceMs`; resolves with its time, in ms since the start. */
  firstOkAfter(sinceMs: number, timeoutMs?: number): Promise<number>;
  /** Stop starting requests, wait for those in flight, and return the figures. */
  stop(): Promise<LoadFigures>;
}

export function startLoad(options: LoadOptions): RunningLoad {
  const concurrency = options.concurrency ?? 64;
  const prefix = options.prefix ?? 'load';
  const timeoutMs = options.timeoutMs ?? 15_000;
  const base = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const started = Date.now();
  const figures: LoadFigures = {
    sent: 0,
    statuses: {},
    errors: 0,
    unavailableWithoutRetryAfter: 0,
    acknowledged: new Map(),
    longestGapMs: 0,
    longestGapEndedAtMs: 0,
    okAtMs: [],
    durationMs: 0,
    acknowledgedPerSec: 0,
  };
  let lastOkAt = started;
  let inFlight = 0;
  let running = true;
  let drained: (() => void) | undefined;

  const settle = () => {
    inFlight--;
    if (!running && inFlight === 0) drained?.();
  };
  const sendOne = () => {
    const data = `${prefix}-${figures.sent++}`;
    inFlight++;
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        path: `/somedata/${data}?number=1`,
        agent,
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          figures.statuses[status] = (figures.statuses[status] ?? 0) + 1;
          if (status === 503 && !res.headers['retry-after']) figures.unavailableWithoutRetryAfter++;
          if (status === 200) {
            const now = Date.now();
            if (now - lastOkAt > figures.longestGapMs) {
              figures.longestGapMs = now - lastOkAt;
              figures.longestGapEndedAtMs = now - started;
            }
            lastOkAt = now;
            figures.okAtMs.push(now - started);
            figures.acknowledged.set(String(res.headers['x-event-id']), {
              data,
              partition: Number(res.headers['x-kafka-partition']),
              offset: Number(res.headers['x-kafka-offset']),
              atMs: now - started,
            });
          }
          settle();
        });
        res.on('error', () => undefined);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => {
      figures.errors++;
      settle();
    });
    req.end();
  };

  // Pace by the clock: as many requests as the rate says by now, as far as the concurrency allows.
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - started) / 1000) * options.ratePerSec);
    while (running && figures.sent < due && inFlight < concurrency) sendOne();
  }, 5);

  const finish = (): LoadFigures => {
    figures.durationMs = Date.now() - started;
    figures.acknowledgedPerSec = Math.round((figures.acknowledged.size * 1000) / figures.durationMs);
    return figures;
  };

  let stopping: Promise<LoadFigures> | undefined;
  return {
    elapsedMs: () => Date.now() - started,
    figures: () => figures,
    async firstOkAfter(sinceMs, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = figures.okAtMs.find((at) => at > sinceMs);
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`no 200 within ${timeoutMs} ms after ${sinceMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stop() {
      stopping ??= (async () => {
        running = false;
        clearInterval(timer);
        const stoppedAt = Date.now();
        if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
        // The silence after the last 200 counts too, up to when the load stopped.
        if (stoppedAt - lastOkAt > figures.longestGapMs) {
          figures.longestGapMs = stoppedAt - lastOkAt;
          figures.longestGapEndedAtMs = stoppedAt - started;
        }
        agent.destroy();
        return finish();
      })();
      return stopping;
    },
  };
}

/** `{200: 27012, 503: 14}` as `200×27012 503×14`. */
export function formatStatuses(statuses: Record<number, number>, errors = 0): string {
  const parts = Object.entries(statuses).map(([status, count]) => `${status}×${count}`);
  if (errors > 0) parts.push(`no-answer×${errors}`);
  return parts.join(' ') || 'none';
}
