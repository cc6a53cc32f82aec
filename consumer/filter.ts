/**
 * Filtering as configuration: allow-lists of football competitions and areas
 * (FILTER_FOOT_COMPETITIONS, FILTER_FOOT_AREAS; e.g. FILTER_FOOT_AREAS=FRA
 * keeps the seed's "only French games"). An empty list lets everything
 * through. A filtered record is counted and its offset committed; it is not
 * an error and never reaches the DLQ.
 */
import type { Config } from '../lib/config';
import type { PipelineEvent } from '../lib/schemas';

/** Why a record was left out; the `reason` label of the filtered-records metric. */
export type FilterReason = 'competition' | 'area';

/** Returns the reason an event is left out, or undefined to keep it. */
export type EventFilter = (event: PipelineEvent) => FilterReason | undefined;

export function createFilter(filter: Config['consumer']['filter']): EventFilter {
  // Codes compare case-insensitively: "fra" in the environment means FRA.
  const competitions = new Set(filter.competitions.map((code) => code.toUpperCase()));
  const areas = new Set(filter.areas.map((code) => code.toUpperCase()));
  return (event) => {
    if (event.type !== 'footdata') return undefined;
    const match = event.payload;
    if (competitions.size > 0 && !competitions.has((match.competition.code ?? '').toUpperCase())) return 'competition';
    if (areas.size > 0 && !areas.has((match.area.code ?? '').toUpperCase())) return 'area';
    return undefined;
  };
}
