"""
BullMQJobOperator and BullMQJobTrigger against a real Redis (the stack's :6379),
one fresh queue per test. A small Python bullmq Worker plays the Node worker's
part; test_node_compat.py drives the real Node bullmq 6.7 worker code.
"""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest
from airflow.sdk import DAG
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException, TaskDeferred

from kafka_pipeline_provider import jobs
from kafka_pipeline_provider.hooks import bullmq as bullmq_hook
from kafka_pipeline_provider.operators.bullmq import BullMQJobOperator
from kafka_pipeline_provider.triggers.bullmq import BullMQJobTrigger

RUN_ID = "manual__2026-11-24T10:00:00.123456+00:00"


def make_operator(queue_name: str, **kwargs) -> BullMQJobOperator:
    with DAG("test_dag", schedule=None):
        return BullMQJobOperator(
            task_id=kwargs.pop("task_id", "produce"),
            job_name=kwargs.pop("job_name", "somedata"),
            queue_name=queue_name,
            job_data=kwargs.pop("job_data", {"durationSec": 5, "intervalSec": 1, "maxEvents": None}),
            **kwargs,
        )


def context(run_id: str = RUN_ID, try_number: int = 1, max_tries: int = 0) -> dict:
    """What Airflow gives a task: a first try has max_tries = retries (0 for make_operator's default)."""
    return {"run_id": run_id, "ti": SimpleNamespace(map_index=-1, try_number=try_number, max_tries=max_tries)}


def execute_until_deferred(op: BullMQJobOperator, run_id: str = RUN_ID, **tries) -> BullMQJobTrigger:
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(context(run_id, **tries))
    assert deferred.value.method_name == "execute_complete"
    return deferred.value.trigger


async def collect(trigger: BullMQJobTrigger) -> list:
    return [event async for event in trigger.run()]


async def run_trigger_with_worker(trigger: BullMQJobTrigger, redis_url: str, queue_name: str, processor):
    """Run the trigger while a Python bullmq Worker serves the queue with `processor`."""
    from bullmq import Worker

    worker = Worker(queue_name, processor, {"connection": redis_url})
    try:
        return await asyncio.wait_for(collect(trigger), timeout=30)
    finally:
        # The job has ended by now. bullmq's graceful close() waits for the worker's own tasks,
        # and once (a CI run) waited for ever after an UnrecoverableError: force it, and bound it
        # (close() swallows a cancellation, so wait on it rather than wait_for it).
        closing = asyncio.ensure_future(worker.close(force=True))
        done, _ = await asyncio.wait({closing}, timeout=15)
        assert done, "bullmq's Worker.close(force=True) did not return within 15 s"


async def job_ids(redis_url: str, queue_name: str) -> list[str]:
    queue = bullmq_hook.open_queue(redis_url, queue_name)
    try:
        jobs = await queue.getJobs(["waiting", "active", "completed", "failed", "delayed", "prioritized"])
        return [job.id for job in jobs]
    finally:
        await queue.close()


async def read_job(redis_url: str, queue_name: str, job_id: str):
    queue = bullmq_hook.open_queue(redis_url, queue_name)
    try:
        from bullmq import Job

        return await Job.fromId(queue, job_id)
    finally:
        await queue.close()


# ---------------------------------------------------------------- pure helpers


def test_job_id_is_stable_per_task_and_run_and_has_no_colon():
    a = jobs.derive_job_id("kafka_pipeline", "produce_somedata", RUN_ID)
    assert a == jobs.derive_job_id("kafka_pipeline", "produce_somedata", RUN_ID)
    assert a.startswith("kafka_pipeline-produce_somedata-") and len(a.rsplit("-", 1)[1]) == 16
    assert ":" not in a and jobs.JOB_ID_PATTERN.match(a)
    assert a != jobs.derive_job_id("kafka_pipeline", "produce_somedata", RUN_ID + "x")
    assert a != jobs.derive_job_id("kafka_pipeline", "produce_footdata", RUN_ID)
    odd = jobs.derive_job_id("dag with spaces:and:colons", "t@sk", "r", map_index=3)
    assert jobs.JOB_ID_PATTERN.match(odd) and "-3-" in odd


