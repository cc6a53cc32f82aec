"""
The small BullMQ client the operator and the trigger share: where Redis is,
which job id a task uses, which job options it sends, how a job is added
exactly once, and how its state is read.

Python `bullmq` 3.4.4 runs the same Lua scripts as Node `bullmq` 6.7 (the
version the workers use), so a job added here is a job like any other for the
Node worker. `bullmq` and `redis` are imported inside the functions that need
them: this module is imported while DAG files are parsed, and parsing must
stay fast and touch no connection.

Redis is found, in order:
  1. the Airflow connection `redis_conn_id` (default `redis_default`), read by
     the Redis provider's RedisHook with its usual fields (host, port, login,
     password; extra `db`, `ssl`, `ssl_cert_reqs`, `ssl_ca_certs`, ...), e.g.
     AIRFLOW_CONN_REDIS_DEFAULT='redis://:password@127.0.0.1:6379?db=0';
  2. the REDIS_URL environment variable (the one the Node services read);
  3. redis://127.0.0.1:6379.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pipeline_contracts

if TYPE_CHECKING:
    from bullmq import Queue

log = logging.getLogger(__name__)

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379"
# QUEUE_NAME's default, as the Node services have it (contracts/queue.json).
DEFAULT_QUEUE_NAME = pipeline_contracts.default_queue_name()
DEFAULT_PREFIX = "bull"

# A custom BullMQ job id: no ':' (BullMQ's key separator), and "job:<jobId>"
# must fit the events' source (contracts/event-envelope.schema.json).
JOB_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,200}$")

# Job states (BullMQ getState) in which no worker has taken the job yet, or it
# waits between two attempts.
NOT_RUNNING_STATES = frozenset({"waiting", "wait", "delayed", "prioritized", "paused"})


class BullMQClientError(Exception):
    """A job cannot be added or read; `retriable` says whether trying again may help."""

    def __init__(self, message: str, *, retriable: bool = True, job_id: str | None = None):
        super().__init__(message)
        self.retriable = retriable
        self.job_id = job_id


# ---------------------------------------------------------------- where Redis is


# What bullmq's redis.asyncio client takes from the connection RedisHook builds.
_REDIS_FIELDS = ("host", "port", "username", "password", "db")
_REDIS_SSL_FIELDS = ("ssl_cert_reqs", "ssl_ca_certs", "ssl_keyfile", "ssl_certfile", "ssl_check_hostname")


def redis_options_from_hook(conn_id: str) -> dict[str, Any]:
    """
    The Airflow connection `conn_id` read by RedisHook (apache-airflow-providers-redis):
    host, port, login, password, extra `db` and the extra's `ssl*` fields, as
    Airflow documents them. Raises AirflowNotFoundException when there is none.
    The hook's client is synchronous; its settings go to bullmq's asyncio client.
    """
    from airflow.providers.redis.hooks.redis import RedisHook
    from redis.connection import SSLConnection

    client = RedisHook(redis_conn_id=conn_id).get_conn()  # builds the client, connects on first use only
    pool = client.connection_pool
    kwargs = pool.connection_kwargs
    options = {k: kwargs[k] for k in _REDIS_FIELDS if kwargs.get(k) not in (None, "")}
    options.setdefault("host", "127.0.0.1")
    if issubclass(pool.connection_class, SSLConnection):
        options["ssl"] = True
        options.update({k: kwargs[k] for k in _REDIS_SSL_FIELDS if kwargs.get(k) is not None})
    client.close()
    return options


def _fallback_redis_url(conn_id: str) -> tuple[str, str]:
    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    source = "REDIS_URL" if os.environ.get("REDIS_URL") else "the default"
    return url, f"{source} (no Airflow connection '{conn_id}')"


def resolve_redis(conn_id: str) -> tuple[str | dict[str, Any], str]:
    """(bullmq connection: options or URL, where it came from) for the operator, which runs in a worker."""
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return redis_options_from_hook(conn_id), f"Airflow connection '{conn_id}'"
    except AirflowNotFoundException:
        return _fallback_redis_url(conn_id)


async def aresolve_redis(conn_id: str) -> tuple[str | dict[str, Any], str]:
    """The same, for the trigger: the hook reads the connection synchronously, so off the event loop."""
    from asgiref.sync import sync_to_async

    return await sync_to_async(resolve_redis)(conn_id)


def describe_redis(target: str | dict[str, Any]) -> str:
    """Where Redis is, safe to log (no password)."""
    if isinstance(target, str):
        return redact_url(target)
    scheme = "rediss" if target.get("ssl") else "redis"
    user = f"{target['username']}@" if target.get("username") else ""
    return f"{scheme}://{user}{target.get('host')}:{target.get('port') or 6379}/{target.get('db') or 0}"


def redact_url(url: str) -> str:
    """A URL safe to log: the password, if any, replaced."""
    return re.sub(r"//([^:@/]*):[^@/]*@", r"//\1:[redacted]@", url)


# ---------------------------------------------------------------- which job


def check_run_id(run_id: str) -> str:
    """The run id, when the events can carry it (contracts/run-id.schema.json, the worker's own rule)."""
    problem = pipeline_contracts.run_id_problem(run_id)
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
    if job_name not in pipeline_contracts.job_names():
        return data
    problems = pipeline_contracts.job_data_problems(job_name, data)
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
    return pipeline_contracts.default_job_options()


# ---------------------------------------------------------------- what a job is doing


@dataclass
class JobSnapshot:
    """One look at a job: its state and, once finished, how it ended."""

    job_id: str
    state: str  # completed | failed | active | waiting | delayed | prioritized | waiting-children | unknown
    name: str | None = None
    result: Any = None
    failed_reason: str | None = None
    attempts_made: int = 0
    attempts: int = 0
    progress: Any = None
    processed_on: int | None = None
    finished_on: int | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("completed", "failed")

    def as_event(self) -> dict[str, Any]:
        """A JSON-serialisable summary (what a TriggerEvent carries)."""
        return {
            "job_id": self.job_id,
            "state": self.state,
            "result": self.result,
            "failed_reason": self.failed_reason,
            "attempts_made": self.attempts_made,
            "attempts": self.attempts,
            "progress": self.progress,
            "processed_on": self.processed_on,
            "finished_on": self.finished_on,
        }


def open_queue(redis: str | dict[str, Any], queue_name: str, prefix: str = DEFAULT_PREFIX) -> Queue:
    """A bullmq Queue on `redis` (a URL or redis.asyncio options); a client that adds and reads jobs. Close it."""
    from bullmq import Queue

    return Queue(queue_name, {"connection": redis, "prefix": prefix})


async def snapshot(queue: Queue, job_id: str) -> JobSnapshot:
    """The job's state, and its outcome when it has finished."""
    from bullmq import Job

    state = await queue.getJobState(job_id)
    if state == "unknown":
        return JobSnapshot(job_id=job_id, state=state)
    job = await Job.fromId(queue, job_id)
    if job is None:  # removed between the two reads
        return JobSnapshot(job_id=job_id, state="unknown")
    return JobSnapshot(
        job_id=job_id,
        state=state,
        name=job.name,
        result=job.returnvalue if state == "completed" else None,
        failed_reason=job.failedReason if state == "failed" else None,
        attempts_made=job.attemptsMade,
        attempts=int(job.opts.get("attempts") or 1),
        progress=job.progress,
        processed_on=job.processedOn or None,
        finished_on=job.finishedOn or None,
    )


@dataclass
class EnqueueOutcome:
    action: str  # added | retried | found
    job: JobSnapshot


async def enqueue_once(
    queue: Queue, job_name: str, data: dict[str, Any], job_id: str, options: dict[str, Any]
) -> EnqueueOutcome:
    """
    Make sure job `job_id` exists and is not stuck in `failed`:
      - absent: add it (adding an id that exists is a no-op in BullMQ, so two
        racing callers still make one job);
      - failed (a previous task attempt gave up on it): retry that job, with
        its attempts reset, rather than adding another;
      - anything else (waiting, active, delayed, completed): leave it.
    """
    current = await snapshot(queue, job_id)
    if current.state == "unknown":
        await queue.add(job_name, data, {**options, "jobId": job_id})
        return EnqueueOutcome("added", await snapshot(queue, job_id))
    if current.name != job_name:
        raise BullMQClientError(
            f"job id {job_id} already belongs to a '{current.name}' job, not '{job_name}'",
            retriable=False,
            job_id=job_id,
        )
    if current.state == "failed":
        from bullmq import Job

        job = await Job.fromId(queue, job_id)
        await job.retry("failed", {"resetAttemptsMade": True, "resetAttemptsStarted": True})
        return EnqueueOutcome("retried", await snapshot(queue, job_id))
    return EnqueueOutcome("found", current)


async def remove_if_not_started(queue: Queue, job_id: str) -> bool:
    """Remove the job if no worker holds it (a run that gives up leaves no orphan job behind)."""
    state = await queue.getJobState(job_id)
    if state not in NOT_RUNNING_STATES:
        return False
    try:
        await queue.remove(job_id)
    except Exception as error:  # taken by a worker meanwhile: it is locked, leave it
        log.info("job %s not removed: %s", job_id, error)
        return False
    return await queue.getJobState(job_id) == "unknown"


async def workers_count(queue: Queue) -> int | None:
    """How many workers serve the queue (CLIENT LIST); None when Redis does not say."""
    try:
        return await queue.get_workers_count()
    except Exception:  # some managed Redis forbid CLIENT LIST
        return None
