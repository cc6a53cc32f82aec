/**
 * Entry point of a worker process: runs the producer jobs of the queue
 * (QUEUE_NAME) with WORKER_CONCURRENCY slots; /healthz, /readyz, /metrics on
 * WORKER_PORT. SIGTERM: stop taking jobs, let active ones finish (bounded), close.
 * `node --import tsx workers/main.ts`
 */
import { loadConfigOrExit } from '../lib/config';
import { createLogger } from '../lib/logger';
import { startWorker } from './worker';

const config = loadConfigOrExit();
const log = createLogger({ service: 'workers', level: config.logLevel });

startWorker(config, log).then(
  (worker) => worker.shutdown.handleProcessSignals(),
  (error: unknown) => {
    log.fatal({ err: error }, 'worker failed to start');
    process.exit(1);
  },
);