def test_the_first_try_of_a_series_is_kept_by_retries_and_moved_by_a_clear():
    first = jobs.first_try_of_series
    # retries=2: tries 1, 2, 3 are one series (max_tries stays 2).
    assert [first(t, 2, 2) for t in (1, 2, 3)] == [1, 1, 1]
    # Cleared after try 3: max_tries = 3 + 2, the next tries are 4, 5, 6.
    assert [first(t, 5, 2) for t in (4, 5, 6)] == [4, 4, 4]
    # Cleared again after try 4 (it succeeded): max_tries = 4 + 2.
    assert first(5, 6, 2) == 5
    # Nothing recorded (a hand-made context), or retries raised since the task started: the first series.
    assert first(None, None, 2) == 1 and first(1, 0, 3) == 1
    assert jobs.derive_job_id("d", "t", RUN_ID, -1, 1) == jobs.derive_job_id("d", "t", RUN_ID)
    cleared = jobs.derive_job_id("d", "t", RUN_ID, -1, 4)
    assert "-t4-" in cleared and jobs.JOB_ID_PATTERN.match(cleared)


@pytest.mark.parametrize(
    "run_id", ["manual__2026-11-24T10:00:00+00:00", "scheduled__2026-11-24T10:05:00+00:00", "rest test@me.+1"]
)
def test_airflow_run_ids_are_accepted_as_event_run_ids(run_id):
    assert jobs.check_run_id(run_id) == run_id


# "manual__café": Python's \w takes é, the worker's RunId does not, so it was
# enqueued and then failed in the worker; a trailing newline passed Python's `$`.
@pytest.mark.parametrize("run_id", ["", "a~b", "x" * 251, "semi;colon", "manual__café", "manual__ok\n", "٣"])
def test_run_ids_the_events_cannot_carry_are_refused(run_id):
    with pytest.raises(bullmq_hook.BullMQClientError) as error:
        jobs.check_run_id(run_id)
    assert not error.value.retriable


def test_the_job_options_are_the_workers_defaults_from_the_contracts_folder():
    on_disk = json.loads((bullmq_hook.contracts.contracts_dir() / "queue.json").read_text())
    assert jobs.default_job_options() == on_disk["defaultJobOptions"]
    assert jobs.default_job_options()["backoff"]["type"] == "exponential"  # BullMQ's own, with jitter
    assert bullmq_hook.DEFAULT_QUEUE_NAME == on_disk["defaultName"] == "producer-jobs"


@pytest.mark.parametrize(
    "data, field",
    [
        ({"durationSec": 0}, "durationSec"),
        ({"durationSec": 3601}, "durationSec"),
        ({"maxEvents": 1_000_001}, "maxEvents"),
        ({"intervalSec": "10"}, "intervalSec"),
        ({"bogus": 1}, "bogus"),
    ],
)
def test_job_data_the_worker_would_refuse_is_refused_before_it_is_enqueued(data, field):
    with pytest.raises(bullmq_hook.BullMQClientError) as error:
        jobs.check_job_data("somedata", {**data, "runId": RUN_ID})
    assert field in str(error.value) and not error.value.retriable
    assert jobs.check_job_data("somedata", {"durationSec": 3600, "runId": RUN_ID})


def test_redis_is_read_through_the_providers_hook_with_airflows_usual_fields(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_REDIS_HOOKED",
        json.dumps({"conn_type": "redis", "host": "redis.local", "port": 6380, "password": "p@ss/word",
                    "extra": {"db": 2, "ssl": True, "ssl_cert_reqs": "required"}}),
    )
    options, source = bullmq_hook.resolve_redis("redis_hooked")
    assert options == {"host": "redis.local", "port": 6380, "password": "p@ss/word", "db": 2,
                       "ssl": True, "ssl_cert_reqs": "required", "ssl_check_hostname": True}
    assert "redis_hooked" in source
    assert bullmq_hook.describe_redis(options) == "rediss://redis.local:6380/2"  # no password
    assert bullmq_hook.redact_url("redis://u:secret@h:1/0") == "redis://u:[redacted]@h:1/0"
    monkeypatch.setenv("AIRFLOW_CONN_REDIS_PLAIN", "redis://:pw@127.0.0.1:6379")
    assert bullmq_hook.resolve_redis("redis_plain")[0] == {"host": "127.0.0.1", "port": 6379, "password": "pw"}


def test_redis_falls_back_to_REDIS_URL_without_a_connection(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_REDIS_NOPE", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://elsewhere:6379")
    url, source = bullmq_hook.resolve_redis("redis_nope")
    assert url == "redis://elsewhere:6379" and "REDIS_URL" in source


