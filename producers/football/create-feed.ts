/** Build the /footdata feed from config: football-data.org when FOOT_TOKEN is set, else the simulator. */
import type { Registry } from 'prom-client';
import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger';
import { FootballDataClient } from './client';
import { FootdataFeed } from './feed';
import { createFootballMetrics } from './metrics';
import { RateBudget } from './rate-budget';
import { MatchSimulator } from './simulator';
import type { MatchSource } from './source';

export function createFootdataFeed(config: Config['football'], log: Logger, registry?: Registry): FootdataFeed {
  const footLog = log.child({ component: 'football' });
  const metrics = registry && createFootballMetrics(registry);
  let source: MatchSource;
  if (config.token) {
    source = new FootballDataClient({
      baseUrl: config.apiUrl,
      token: config.token,
      timeoutMs: config.timeoutMs,
      budget: new RateBudget({ limit: config.callsPerMinute }),
      log: footLog,
      ...(metrics && { metrics }),
    });
    footLog.info({ apiUrl: config.apiUrl, callsPerMinute: config.callsPerMinute }, 'footdata from football-data.org');
  } else {
    source = new MatchSimulator();
    footLog.warn('FOOT_TOKEN is not set: /footdata serves the built-in simulated feed (X-Data-Source: simulator)');
  }
  return new FootdataFeed({ source, cacheTtlSec: config.cacheTtlSec, log: footLog, ...(metrics && { metrics }) });
}
