"""
The stack's Airflow keeps its metadata in SQLite, which lets one writer in at a
time: the scheduler, the DAG processor and the API server take turns. A request
that finds the database locked must wait its turn, not answer 500 once sqlite3's
default of 5 s has passed (what a loaded machine showed: "Database error" from
POST .../dagRuns while the scheduler was writing).
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

from conftest import STACK_DIR

HOLD_SEC = 8  # longer than sqlite3's default busy timeout (5 s), shorter than ours


def test_a_trigger_waits_while_another_process_holds_the_write_lock(api):
    # Another writer: a transaction that took the write lock and keeps it for HOLD_SEC.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            "db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)\n"
            "db.execute('BEGIN IMMEDIATE')\n"
            "print('locked', flush=True)\n"
            f"time.sleep({HOLD_SEC})\n"
            "db.execute('COMMIT')\n",
            str(STACK_DIR / "airflow" / "airflow.db"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        run_id = f"locked_db_test__{uuid.uuid4().hex[:12]}"
        created = api.post(
            "/api/v2/dags/kafka_pipeline/dagRuns",
            {"dag_run_id": run_id, "logical_date": None, "note": "triggered by airflow/tests/test_metadata_db.py"},
        )
        waited = time.monotonic() - started
    finally:
        assert holder.wait(timeout=60) == 0
    assert created["dag_run_id"] == run_id
    assert waited >= HOLD_SEC - 1, f"the trigger did not wait for the lock ({waited:.1f} s)"
    # The run was only a probe of the database: end it before the scheduler starts its tasks.
    api.patch(f"/api/v2/dags/kafka_pipeline/dagRuns/{run_id}", {"state": "failed"})