def test_a_producer_not_selected_is_skipped_without_touching_redis(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_REDIS_DEFAULT", "redis://127.0.0.1:1")  # nothing listens there
    op = make_operator("unused", enabled="False")
    with pytest.raises(AirflowSkipException):
        op.execute(context())


# ---------------------------------------------------------------- against Redis


def test_the_job_carries_the_run_id_and_the_workers_default_options(redis_url, redis_conn, queue_name):
    op = make_operator(queue_name)
    trigger = execute_until_deferred(op)
    job = asyncio.run(read_job(redis_url, queue_name, trigger.job_id))
    assert job.name == "somedata"
    assert job.data == {"durationSec": 5, "intervalSec": 1, "runId": RUN_ID}  # None values left out
    assert job.opts["attempts"] == 5
    assert job.opts["backoff"] == {"type": "exponential", "delay": 2000, "jitter": 0.5}  # contracts/queue.json
    assert trigger.job_id == jobs.derive_job_id("test_dag", "produce", RUN_ID)


def test_the_same_run_twice_adds_one_job(redis_url, redis_conn, queue_name):
    first = execute_until_deferred(make_operator(queue_name))
    second = execute_until_deferred(make_operator(queue_name))  # a retry of the task
    assert first.job_id == second.job_id
    assert asyncio.run(job_ids(redis_url, queue_name)) == [first.job_id]
    execute_until_deferred(make_operator(queue_name), run_id=RUN_ID + "-other")
    assert len(asyncio.run(job_ids(redis_url, queue_name))) == 2


def test_bullmq_itself_ignores_a_second_add_with_the_same_id(redis_url, queue_name):
    async def scenario():
        queue = bullmq_hook.open_queue(redis_url, queue_name)
        try:
            await queue.add("somedata", {"n": 1}, {"jobId": "same-id"})
            await queue.add("somedata", {"n": 2}, {"jobId": "same-id"})
            jobs = await queue.getJobs(["waiting"])
            return [(job.id, job.data) for job in jobs]
        finally:
            await queue.close()

    assert asyncio.run(scenario()) == [("same-id", {"n": 1})]


def test_the_task_returns_the_jobs_result(redis_url, redis_conn, queue_name):
    result = {"published": 3, "failed": 0, "topic": "somedata", "firstOffset": "0", "lastOffset": "2"}
    seen = []

    async def processor(job, token):
        seen.append(job.data)
        return result

    op = make_operator(queue_name)
    trigger = execute_until_deferred(op)
    events = asyncio.run(run_trigger_with_worker(trigger, redis_url, queue_name, processor))
    assert [e.payload["status"] for e in events] == ["completed"]
    assert seen == [{"durationSec": 5, "intervalSec": 1, "runId": RUN_ID}]
    assert op.execute_complete(context(), events[0].payload) == result
    # A retry of the task after the job completed returns the result without waiting.
    assert make_operator(queue_name).execute(context()) == result


def test_a_failed_job_fails_the_task_with_its_reason_and_a_retry_retries_that_job(redis_url, redis_conn, queue_name):
    calls = []

    async def failing(job, token):
        calls.append(job.id)
        raise RuntimeError("API unreachable: connect ECONNREFUSED 127.0.0.1:5000")

    op = make_operator(queue_name, job_options={"attempts": 2, "backoff": {"type": "fixed", "delay": 50}})
    trigger = execute_until_deferred(op)
    events = asyncio.run(run_trigger_with_worker(trigger, redis_url, queue_name, failing))
    payload = events[0].payload
    assert payload["status"] == "failed" and payload["job"]["attempts_made"] == 2
    with pytest.raises(AirflowException) as error:
        op.execute_complete(context(), payload)
    assert not isinstance(error.value, AirflowFailException)  # Airflow may retry it
    assert "failed after 2 of 2 attempts: API unreachable: connect ECONNREFUSED" in str(error.value)

    # The task's retry: the same job goes back to waiting (not a second job), and can now succeed.
    retry = execute_until_deferred(make_operator(queue_name))
    assert retry.job_id == trigger.job_id
    assert asyncio.run(job_ids(redis_url, queue_name)) == [trigger.job_id]

    async def succeeding(job, token):
        return {"published": 1, "failed": 0, "topic": "somedata"}

    events = asyncio.run(run_trigger_with_worker(retry, redis_url, queue_name, succeeding))
    assert events[0].payload["status"] == "completed"
    assert calls == [trigger.job_id, trigger.job_id]


def test_an_unrecoverable_job_failure_is_not_retried_by_airflow(redis_url, redis_conn, queue_name):
    from bullmq import UnrecoverableError

    async def invalid(job, token):
        raise UnrecoverableError("invalid job data: durationSec must be at most 3600")

    op = make_operator(queue_name)
    trigger = execute_until_deferred(op)
    events = asyncio.run(run_trigger_with_worker(trigger, redis_url, queue_name, invalid))
    with pytest.raises(AirflowFailException) as error:
        op.execute_complete(context(), events[0].payload)
    assert "durationSec must be at most 3600" in str(error.value) and "unrecoverable" in str(error.value)


def test_a_job_that_lost_too_many_records_or_completed_interrupted_fails_the_task_for_good(
    redis_url, redis_conn, queue_name
):
    from bullmq import UnrecoverableError

    async def lossy(job, token):
        raise UnrecoverableError("10 of 100 record(s) failed (10%), more than the 5% a job may lose (maxFailedShare)")

    op = make_operator(queue_name)
    events = asyncio.run(run_trigger_with_worker(execute_until_deferred(op), redis_url, queue_name, lossy))
    with pytest.raises(AirflowFailException, match=r"failed \(10%\), more than the 5% a job may lose"):
        op.execute_complete(context(), events[0].payload)
    # An older worker completed interrupted jobs: the task does not pass them off as done.
    interrupted = {"status": "completed", "job": {"job_id": "j", "result": {"published": 2, "interrupted": True}}}
    with pytest.raises(AirflowFailException, match="completed although it was interrupted"):
        op.execute_complete(context(), interrupted)


def test_with_no_worker_the_wait_ends_with_a_clear_message_and_leaves_no_job(redis_url, redis_conn, queue_name):
    op = make_operator(queue_name, wait_timeout_sec=1, poll_interval=0.2)
    trigger = execute_until_deferred(op)
    assert trigger.timeout_sec == 1
    events = asyncio.run(asyncio.wait_for(collect(trigger), timeout=20))
    payload = events[0].payload
    assert payload["status"] == "timeout" and payload["workers"] == 0 and payload["removed"] is True
    with pytest.raises(AirflowException) as error:
        op.execute_complete(context(), payload)
    message = str(error.value)
    assert f"on queue {queue_name} did not finish within" in message
    assert f"no BullMQ worker is connected to queue '{queue_name}'" in message
    assert "are the workers running?" in message
    assert asyncio.run(job_ids(redis_url, queue_name)) == []


def test_a_job_removed_while_waited_for_is_reported_missing(redis_url, redis_conn, queue_name):
    op = make_operator(queue_name, poll_interval=0.2)
    trigger = execute_until_deferred(op)

    async def scenario():
        queue = bullmq_hook.open_queue(redis_url, queue_name)
        try:
            await queue.remove(trigger.job_id)
        finally:
            await queue.close()
        return await asyncio.wait_for(collect(trigger), timeout=10)

    events = asyncio.run(scenario())
    assert events[0].payload["status"] == "missing"
    with pytest.raises(AirflowException, match="disappeared before it finished"):
        op.execute_complete(context(), events[0].payload)


def test_the_trigger_serializes_to_what_recreates_it():
    trigger = BullMQJobTrigger(job_id="j", queue_name="q", timeout_sec=7, poll_interval=0.5)
    classpath, kwargs = trigger.serialize()
    assert classpath == "kafka_pipeline_provider.triggers.bullmq.BullMQJobTrigger"
    again = BullMQJobTrigger(**kwargs)
    assert again.serialize() == (classpath, kwargs)


def test_an_automatic_retry_finds_the_completed_job_and_a_users_clear_produces_again(redis_url, redis_conn, queue_name):
    runs = []

    async def processor(job, token):
        runs.append(job.id)
        return {"published": len(runs), "failed": 0, "topic": "somedata"}

    op = make_operator(queue_name, retries=2)
    # Try 1 of 3 (max_tries = retries = 2): adds the job; a worker completes it.
    trigger = execute_until_deferred(op, try_number=1, max_tries=2)
    events = asyncio.run(run_trigger_with_worker(trigger, redis_url, queue_name, processor))
    assert op.execute_complete(context(), events[0].payload) == {"published": 1, "failed": 0, "topic": "somedata"}

    # Try 2, an automatic retry (say verify failed over a lost XCom): the same job, its result, nothing produced.
    assert make_operator(queue_name, retries=2).execute(context(try_number=2, max_tries=2))["published"] == 1
    assert runs == [trigger.job_id]

    # The user clears the task after try 2: Airflow sets max_tries = 2 + 2; try 3 must produce again.
    cleared = execute_until_deferred(make_operator(queue_name, retries=2), try_number=3, max_tries=4)
    assert cleared.job_id != trigger.job_id
    events = asyncio.run(run_trigger_with_worker(cleared, redis_url, queue_name, processor))
    assert op.execute_complete(context(), events[0].payload)["published"] == 2
    # ...and its own retry (try 4, same series) finds that second job.
    assert make_operator(queue_name, retries=2).execute(context(try_number=4, max_tries=4))["published"] == 2
    assert runs == [trigger.job_id, cleared.job_id]
    assert sorted(asyncio.run(job_ids(redis_url, queue_name))) == sorted([trigger.job_id, cleared.job_id])
