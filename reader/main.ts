/**
 * The read API as a service: config → logger → MongoDB (indexes) → dead-letter
 * index → app listening on READER_PORT. SIGTERM/SIGINT stop it in order.
 */
import { loadConfigOrExit } from '../lib/config';
import { createLogger } from '../lib/logger';
import { Shutdown } from '../lib/shutdown';
import { shutdownStepMs } from '../lib/shutdown-bounds';
import { SERVICE } from './app';
import { startReader } from './service';

const startup = new AbortController();

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger({ service: SERVICE, level: config.logLevel });
  const shutdown = new Shutdown(log, { stepTimeoutMs: shutdownStepMs.reader(config) })
    .add('abort start-up', () => startup.abort())
    .handleProcessSignals();
  const reader = await startReader(config, log, { signal: startup.signal });
  shutdown.add('read API', () => reader.stop());
}

main().catch((error: unknown) => {
  if (startup.signal.aborted) return;
  process.stderr.write(`reader failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
