"""
BullMQJobOperator: adds one job to a BullMQ queue, stamped with the Airflow
run id, then defers to BullMQJobTrigger, which waits for the job in the
triggerer (no worker slot held). The task ends with the job's return value
(its XCom), or fails with the job's `failedReason`: a job interrupted by a
worker's shutdown is retried by BullMQ (the task keeps waiting) and fails
with "interrupted ..." once its attempts are spent; a job whose failed
records pass its maxFailedShare fails unrecoverable, and so does the task.

Exactly one job per series of tries: the job id is derived from the dag, the
task, the run id and the first try of the task's current series
(jobs.py derive_job_id, first_try_of_series), so an automatic retry
finds the job of its earlier try instead of adding a second one:
  - still waiting or running: wait for it again;
  - completed: return its result at once;
  - failed (its BullMQ attempts spent): retry that same job, attempts reset.
A user's clear (UI or POST .../clearTaskInstances) starts a new series of
tries (Airflow raises max_tries past the try number), hence a new job id: the
cleared task produces again rather than returning the old job's result.

Timeouts: `wait_timeout_sec` bounds the wait in the trigger (it then fails the
task with what the job was doing and how many workers serve the queue); the
Airflow deferral timeout is that plus a minute, a backstop should the trigger
itself be lost. `execution_timeout` covers only the parts run on a worker
(adding the job, reading the event).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException

from kafka_pipeline_provider import jobs
from kafka_pipeline_provider.hooks import bullmq as bullmq_hook
from kafka_pipeline_provider.triggers.bullmq import BullMQJobTrigger

# Beyond the trigger's own timeout: how long Airflow waits before it declares the deferral lost.
DEFERRAL_GRACE = timedelta(seconds=60)


class BullMQJobOperator(BaseOperator):
    """
    :param job_name: the BullMQ job name (e.g. `somedata`, `footdata`).
    :param job_data: the job's data (templated); `runId` is set to the run id
        and keys whose value is None are left out. Default: {}.
    :param queue_name: the queue (templated). Default: QUEUE_NAME's default, `producer-jobs`.
    :param redis_conn_id: Airflow connection to Redis; REDIS_URL when it is not
        defined. Default: `redis_default`.
    :param prefix: BullMQ key prefix. Default: `bull`.
    :param job_options: BullMQ job options merged over the workers' defaults
        (contracts/queue.json, from workers/queue.ts: attempts 5, BullMQ's
        exponential backoff from 2 s with jitter, completed jobs kept 7 days,
        failed 14). Default: none.
    :param wait_timeout_sec: how long the trigger waits for the job (templated,
        seconds). Default: 600.
    :param poll_interval: seconds between two looks at the job. Default: 2.
    :param enabled: when it renders false (templated: a bool, or "false"/"0"/""),
        the task is skipped without adding a job. Default: True.
    """

    template_fields = ("job_data", "queue_name", "wait_timeout_sec", "enabled")
    template_fields_renderers = {"job_data": "json"}
    ui_color = "#dc382d"  # Redis red
    ui_fgcolor = "#ffffff"

    def __init__(
        self,
        *,
        job_name: str,
        job_data: Mapping[str, Any] | str | None = None,
        queue_name: str = bullmq_hook.DEFAULT_QUEUE_NAME,
        redis_conn_id: str = "redis_default",
        prefix: str = bullmq_hook.DEFAULT_PREFIX,
        job_options: Mapping[str, Any] | None = None,
        wait_timeout_sec: int | float | str = 600,
        poll_interval: float = 2.0,
        enabled: bool | str = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not job_name:
            raise ValueError("job_name is required: the BullMQ job name the workers know (somedata, footdata)")
        if poll_interval <= 0:
            raise ValueError("poll_interval must be positive (seconds between two looks at the job)")
        self.job_name = job_name
        self.job_data = job_data if job_data is not None else {}
        self.queue_name = queue_name
        self.redis_conn_id = redis_conn_id
        self.prefix = prefix
        self.job_options = dict(job_options or {})
        self.wait_timeout_sec = wait_timeout_sec
        self.poll_interval = poll_interval
        self.enabled = enabled

    # ------------------------------------------------------------ worker side, first half

    def execute(self, context: Any) -> Any:
        if not _truthy(self.enabled):
            raise AirflowSkipException(f"job '{self.job_name}' is not selected for this run")
        try:
            run_id = jobs.check_run_id(context["run_id"])
        except bullmq_hook.BullMQClientError as error:
            raise AirflowFailException(str(error)) from error
        ti = context.get("ti")
        first_try = jobs.first_try_of_series(
            getattr(ti, "try_number", None), getattr(ti, "max_tries", None), self.retries
        )
        job_id = jobs.derive_job_id(
            self.dag_id, self.task_id, run_id, getattr(ti, "map_index", -1) if ti is not None else -1, first_try
        )
        if first_try > 1:
            self.log.info("this task was cleared (its tries start again at try %s): it runs a new job", first_try)
        data = self._job_data(run_id)
        options = {**jobs.default_job_options(), **self.job_options}
        timeout_sec = float(self.wait_timeout_sec)
        if timeout_sec <= 0:
            raise AirflowFailException(f"wait_timeout_sec must be positive, got {self.wait_timeout_sec!r}")

        redis, source = bullmq_hook.resolve_redis(self.redis_conn_id)
        self.log.info(
            "adding BullMQ job %s '%s' to queue %s (Redis %s, from %s) with data %s",
            job_id, self.job_name, self.queue_name, bullmq_hook.describe_redis(redis), source, data,
        )
        try:
            outcome = asyncio.run(self._enqueue(redis, job_id, data, options))
        except bullmq_hook.BullMQClientError as error:
            if error.retriable:
                raise AirflowException(str(error)) from error
            raise AirflowFailException(str(error)) from error
        job = outcome.job
        self.log.info("job %s %s; it is %s", job_id, _ACTIONS[outcome.action], job.state)

        if job.state == "completed":  # an earlier attempt of this task saw it through
            return self._completed(job.as_event())
        self.defer(
            trigger=BullMQJobTrigger(
                job_id=job_id,
                queue_name=self.queue_name,
                redis_conn_id=self.redis_conn_id,
                prefix=self.prefix,
                timeout_sec=timeout_sec,
                poll_interval=self.poll_interval,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=timeout_sec) + DEFERRAL_GRACE,
        )

    async def _enqueue(self, redis: str | dict[str, Any], job_id: str, data: dict[str, Any], options: dict[str, Any]):
        queue = bullmq_hook.open_queue(redis, self.queue_name, self.prefix)
        try:
            return await bullmq_hook.enqueue_once(queue, self.job_name, data, job_id, options)
        finally:
            await queue.close()

    def _job_data(self, run_id: str) -> dict[str, Any]:
        data = self.job_data
        if not isinstance(data, Mapping):
            raise AirflowFailException(f"job_data must render to a mapping, got {type(data).__name__}: {data!r}")
        data = {**{k: v for k, v in data.items() if v is not None}, "runId": run_id}
        try:
            return jobs.check_job_data(self.job_name, data)
        except bullmq_hook.BullMQClientError as error:
            raise AirflowFailException(str(error)) from error

    # ------------------------------------------------------------ worker side, after the trigger fired

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        status = event.get("status")
        job = event.get("job") or {}
        job_id = job.get("job_id")
        if status == "completed":
            return self._completed(job)
        if status == "failed":
            message = (
                f"BullMQ job {job_id} ('{self.job_name}', queue {self.queue_name}) failed after "
                f"{job.get('attempts_made')} of {job.get('attempts')} attempts: {job.get('failed_reason')}"
            )
            if job.get("attempts_made", 0) < job.get("attempts", 1):
                # It failed without spending its attempts: the worker called it unrecoverable
                # (e.g. invalid job data). Retrying the task would fail the same way.
                raise AirflowFailException(message + " (unrecoverable: not retried)")
            raise AirflowException(message)
        if status == "missing":
            raise AirflowException(
                f"BullMQ job {job_id} (queue {self.queue_name}) disappeared before it finished "
                "(removed from Redis, or Redis lost its data); a retry of this task adds it again"
            )
        if status == "timeout":
            raise AirflowException(_timeout_message(self.queue_name, event))
        raise AirflowException(f"unexpected event from BullMQJobTrigger: {event!r}")

    def _completed(self, job: dict[str, Any]) -> Any:
        result = job.get("result")
        if isinstance(result, dict) and result.get("interrupted"):
            # Workers before workers/processor.ts refused to complete interrupted jobs did so.
            raise AirflowFailException(
                f"BullMQ job {job.get('job_id')} ('{self.job_name}') completed although it was interrupted: "
                f"its {result.get('published')} record(s) are part of what it was asked for; "
                "clear this task to produce again"
            )
        self.log.info("job %s completed after %s attempt(s): %s", job.get("job_id"), job.get("attempts_made"), result)
        if isinstance(result, dict) and result.get("failed"):
            self.log.warning("job %s reports %s event(s) it could not publish", job.get("job_id"), result["failed"])
        return result


_ACTIONS = {
    "added": "added",
    "retried": "had failed in an earlier attempt of this task: retried it",
    "found": "already exists (an earlier attempt of this task added it)",
}


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "no", "none", "off")
    return bool(value)


def _timeout_message(queue_name: str, event: dict[str, Any]) -> str:
    job = event.get("job") or {}
    workers = event.get("workers")
    state = job.get("state")
    message = f"BullMQ job {job.get('job_id')} on queue {queue_name} did not finish within {event.get('waited_sec')}s: it is {state}"
    if state in bullmq_hook.NOT_RUNNING_STATES:
        if workers == 0:
            message += (
                f"; no BullMQ worker is connected to queue '{queue_name}': are the workers running? "
                "(make up, or bash infra/stack.sh up workers)"
            )
        elif workers:
            message += f"; {workers} worker(s) are connected but none took it (busy, paused queue or rate limit?)"
    elif state == "active":
        message += f" (progress {job.get('progress')!r}); the wait may be too short for this job"
    if event.get("removed"):
        message += "; the job was removed so it cannot run later; a retry of this task adds it again"
    return message
