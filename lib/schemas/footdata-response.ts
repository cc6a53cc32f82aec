/**
 * The API's answer to `GET /footdata`: served by producers/ (football/feed.ts)
 * and read by the workers' footdata routine (workers/routines/footdata.ts), so
 * it is a contract between them and lives here.
 */
import { z } from 'zod';
import { Match } from './footdata';

export const FOOTDATA_SOURCES = ['football-data.org', 'simulator'] as const;
export type FootdataSourceName = (typeof FOOTDATA_SOURCES)[number];

export const FootdataResponse = z
  .object({
    source: z
      .enum(FOOTDATA_SOURCES)
      .meta({ description: 'Where the matches come from; `simulator` when no FOOT_TOKEN is set.' }),
    stale: z
      .boolean()
      .meta({ description: 'True when the upstream is down or its budget is spent and this is the last good answer.' }),
    fetchedAt: z.iso
      .datetime({ offset: true })
      .meta({ description: 'When these matches were fetched from the source.' }),
    count: z.int().min(0),
    matches: z.array(
      Match.meta({ id: 'Match', description: 'One match as football-data.org v4 `/matches` returns it.' }),
    ),
  })
  .meta({ id: 'FootdataResponse' });
export type FootdataResponse = z.infer<typeof FootdataResponse>;
