/**
 * The smoke test's Airflow step: a run of the `kafka_pipeline` DAG triggered
 * through the REST API v2 succeeds, and the events its somedata job published
 * are in MongoDB under the run's id, as many as the job reports.
 */
import { randomBytes } from 'node:crypto';
import { COLLECTIONS } from '../lib/mongo';
import { airflowClient, taskStates, triggerDagRun, waitForDagRun, type AirflowClient } from '../harness/airflow';
import { airflowPassword, SmokeFailure, type SmokeContext } from './steps';

const DAG = 'kafka_pipeline';
/**
 * The DAG runs one at a time (max_active_runs=1): a scheduled run under way
 * (every 5 minutes in containers) comes first. Then the run itself: a 3 s
 * somedata job, a footdata poll, verify_sink.
 */
const RUN_TIMEOUT_MS = 8 * 60_000;

/** A task's return value (XCom `return_value`); the API gives JSON values as they are stored. */
async function returnValue(client: AirflowClient, runId: string, taskId: string): Promise<unknown> {
  const path = `/api/v2/dags/${DAG}/dagRuns/${encodeURIComponent(runId)}/taskInstances/${taskId}/xcomEntries/return_value`;
  const { value } = await client.call<{ value: unknown }>('GET', path);
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
}

export async function dagRunStored(ctx: SmokeContext): Promise<string> {
  const { live } = ctx.config.admin;
  const client = await airflowClient(
    live.airflowUser,
    airflowPassword(live.airflowPasswordsFile, live.airflowUser),
    live.airflowUrl,
  );
  const runId = `smoke__${new Date().toISOString()}_${randomBytes(3).toString('hex')}`;
  const started = Date.now();
  await triggerDagRun(client, DAG, runId, {
    producers: ['somedata', 'footdata'],
    somedata_duration_sec: 3,
    somedata_interval_sec: 0.5,
    verify_timeout_sec: 120,
  });
  const run = await waitForDagRun(client, DAG, runId, RUN_TIMEOUT_MS);
  if (run.state !== 'success') {
    const tasks = await taskStates(client, DAG, runId).catch((error: Error) => error.message);
    throw new SmokeFailure(
      `run ${runId} is ${run.state} after ${Math.round((Date.now() - started) / 1000)} s (tasks ${JSON.stringify(tasks)})`,
    );
  }
  const somedata = (await returnValue(client, runId, 'produce_somedata')) as { published?: number } | null;
  const published = somedata?.published ?? 0;
  const stored = await ctx.db.collection(COLLECTIONS.somedata).countDocuments({ runId });
  if (!(published > 0) || stored !== published)
    throw new SmokeFailure(
      `run ${runId}: its somedata job published ${published} events, ${ctx.config.mongo.db}.somedata holds ${stored} with its run id`,
    );
  const verified = (await returnValue(client, runId, 'verify_sink')) as { checked?: Record<string, unknown> } | null;
  return (
    `run ${runId} succeeded in ${Math.round((Date.now() - started) / 1000)} s; ` +
    `its ${published} somedata events are in ${ctx.config.mongo.db}.somedata by run id; ` +
    `verify_sink: ${JSON.stringify(verified?.checked ?? verified)}`
  );
}
