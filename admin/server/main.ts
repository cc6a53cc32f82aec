/**
 * Entry point of the admin server: the BullMQ dashboard at /admin/queues
 * (basic auth), /healthz, /readyz, /metrics. `node --import tsx admin/server/main.ts`
 */
import { loadConfigOrExit } from '../../lib/config';
import { ConfigError } from '../../lib/errors';
import { createLogger } from '../../lib/logger';
import { startAdmin } from './server';

const config = loadConfigOrExit();
const log = createLogger({ service: 'workers-admin', level: config.logLevel });

startAdmin(config, log).then(
  (admin) => admin.shutdown.handleProcessSignals(),
  (error: unknown) => {
    if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else log.fatal({ err: error }, 'admin server failed to start');
    process.exit(1);
  },
);
