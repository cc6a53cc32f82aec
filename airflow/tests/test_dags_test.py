"""
`airflow dags test` (Airflow's own run loop, the trigger run in-process) in a
private AIRFLOW_HOME:
  - a probe DAG on a fresh queue: with no worker the task fails after its wait
    with a message that says so; with a (Node bullmq) worker it succeeds;
  - kafka_pipeline against the running stack (API, workers, consumer): it
    succeeds and MongoDB holds the run's events. Skipped when the pipeline is down.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.request

import pytest

from conftest import REPO_DIR, need
from support import stack

PROBE_DAGS = REPO_DIR / "airflow" / "tests" / "dags"


@pytest.fixture(scope="module")
def cli_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("airflow-cli-home")
    stack.migrate(home)
    return home


def test_with_workers_stopped_the_task_fails_after_its_wait_saying_no_worker_serves_the_queue(
    cli_home, redis_url, queue_name
):
    env = {**os.environ, "AIRFLOW_CONN_REDIS_DEFAULT": redis_url, "PROBE_QUEUE": queue_name, "PROBE_WAIT_SEC": "3"}
    code, output, run_id = stack.dags_test(cli_home, "bullmq_probe", PROBE_DAGS, env, timeout=180)
    assert code != 0, output[-3000:]
    assert f"did not finish within 3.0s: it is waiting; no BullMQ worker is connected to queue '{queue_name}'" in output
    assert "are the workers running?" in output
    assert "DagRun failed" in output or "state=failed" in output


def test_with_a_worker_the_probe_dag_succeeds(cli_home, redis_url, queue_name):
    if not shutil.which("node") or not (REPO_DIR / "node_modules" / "bullmq").is_dir():
        need(False, "node and node_modules/bullmq are needed (npm ci)")
    worker = subprocess.Popen(
        ["node", str(REPO_DIR / "airflow/tests/support/node_worker.mjs"), redis_url, queue_name, "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        env = {**os.environ, "AIRFLOW_CONN_REDIS_DEFAULT": redis_url, "PROBE_QUEUE": queue_name, "PROBE_WAIT_SEC": "60"}
        code, output, run_id = stack.dags_test(cli_home, "bullmq_probe", PROBE_DAGS, env, timeout=180)
    finally:
        worker.kill()
        worker.communicate()
    assert code == 0, output[-3000:]
    assert "'published': 3" in output and run_id and run_id.startswith("manual__")


def test_an_automatic_retry_waits_for_the_job_of_its_earlier_try_and_adds_no_second_one(cli_home, redis_url, queue_name):
    need(shutil.which("node") is not None and (REPO_DIR / "node_modules" / "bullmq").is_dir(), "node and node_modules/bullmq are needed (npm ci)")
    # The job runs 8 s; each try waits 2 s for it, then fails, and Airflow retries the task.
    worker = subprocess.Popen(
        ["node", str(REPO_DIR / "airflow/tests/support/node_worker.mjs"), redis_url, queue_name, "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "NODE_WORKER_DELAY_MS": "8000"},
    )
    try:
        env = {
            **os.environ, "AIRFLOW_CONN_REDIS_DEFAULT": redis_url, "PROBE_QUEUE": queue_name,
            "PROBE_WAIT_SEC": "2", "PROBE_RETRIES": "6", "PROBE_RETRY_DELAY_SEC": "1",
        }
        code, output, run_id = stack.dags_test(cli_home, "bullmq_probe", PROBE_DAGS, env, timeout=180)
    finally:
        worker.kill()
        out, _ = worker.communicate()
    assert code == 0, output[-3000:]
    assert "did not finish within 2.0s: it is active" in output  # a try gave up while the job ran
    assert "already exists (an earlier attempt of this task added it)" in output
    handled = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert len(handled) == 1, f"the worker ran {len(handled)} jobs: {handled}"  # exactly once


def test_kafka_pipeline_runs_end_to_end_and_mongodb_holds_the_runs_events(cli_home, monkeypatch):
    reason = stack.skip_reason_for_pipeline()
    need(reason is None, reason or "")
    conf = {
        "producers": ["somedata", "footdata"],
        "somedata_duration_sec": 5,
        "somedata_interval_sec": 0.5,
        "verify_timeout_sec": 60,
    }
    env = stack.stack_airflow_env()
    code, output, run_id = stack.dags_test(cli_home, "kafka_pipeline", REPO_DIR / "airflow" / "dags", env, conf)
    assert code == 0, output[-5000:]
    assert run_id, output[-2000:]

    from kafka_pipeline_provider.hooks.mongo import PipelineMongoHook

    monkeypatch.setenv("AIRFLOW_CONN_MONGO_DEFAULT", env["AIRFLOW_CONN_MONGO_DEFAULT"])
    with PipelineMongoHook(appname="kafka-pipeline-tests") as hook:
        stored = hook.get_database()["somedata"].count_documents({"runId": run_id})
    assert stored >= 5, f"somedata events of {run_id} in MongoDB: {stored}"
    assert "somedata: " in output and "event(s) of this run stored" in output
    assert "footdata: " in output
    # The offsets came through the connection the stack builds (scripts/airflow-connections.ts), not a fallback.
    assert "from Kafka (Airflow connection 'kafka_default')" in output
    # The run is the private home's: the stack's Airflow never saw it (its environment names the stack's
    # database; a run written there would also bring the DAG's default schedule into the stack).
    stacks = stack.AirflowApi()
    try:
        stacks.get(f"/api/v2/dags/kafka_pipeline/dagRuns/{urllib.request.quote(run_id, safe='')}")
    except AssertionError as answer:
        assert "HTTP 404" in str(answer), answer
    else:
        pytest.fail(f"{run_id} of `airflow dags test` is in the stack's metadata database")
