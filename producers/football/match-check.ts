/**
 * One odd match must not cost the others: each entry of an upstream list is
 * checked on its own against the v4 match schema, the ones that fit are kept,
 * the others are reported with the field at fault.
 */
import { z } from 'zod';
import { Match } from '../../lib/schemas';
import type { FetchedMatches, RejectedMatch } from './source';

/** An upstream answer that is at least a list (what each entry is, is checked per match). */
export const MatchList = z.looseObject({ matches: z.array(z.unknown()) });

/** Split `entries` into the matches that fit the schema and the rejected ones, in order. */
export function checkMatches(entries: unknown[]): FetchedMatches {
  const matches: Match[] = [];
  const rejected: RejectedMatch[] = [];
  for (const entry of entries) {
    const parsed = Match.safeParse(entry);
    if (parsed.success) {
      matches.push(parsed.data);
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
