"""
BullMQJobTrigger: waits in the triggerer for one BullMQ job to finish, without
holding a worker slot, and fires one event saying how it ended:

  {"status": "completed", "job": {... "result": <the job's return value>}}
  {"status": "failed",    "job": {... "failed_reason": "...", "attempts_made": 5}}
  {"status": "missing",   "job": {...}}   the job is gone (removed from Redis)
  {"status": "timeout",   "job": {...}, "waited_sec": ..., "workers": N, "removed": bool}

It polls the job's state (one small Lua call every `poll_interval` seconds)
rather than reading the queue's event stream: polling cannot miss an event
that happened while the trigger was moving between triggerers.
"""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from kafka_pipeline_provider.hooks import bullmq as bullmq_hook

CLASSPATH = "kafka_pipeline_provider.triggers.bullmq.BullMQJobTrigger"


class BullMQJobTrigger(BaseTrigger):
    """
    :param job_id: the job to wait for.
    :param queue_name: its queue. Default: producer-jobs.
    :param redis_conn_id: the Airflow connection to Redis (REDIS_URL when it is
        not defined; see hooks/bullmq.py). Default: redis_default.
    :param prefix: BullMQ key prefix. Default: bull.
    :param timeout_sec: give up after this many seconds and fire a "timeout"
        event that says what the job was doing and how many workers serve the
        queue. Default: 600.
    :param poll_interval: seconds between two looks at the job. Default: 2.
    :param remove_on_timeout: on timeout, remove the job if no worker has taken
        it yet, so a run that gave up leaves no job behind to run later (a
        retry of the task adds it again). Default: True.
    """

    def __init__(
        self,
        *,
        job_id: str,
        queue_name: str = bullmq_hook.DEFAULT_QUEUE_NAME,
        redis_conn_id: str = "redis_default",
        prefix: str = bullmq_hook.DEFAULT_PREFIX,
        timeout_sec: float = 600,
        poll_interval: float = 2.0,
        remove_on_timeout: bool = True,
    ):
        super().__init__()
        if poll_interval <= 0:
            raise ValueError("poll_interval must be positive (seconds between two looks at the job)")
        self.job_id = job_id
        self.queue_name = queue_name
        self.redis_conn_id = redis_conn_id
        self.prefix = prefix
        self.timeout_sec = timeout_sec
        self.poll_interval = poll_interval
        self.remove_on_timeout = remove_on_timeout

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            CLASSPATH,
            {
                "job_id": self.job_id,
                "queue_name": self.queue_name,
                "redis_conn_id": self.redis_conn_id,
                "prefix": self.prefix,
                "timeout_sec": self.timeout_sec,
                "poll_interval": self.poll_interval,
                "remove_on_timeout": self.remove_on_timeout,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        # Import bullmq (half a second) off the triggerer's event loop, which other triggers share.
        await asyncio.to_thread(importlib.import_module, "bullmq")
        redis, source = await bullmq_hook.aresolve_redis(self.redis_conn_id)
        self.log.info(
            "waiting for BullMQ job %s on queue %s (Redis %s, from %s), at most %ss",
            self.job_id, self.queue_name, bullmq_hook.describe_redis(redis), source, self.timeout_sec,
        )
        queue = bullmq_hook.open_queue(redis, self.queue_name, self.prefix)
        started = time.monotonic()
        last_state = None
        try:
            while True:
                job = await bullmq_hook.snapshot(queue, self.job_id)
                if job.state != last_state:
                    self.log.info("job %s is %s (attempts made: %s)", self.job_id, job.state, job.attempts_made)
                    last_state = job.state
                if job.state == "completed":
                    yield TriggerEvent({"status": "completed", "job": job.as_event()})
                    return
                if job.state == "failed":
                    yield TriggerEvent({"status": "failed", "job": job.as_event()})
                    return
                if job.state == "unknown":
                    yield TriggerEvent({"status": "missing", "job": job.as_event()})
                    return
                waited = time.monotonic() - started
                if waited >= self.timeout_sec:
                    workers = await bullmq_hook.workers_count(queue)
                    removed = False
                    if self.remove_on_timeout:
                        removed = await bullmq_hook.remove_if_not_started(queue, self.job_id)
                    yield TriggerEvent(
                        {
                            "status": "timeout",
                            "job": job.as_event(),
                            "waited_sec": round(waited, 1),
                            "workers": workers,
                            "removed": removed,
                        }
                    )
                    return
                await asyncio.sleep(min(self.poll_interval, max(self.timeout_sec - waited, 0.05)))
        finally:
            await queue.close()
