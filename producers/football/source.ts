/** Where matches come from: football-data.org, or the built-in simulator when there is no token. */
import type { Match } from '../../lib/schemas';
import type { FootdataSourceName } from '../api-schemas';

export interface MatchSource {
  readonly name: FootdataSourceName;
  /** Today's matches, schema-checked. Throws when there is nothing good to return. */
  fetchMatches(signal?: AbortSignal): Promise<Match[]>;
}
