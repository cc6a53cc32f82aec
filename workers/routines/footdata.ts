/**
 * The footdata routine: one poll of the API's `/footdata`, then one Kafka
 * record per match (keyed by match id, envelope type footdata) through the
 * publisher, stamped with runId and source.
 */
import { describeError, UpstreamError } from '../../lib/errors';
import { validate } from '../../lib/validate';
import type { Publisher } from '../../lib/kafka/publisher';
import type { Logger } from '../../lib/logger';
import { createEvent, FootdataResponse, PipelineEvent, type Match } from '../../lib/schemas';
import type { PublishedMatch } from '../../lib/jobs/results';
import { checkOrigin, Tally, type RoutineOptions, type RoutineResult } from './routine';

type Origin = ReturnType<typeof checkOrigin>;

export interface FootdataRoutineOptions extends RoutineOptions {
  /** Base URL of the API, e.g. config.api.url. */
  apiUrl: string;
  /** A connected publisher (the caller owns it: connects and closes it). */
  publisher: Publisher;
  /** The footdata topic (config.kafka.topics.footdata). */
  topic: string;
  /** Longest wait for `/footdata`, in ms. Default: 30_000. */
  requestTimeoutMs?: number;
  log?: Logger;
}

/** The footdata result also names each published match, so a checker (Airflow's verify_sink) can find them. */
export interface FootdataRoutineResult extends RoutineResult {
  matches: PublishedMatch[];
}

export async function produceFootdata(options: FootdataRoutineOptions): Promise<FootdataRoutineResult> {
  const origin = checkOrigin(options, 'job:cli');
  const timeout = AbortSignal.timeout(options.requestTimeoutMs ?? 30_000);
  const response = await fetch(`${options.apiUrl}/footdata`, {
    signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
  });
  if (!response.ok) {
    await response.arrayBuffer();
    throw new UpstreamError(`GET /footdata answered ${response.status}`, {
      retriable: response.status >= 500,
      context: { status: response.status },
    });
  }
  const answer = validate(FootdataResponse, await response.json(), 'footdata');
  options.log?.info({ count: answer.count, source: answer.source, stale: answer.stale }, 'footdata fetched');
  options.signal?.throwIfAborted();

  const tally = new Tally(options.topic);
  await options.onProgress?.(tally.progress(10));
  const published = await publishMatches(answer.matches, { ...options, origin }, tally);
  await options.onProgress?.(tally.progress(100));
  return { ...tally.result(), matches: published };
}

/**
 * One footdata record per match, all handed to the publisher at once (it batches
 * them into few sends); each outcome counted in `tally`. A match that fails (its
 * event does not pass the envelope's schema, or Kafka refuses it) is logged and
 * counted, never sinking the others. Returns the matches published.
 */
export async function publishMatches(
  matches: Match[],
  options: { publisher: Publisher; topic: string; origin: Origin; log?: Logger },
  tally: Tally,
): Promise<PublishedMatch[]> {
  const outcomes = await Promise.allSettled(
    matches.map(async (match) => {
      const checked = PipelineEvent.safeParse(createEvent('footdata', match, options.origin));
      if (!checked.success) {
        throw new UpstreamError(`match ${match.id} cannot be stored: ${checked.error.issues[0]?.message}`);
      }
      return options.publisher.publishEvent(options.topic, checked.data);
    }),
  );
  const published: PublishedMatch[] = [];
  for (const [index, outcome] of outcomes.entries()) {
    const match = matches[index]!;
    if (outcome.status === 'fulfilled') {
      tally.ok(outcome.value);
      published.push({ id: match.id, lastUpdated: match.lastUpdated });
    } else {
      tally.fail();
      options.log?.warn({ matchId: match.id, reason: describeError(outcome.reason) }, 'match not published');
    }
  }
  return published;
}
