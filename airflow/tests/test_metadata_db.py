"""
The stack's Airflow takes concurrent writes: the UI, the smoke test and these
tests trigger runs while tasks report their state through the same API server.

On SQLite it could not. The API server commits its audit log (the `log` table)
synchronously on its event loop; when another request held the write lock
until its own commit, which runs on that loop, the two waited for each other
until sqlite3's busy timeout. 20 triggers at once froze the server for minutes,
most answered 500 "Database error", and the scheduler, triggerer and
dag-processor, locked out of their heartbeats, exited. The metadata now lives
in the stack's PostgreSQL (infra/services/90-airflow.sh).
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from support import stack

DAG = "kafka_pipeline"
CONCURRENT = 20
HEALTHY_WITHIN_SEC = 60


def test_concurrent_triggers_are_all_accepted_and_airflow_stays_healthy(api):
    prefix = f"concurrent_trigger_test__{uuid.uuid4().hex[:8]}"
    run_ids = [f"{prefix}_{i}" for i in range(CONCURRENT)]

    def trigger(run_id: str) -> str:
        try:
            created = api.post(f"/api/v2/dags/{DAG}/dagRuns", {"dag_run_id": run_id, "logical_date": None})
            return "created" if created["dag_run_id"] == run_id else f"answered {created}"
        except (AssertionError, OSError) as error:  # a non-2xx answer, or no answer in time
            return str(error)[:300]

    # Paused, the DAG keeps the runs queued: they only probe the API and are deleted below.
    api.patch(f"/api/v2/dags/{DAG}", {"is_paused": True})
    try:
        with ThreadPoolExecutor(CONCURRENT) as pool:
            outcomes = dict(zip(run_ids, pool.map(trigger, run_ids)))
    finally:
        for run_id in run_ids:
            try:
                api.delete(f"/api/v2/dags/{DAG}/dagRuns/{run_id}")
            except (AssertionError, OSError):
                pass  # never created, or the server did not answer: the runs of a paused DAG harm nothing
        api.patch(f"/api/v2/dags/{DAG}", {"is_paused": False})

    refused = {run_id: outcome for run_id, outcome in outcomes.items() if outcome != "created"}
    assert not refused, f"{len(refused)} of {CONCURRENT} concurrent triggers failed: {refused}"
    deadline = time.monotonic() + HEALTHY_WITHIN_SEC
    while not stack.airflow_healthy():
        assert time.monotonic() < deadline, f"Airflow's components are not healthy after the triggers: {stack.airflow_health()}"
        time.sleep(2)
