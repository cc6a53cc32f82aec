"""
Redis and the BullMQ queue, for the operator and the trigger: where Redis is
(the Airflow connection, read by the Redis provider's RedisHook), a queue to
add and read jobs with, how a job is added exactly once, and how its state is
read. Which job a task runs (its id, data and options) is in jobs.py.

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

import logging
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kafka_pipeline_provider import contracts

if TYPE_CHECKING:
    from bullmq import Queue

log = logging.getLogger(__name__)

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379"
# QUEUE_NAME's default, as the Node services have it (contracts/queue.json).
DEFAULT_QUEUE_NAME = contracts.default_queue_name()
DEFAULT_PREFIX = "bull"

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
