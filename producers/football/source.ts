/** Where matches come from: football-data.org, or the built-in simulator when there is no token. */
import type { Match } from '../../lib/schemas';
import type { FootdataSourceName } from '../api-schemas';

/** A match of the answer that does not fit the v4 schema, left out (match-check.ts). */
export interface RejectedMatch {
  /** Its `id` as the upstream sent it (null when it had none). */
  id: unknown;
  /** The top-level field at fault (`match` when the entry is not even an object). */
  field: string;
  /** What is wrong with it. */
  problem: string;
}

/** What one fetch found: the matches that fit the schema, and the ones left out. */
export interface FetchedMatches {
  matches: Match[];
  rejected: RejectedMatch[];
}

/** One competition's season (`GET /competitions/{competition}/matches?season=YYYY`). */
export interface SeasonRequest {
  /** A competition code (lib/schemas CompetitionCode), e.g. PL. */
  competition: string;
  /** The year the season starts; absent: the current season. */
  season?: number;
}

export interface MatchSource {
  readonly name: FootdataSourceName;
  /** Today's matches, each schema-checked. Throws when there is nothing good to return. */
  fetchMatches(signal?: AbortSignal): Promise<FetchedMatches>;
  /**
   * A competition's season: finished, running and scheduled matches, each
   * schema-checked and dated within the season. Throws when there is nothing good to return.
   */
  fetchSeason(request: SeasonRequest, signal?: AbortSignal): Promise<FetchedMatches>;
}
