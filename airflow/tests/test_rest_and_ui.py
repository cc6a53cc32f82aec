"""
Against the stack's `airflow standalone` (:8080): a run triggered through the
REST API v2 reaches `success`, and the UI, signed into as a person would,
shows the DAG and that run (screenshots in test-artifacts/). Skipped when
Airflow or the pipeline (API, workers, consumer) is not running.

The run may queue behind a scheduled run (max_active_runs=1): the wait is
AIRFLOW_TEST_RUN_TIMEOUT seconds (default 600).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid

import pytest

from conftest import REPO_DIR, need
from support import stack

ARTIFACTS = REPO_DIR / "test-artifacts"


@pytest.fixture(scope="module")
def rest_run(api):
    """Trigger a short run through POST /api/v2/dags/kafka_pipeline/dagRuns and wait for its end."""
    run_id = f"rest_test__{uuid.uuid4().hex[:12]}"
    created = api.post(
        "/api/v2/dags/kafka_pipeline/dagRuns",
        {
            "dag_run_id": run_id,
            "logical_date": None,
            "conf": {"somedata_duration_sec": 5, "somedata_interval_sec": 0.5, "verify_timeout_sec": 60},
            "note": "triggered by airflow/tests/test_rest_and_ui.py",
        },
    )
    assert created["dag_run_id"] == run_id and created["state"] in ("queued", "running")
    run = api.wait_for_run("kafka_pipeline", run_id, timeout=float(os.environ.get("AIRFLOW_TEST_RUN_TIMEOUT", "600")))
    return run, api.task_states("kafka_pipeline", run_id)


def test_a_run_triggered_through_the_rest_api_succeeds(rest_run):
    run, tasks = rest_run
    assert run["state"] == "success", f"run {run['dag_run_id']} is {run['state']}; tasks: {tasks}"
    assert tasks == {"produce_somedata": "success", "produce_footdata": "success", "verify_sink": "success"}


def test_the_ui_shows_the_dag_and_its_successful_run(rest_run):
    run, _ = rest_run
    assert run["state"] == "success"
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not shutil.which("node") or not os.path.exists(chromium) or not (REPO_DIR / "node_modules/playwright-core").is_dir():
        need(False, "needs node, node_modules/playwright-core and Debian's chromium (apt-get install -y chromium)")
    done = subprocess.run(
        [
            "node", "--import", "tsx", str(REPO_DIR / "harness/airflow-ui-screenshot.ts"),
            stack.AIRFLOW_BASE, "admin", stack.admin_password(), run["dag_run_id"], str(ARTIFACTS),
        ],
        capture_output=True, text=True, timeout=180, cwd=REPO_DIR,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert "kafka_pipeline" in report["dagPage"]["text"]
    run_text = report["runPage"]["text"]
    assert run["dag_run_id"] in run_text
    assert "success" in run_text.lower()
    for task in ("produce_somedata", "produce_footdata", "verify_sink"):
        assert task in run_text or task in report["dagPage"]["text"]
    assert (ARTIFACTS / "airflow-dag.png").stat().st_size > 10_000
    assert (ARTIFACTS / "airflow-run.png").stat().st_size > 10_000
