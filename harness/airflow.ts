/**
 * The stack's Airflow (:8080, REST API v2) from the TypeScript tests: the
 * admin password the simple auth manager generated, a JWT from /auth/token,
 * and the few calls the fault tests make. (airflow/tests/support/stack.py is
 * the same client for pytest.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from './env';
import { STACK_DIR } from './stack';

export const AIRFLOW_URL = process.env.AIRFLOW_BASE_URL ?? 'http://127.0.0.1:8080';
export const AIRFLOW_PASSWORDS_FILE = join(STACK_DIR, 'airflow', 'simple_auth_manager_passwords.json.generated');

/** Every password the simple auth manager generated, by user. */
export function airflowPasswords(): Record<string, string> {
  return JSON.parse(readFileSync(AIRFLOW_PASSWORDS_FILE, 'utf8')) as Record<string, string>;
}

/** Airflow answers and reports its scheduler, triggerer and dag-processor healthy. */
export async function airflowHealthy(): Promise<boolean> {
  try {
    const response = await fetch(`${AIRFLOW_URL}/api/v2/monitor/health`, { signal: AbortSignal.timeout(3_000) });
    const health = (await response.json()) as Record<string, { status?: string } | undefined>;
    return ['metadatabase', 'scheduler', 'triggerer', 'dag_processor'].every(
      (part) => health[part]?.status === 'healthy',
    );
  } catch {
    return false;
  }
}

export interface AirflowClient {
  /** A REST v2 call with the token; throws on a non-2xx answer, with its body. */
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
}

export interface DagRun {
  dag_run_id: string;
  state: string;
  start_date: string | null;
  end_date: string | null;
}

/** A client of the Airflow at `url` (default: the stack's), logged in as `user`. */
export async function airflowClient(
  user = 'admin',
  password = airflowPasswords()[user],
  url = AIRFLOW_URL,
): Promise<AirflowClient> {
  const response = await fetch(`${url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: user, password }),
  });
  if (!response.ok) throw new Error(`POST /auth/token: ${response.status} ${await response.text()}`);
  const { access_token: token } = (await response.json()) as { access_token: string };
  return {
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      const answer = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
      if (!answer.ok) throw new Error(`${method} ${path}: ${answer.status} ${(await answer.text()).slice(0, 1_000)}`);
      return (await answer.json()) as T;
    },
  };
}

const runPath = (dagId: string, runId: string) => `/api/v2/dags/${dagId}/dagRuns/${encodeURIComponent(runId)}`;

/** Trigger a run now with `conf`; resolves with its id. */
export async function triggerDagRun(
  client: AirflowClient,
  dagId: string,
  runId: string,
  conf: Record<string, unknown>,
): Promise<string> {
  const run = await client.call<DagRun>('POST', `/api/v2/dags/${dagId}/dagRuns`, {
    dag_run_id: runId,
    logical_date: null,
    conf,
  });
  return run.dag_run_id;
}

export function getDagRun(client: AirflowClient, dagId: string, runId: string): Promise<DagRun> {
  return client.call<DagRun>('GET', runPath(dagId, runId));
}

/** Task id → state for one run. */
export async function taskStates(
  client: AirflowClient,
  dagId: string,
  runId: string,
): Promise<Record<string, string | null>> {
  const { task_instances: instances } = await client.call<{
    task_instances: { task_id: string; state: string | null }[];
  }>('GET', `${runPath(dagId, runId)}/taskInstances`);
  return Object.fromEntries(instances.map((instance) => [instance.task_id, instance.state]));
}

/** Wait (at most `timeoutMs`) for the run to end; resolves with it, ended or not. */
export async function waitForDagRun(
  client: AirflowClient,
  dagId: string,
  runId: string,
  timeoutMs: number,
): Promise<DagRun> {
  let last: DagRun | undefined;
  try {
    return await eventually(
      async () => {
        last = await getDagRun(client, dagId, runId);
        return ['success', 'failed'].includes(last.state) ? last : undefined;
      },
      `run ${runId} to end`,
      timeoutMs,
    );
  } catch {
    return last ?? getDagRun(client, dagId, runId);
  }
}
