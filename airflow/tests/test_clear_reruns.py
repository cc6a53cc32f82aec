"""
Against the stack's Airflow (:8080, running this checkout's DAG folder): a
user's clear, through the REST API v2 as the UI does it, produces again.
Clearing produce_somedata (POST /api/v2/dags/{dag}/clearTaskInstances) and
then the whole run (POST /api/v2/dags/{dag}/dagRuns/{run}/clear) each run a
new somedata job, so MongoDB holds three jobs' worth of this run's events and
verify_sink checked each new job, not the first one's documents. (That an
automatic retry finds its earlier try's job is in test_bullmq_operator.py.)
"""

from __future__ import annotations

import os
import urllib.request
import uuid

from support import stack

DAG = "kafka_pipeline"
EVENTS = 4  # per job: somedata_max_events


def stored_events(run_id: str) -> dict[str, int]:
    """This run's somedata events in MongoDB, counted by the job (source) that produced them."""
    from kafka_pipeline_provider.hooks.mongo import PipelineMongoHook

    os.environ.setdefault("AIRFLOW_CONN_MONGO_DEFAULT", stack.stack_airflow_env()["AIRFLOW_CONN_MONGO_DEFAULT"])
    with PipelineMongoHook(appname="kafka-pipeline-tests") as hook:
        counts: dict[str, int] = {}
        for doc in hook.get_database()["somedata"].find({"runId": run_id}, {"source": 1}):
            counts[doc.get("source")] = counts.get(doc.get("source"), 0) + 1
        return counts


def wait_success(api, run_id: str) -> None:
    run = api.wait_for_run(DAG, run_id, timeout=float(os.environ.get("AIRFLOW_TEST_RUN_TIMEOUT", "600")))
    assert run["state"] == "success", f"run {run_id} is {run['state']}; tasks: {api.task_states(DAG, run_id)}"


def test_clearing_a_task_or_the_whole_run_produces_again(api):
    run_id = f"clear_test__{uuid.uuid4().hex[:12]}"
    stack.trigger_somedata_run(api, run_id, EVENTS, verify_timeout_sec=60, note="triggered by airflow/tests/test_clear_reruns.py")
    wait_success(api, run_id)
    first = stored_events(run_id)
    assert sum(first.values()) == EVENTS and len(first) == 1, first
    assert stack.task_instance(api, DAG, run_id, "produce_somedata")["try_number"] == 1

    # The user clears produce_somedata and what follows it, as the UI's "Clear" does.
    cleared = api.post(
        f"/api/v2/dags/{DAG}/clearTaskInstances",
        {
            "dry_run": False,
            "dag_run_id": run_id,
            "task_ids": ["produce_somedata"],
            "include_downstream": True,
            "only_failed": False,
            "reset_dag_runs": True,
        },
    )
    assert {ti["task_id"] for ti in cleared["task_instances"]} == {"produce_somedata", "verify_sink"}
    wait_success(api, run_id)
    second = stored_events(run_id)
    ti = stack.task_instance(api, DAG, run_id, "produce_somedata")
    assert (ti["try_number"], ti["max_tries"]) == (2, 1 + 2), ti  # cleared after try 1, retries=2
    assert sum(second.values()) == 2 * EVENTS and len(second) == 2, f"after the clear, events by job: {second}"

    # The user clears the whole run.
    api.post(f"/api/v2/dags/{DAG}/dagRuns/{urllib.request.quote(run_id, safe='')}/clear", {"dry_run": False})
    wait_success(api, run_id)
    third = stored_events(run_id)
    assert sum(third.values()) == 3 * EVENTS and len(third) == 3, f"after clearing the run, events by job: {third}"
