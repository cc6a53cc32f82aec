"""
Against the stack's Airflow (:8080: scheduler, LocalExecutor, triggerer), a
verify_sink that waits holds no worker slot: it waits deferred to the
triggerer. A run of kafka_pipeline succeeds; its events are then taken out of
MongoDB and verify_sink alone is cleared, so it runs again against the
producer's result (its XCom) and must wait. While it waits, the task instance
is `deferred` with its trigger in the triggerer, and the pool counts it among
its deferred tasks, not among the slots in use. Once the events are back, it
passes and the run ends in success.
"""

from __future__ import annotations

import os
import time
import uuid

from support import stack

DAG = "kafka_pipeline"
EVENTS = 4


def mongo_db():
    from kafka_pipeline_provider.hooks.mongo import PipelineMongoHook

    os.environ.setdefault("AIRFLOW_CONN_MONGO_DEFAULT", stack.stack_airflow_env()["AIRFLOW_CONN_MONGO_DEFAULT"])
    return PipelineMongoHook(appname="kafka-pipeline-tests")


def wait_for_state(api, run_id: str, task_id: str, wanted: str, timeout: float) -> tuple[dict, list[str]]:
    """The task instance once it is in `wanted` (or at the deadline), and the states it went through."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        ti = stack.task_instance(api, DAG, run_id, task_id)
        if not seen or seen[-1] != ti["state"]:
            seen.append(ti["state"])
        if ti["state"] == wanted or time.monotonic() > deadline:
            return ti, seen
        time.sleep(1)


def test_verify_sink_waits_deferred_to_the_triggerer_and_holds_no_worker_slot(api):
    run_id = f"slot_test__{uuid.uuid4().hex[:12]}"
    stack.trigger_somedata_run(api, run_id, EVENTS, verify_timeout_sec=300, note="triggered by airflow/tests/test_verify_sink_slot.py")
    run_timeout = float(os.environ.get("AIRFLOW_TEST_RUN_TIMEOUT", "600"))
    run = api.wait_for_run(DAG, run_id, timeout=run_timeout)
    assert run["state"] == "success", f"run {run_id} is {run['state']}; tasks: {api.task_states(DAG, run_id)}"

    with mongo_db() as hook:
        events = hook.get_database()["somedata"]
        stored = list(events.find({"runId": run_id}))
        assert len(stored) == EVENTS, f"{len(stored)} events of {run_id} stored"
        events.delete_many({"runId": run_id})
        try:
            # verify_sink alone runs again: the producer's result stays, its events are gone, so it waits.
            cleared = api.post(
                f"/api/v2/dags/{DAG}/clearTaskInstances",
                {"dry_run": False, "dag_run_id": run_id, "task_ids": ["verify_sink"], "only_failed": False, "reset_dag_runs": True},
            )
            assert [ti["task_id"] for ti in cleared["task_instances"]] == ["verify_sink"]
            ti, seen = wait_for_state(api, run_id, "verify_sink", "deferred", timeout=180)
            assert ti["state"] == "deferred", f"verify_sink went through {seen} while its events were missing"

            # Still waiting a while later, in the triggerer, and not in a slot of its pool.
            time.sleep(5)
            ti = stack.task_instance(api, DAG, run_id, "verify_sink")
            pool = api.get(f"/api/v2/pools/{ti['pool']}")
            assert ti["state"] == "deferred", ti
            assert ti["trigger"]["classpath"].endswith("SinkTrigger"), ti["trigger"]
            assert ti["triggerer_job"] is not None, "no triggerer holds the trigger"
            assert pool["include_deferred"] is False and pool["deferred_slots"] >= 1, pool
        finally:
            events.insert_many(stored)

    run = api.wait_for_run(DAG, run_id, timeout=run_timeout)
    assert run["state"] == "success", f"run {run_id} is {run['state']}; tasks: {api.task_states(DAG, run_id)}"
    ti = stack.task_instance(api, DAG, run_id, "verify_sink")
    assert ti["state"] == "success" and ti["try_number"] == 2, ti
