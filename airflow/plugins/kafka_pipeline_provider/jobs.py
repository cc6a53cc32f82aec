"""
Which BullMQ job a task runs: the run id it stamps on the events, the data
the worker will accept, the job id that makes one job per series of tries,
and the workers' default job options. The rules are the services' own, read
from contracts/ (contracts.py); nothing here touches Redis.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from kafka_pipeline_provider import contracts
from kafka_pipeline_provider.hooks.bullmq import BullMQClientError

# A custom BullMQ job id: no ':' (BullMQ's key separator), and "job:<jobId>"
# must fit the events' source (contracts/event-envelope.schema.json).
JOB_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,200}$")


def check_run_id(run_id: str) -> str:
    """The run id, when the events can carry it (contracts/run-id.schema.json, the worker's own rule)."""
    problem = contracts.run_id_problem(run_id)
    if problem:
        shown = run_id if len(run_id or "") <= 60 else f"{run_id[:60]}... ({len(run_id)} characters)"
        raise BullMQClientError(
            f"run id {shown!r} cannot be stamped on events: it must be 1-250 ASCII letters, digits, "
            "spaces or : . + - @ _ (trigger the run with such a run id)",
            retriable=False,
        )
    return run_id


def check_job_data(job_name: str, data: dict[str, Any]) -> dict[str, Any]:
    """
    The data, when the worker will accept it (contracts/job-data/<job>.schema.json):
    a job it refuses fails at once in the worker, so it is refused here, before
    anything is enqueued. Job names the contracts do not know are not checked.
    """
    if job_name not in contracts.job_names():
        return data
    problems = contracts.job_data_problems(job_name, data)
    if problems:
        raise BullMQClientError(f"invalid {job_name} job data: " + "; ".join(problems), retriable=False)
    return data


def derive_job_id(dag_id: str, task_id: str, run_id: str, map_index: int = -1, first_try: int = 1) -> str:
    """
    The job id of one task in one DAG run: `<dag>-<task>[-<map index>][-t<first try>]-<sha1(run id)[:16]>`,
    e.g. `kafka_pipeline-produce_somedata-3f2a9c0d1e2b4a5f`, only [A-Za-z0-9._-]
    (BullMQ ids may not contain ':').

    `first_try` is the first try number of the task's current series of tries
    (see `first_try_of_series`): the same for a task and its automatic retries,
    so a retry finds the job of its earlier try rather than adding a second one;
    new when a user clears the task, so a clear produces again. The first series
    (1) adds nothing to the id.
    """
    digest = hashlib.sha1(run_id.encode("utf-8")).hexdigest()[:16]
    name = f"{dag_id}-{task_id}" + (f"-{map_index}" if map_index is not None and map_index >= 0 else "")
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name)[:170]
    series = f"-t{first_try}" if first_try > 1 else ""
    return f"{name}{series}-{digest}"


def first_try_of_series(try_number: int | None, max_tries: int | None, retries: int | None) -> int:
    """
    The try number that began the task instance's current series of tries,
    from what Airflow records: a task starts with max_tries = retries; a clear
    sets max_tries = try_number + retries (airflow/models/taskinstance.py
    clear_task_instances) and the next try is try_number + 1. So the first try
    of a series is always max_tries - retries + 1, which automatic retries keep
    and a clear moves on (Airflow's own task runner computes the same for
    reschedules). 1 when Airflow gives nothing to go on.
    """
    if try_number is None or max_tries is None or max_tries < 0:
        return 1
    first = max_tries - (retries or 0) + 1
    return max(1, min(first, try_number))


def default_job_options() -> dict[str, Any]:
    """The workers' default job options (contracts/queue.json, from workers/queue.ts), a fresh copy."""
    return contracts.default_job_options()
