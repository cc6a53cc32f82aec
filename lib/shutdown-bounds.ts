/**
 * How long each process's shutdown may wait on its slowest step (lib/shutdown.ts
 * bounds every step by this), in ms: each entry point passes it to `Shutdown`,
 * and the Kubernetes chart's terminationGracePeriodSeconds must exceed it
 * (scripts/deploy-values.ts writes these into the chart), else the kubelet's
 * SIGKILL would cut the drain short.
 */
import type { Config } from './config';

/** What the worker's drain waits for active jobs (workers/worker.ts), then the grace after aborting them. */
export const WORKER_DRAIN_TIMEOUT_MS = 10_000;
export const WORKER_ABORT_GRACE_MS = 5_000;
/** Each step of the admin server's stop (workers/admin/server.ts). */
export const ADMIN_STOP_STEP_MS = 5_000;

export type ServiceName = 'api' | 'reader' | 'consumer' | 'workers' | 'admin';

export const shutdownStepMs: Record<ServiceName, (config: Config) => number> = {
  // Stopping the sink waits for the batch in hand, which the group allows up to the session
  // timeout (CONSUMER_SESSION_TIMEOUT_MS); 5 s more for the last commit and leaving the group.
  consumer: (config: Config) => config.consumer.sessionTimeoutMs + 5_000,
  // One step is the API's own two-step stop (each bounded in producers/service.ts): room for both.
  api: (config: Config) => 2 * Math.max(10_000, 2 * config.api.publish.timeoutMs) + 5_000,
  // The read API's server close (HTTP_REQUEST_TIMEOUT_MS at most by default) and the DLQ index's stop.
  reader: () => 35_000,
  workers: () => WORKER_DRAIN_TIMEOUT_MS + WORKER_ABORT_GRACE_MS,
  admin: () => ADMIN_STOP_STEP_MS,
};
