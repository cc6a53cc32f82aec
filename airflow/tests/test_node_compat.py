"""
Python bullmq 3.4.4 and Node bullmq 6.7 share a queue: a job the operator adds
runs on a Node worker (the library the project's workers use), and the
trigger reads its result or its failure.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess

import pytest

from conftest import REPO_DIR, need
from test_bullmq_operator import RUN_ID, collect, context, execute_until_deferred, make_operator

NODE_WORKER = REPO_DIR / "airflow" / "tests" / "support" / "node_worker.mjs"


@pytest.fixture
def node():
    if not shutil.which("node") or not (REPO_DIR / "node_modules" / "bullmq").is_dir():
        need(False, "node and node_modules/bullmq are needed (npm ci)")
    version = json.loads((REPO_DIR / "node_modules" / "bullmq" / "package.json").read_text())["version"]
    assert version.split(".")[0] == "6", f"these tests pin Python bullmq 3.4.4 against Node bullmq 6.x, found {version}"


def run_node_worker(redis_url: str, queue_name: str, jobs: int) -> subprocess.Popen:
    return subprocess.Popen(
        ["node", str(NODE_WORKER), redis_url, queue_name, str(jobs)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_DIR,
    )


def test_a_node_worker_runs_the_job_and_the_task_gets_its_result(node, redis_url, redis_conn, queue_name):
    op = make_operator(queue_name)
    trigger = execute_until_deferred(op)
    worker = run_node_worker(redis_url, queue_name, 1)
    events = asyncio.run(asyncio.wait_for(collect(trigger), timeout=40))
    out, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err
    handled = json.loads(out.strip().splitlines()[-1])
    assert handled["id"] == trigger.job_id and handled["outcome"] == "completed"
    assert handled["data"] == {"durationSec": 5, "intervalSec": 1, "runId": RUN_ID}
    assert handled["opts"]["attempts"] == 5
    assert handled["opts"]["backoff"] == {"type": "exponential", "delay": 2000, "jitter": 0.5}  # what Node reads
    assert handled["opts"]["removeOnComplete"] == {"age": 604800, "count": 1000}
    result = op.execute_complete(context(), events[0].payload)
    assert result == {"published": 3, "failed": 0, "topic": "somedata", "runId": RUN_ID, "jobId": trigger.job_id}


def test_a_node_failure_reaches_the_task_with_its_reason(node, redis_url, redis_conn, queue_name):
    op = make_operator(queue_name, job_name="boom", job_data={}, job_options={"attempts": 2})
    trigger = execute_until_deferred(op)
    worker = run_node_worker(redis_url, queue_name, 2)  # two attempts
    events = asyncio.run(asyncio.wait_for(collect(trigger), timeout=40))
    worker.communicate(timeout=30)
    payload = events[0].payload
    assert payload["status"] == "failed"
    assert payload["job"]["failed_reason"] == "boom from node" and payload["job"]["attempts_made"] == 2
    with pytest.raises(Exception, match="failed after 2 of 2 attempts: boom from node"):
        op.execute_complete(context(), payload)
