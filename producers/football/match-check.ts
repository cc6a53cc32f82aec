/**
 * One odd match must not cost the others: each entry of an upstream list is
 * checked on its own against the v4 match schema (and, for a season, against
 * the season asked for), the ones that fit are kept, the others are reported
 * with the field at fault.
 */
import { z } from 'zod';
import { Match, seasonWindow } from '../../lib/schemas';
import type { FetchedMatches, RejectedMatch, SeasonRequest } from './source';

/** An upstream answer that is at least a list (what each entry is, is checked per match). */
export const MatchList = z.looseObject({ matches: z.array(z.unknown()) });

/** A check beyond the schema: what is wrong with a match that fits it, or undefined. */
export type MatchRule = (match: Match) => Omit<RejectedMatch, 'id'> | undefined;

/** Split `entries` into the matches that fit the schema (and `rule`) and the rejected ones, in order. */
export function checkMatches(entries: unknown[], rule?: MatchRule): FetchedMatches {
  const matches: Match[] = [];
  const rejected: RejectedMatch[] = [];
  for (const entry of entries) {
    const parsed = Match.safeParse(entry);
    if (parsed.success) {
      const broken = rule?.(parsed.data);
      if (broken) rejected.push({ id: parsed.data.id, ...broken });
      else matches.push(parsed.data);
      continue;
    }
    const issue = parsed.error.issues[0];
    const id = typeof entry === 'object' && entry !== null ? ((entry as { id?: unknown }).id ?? null) : null;
    // Top-level fields only: a bounded set (the schema's), fit for a metric label.
    const field = typeof issue?.path[0] === 'string' ? issue.path[0] : 'match';
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    rejected.push({ id, field, problem: `${where}${issue?.message ?? 'invalid'}` });
  }
  return { matches, rejected };
}

/**
 * A season's match belongs to the competition asked for and kicks off within
 * the season's window (lib/schemas seasonWindow; without a season, last year's
 * to next year's): a match dated 9999 would otherwise sit on top of every
 * "latest matches" list for ever.
 */
export function seasonRule(request: SeasonRequest, now = Date.now()): MatchRule {
  const year = new Date(now).getUTCFullYear();
  const { from, to } =
    request.season === undefined
      ? { from: seasonWindow(year - 1).from, to: seasonWindow(year).to }
      : seasonWindow(request.season);
  return (match) => {
    const code = match.competition.code;
    if (code && code !== request.competition)
      return { field: 'competition', problem: `competition ${code}, not ${request.competition} as asked` };
    const kickOff = Date.parse(match.utcDate);
    if (!(kickOff >= from && kickOff < to)) {
      const window = `${new Date(from).toISOString().slice(0, 10)} to ${new Date(to - 1).toISOString().slice(0, 10)}`;
      return { field: 'utcDate', problem: `kick-off ${match.utcDate} is outside the season's window (${window})` };
    }
    return undefined;
  };
}
