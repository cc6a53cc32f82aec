"""
SinkSensor (verify_sink) and SinkTrigger against the stack's MongoDB, one fresh
database per test, reached through an Airflow connection as in production:
the sensor passes on the worker when the sink has caught up, defers to the
trigger otherwise, and the trigger passes once the events arrive, or fails
with the numbers when its wait ends. The sink group's committed offsets are a
stand-in here (hooks/kafka.py is tested against Kafka itself); that the wait
holds no worker slot in a real Airflow is test_verify_sink_slot.py.
"""

from __future__ import annotations

import asyncio

import pytest
from airflow.sdk import DAG
from airflow.sdk.exceptions import AirflowException, TaskDeferred

from kafka_pipeline_provider.hooks.kafka import KafkaOffsetsHook
from kafka_pipeline_provider.sensors.sink import SinkSensor
from kafka_pipeline_provider.triggers.sink import SinkTrigger
from test_sink_rules import MONGO_TEST_URL, RUN, db, sent, somedata_events  # noqa: F401 (db is a fixture)


@pytest.fixture
def mongo_conn(monkeypatch, db):
    """The `mongo_sensor_test` connection names the test's database; the sink group has consumed everything."""
    monkeypatch.setenv("AIRFLOW_CONN_MONGO_SENSOR_TEST", f"{MONGO_TEST_URL.replace('mongodb://', 'mongo://')}/{db.name}")
    monkeypatch.setattr(KafkaOffsetsHook, "committed_offsets", lambda self, topic, partitions, group: {p: 1000 for p in partitions})
    return "mongo_sensor_test"


def make_sensor(mongo_conn: str, results: dict, **kwargs) -> SinkSensor:
    with DAG("test_dag", schedule=None):
        return SinkSensor(task_id="verify_sink", results=results, mongo_conn_id=mongo_conn, poll_interval=0.1, **kwargs)


async def collect(trigger: SinkTrigger) -> list:
    return [event.payload async for event in trigger.run()]


def test_when_the_sink_has_caught_up_the_sensor_passes_on_the_worker_without_deferring(db, mongo_conn):
    somedata_events(db, RUN, 3)
    report = make_sensor(mongo_conn, {"somedata": sent(3), "footdata": None}).execute({"run_id": RUN})
    assert report["checked"]["somedata"] == {"published": 3, "stored": 3, "committed": {"0": 1000}}


def test_when_events_are_missing_it_defers_and_the_trigger_passes_once_they_arrive(db, mongo_conn):
    somedata_events(db, RUN, 1)
    sensor = make_sensor(mongo_conn, {"somedata": sent(3), "footdata": None}, wait_timeout_sec="30")
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute({"run_id": RUN})
    trigger = deferred.value.trigger
    assert isinstance(trigger, SinkTrigger) and deferred.value.method_name == "execute_complete"
    assert (trigger.run_id, trigger.timeout_sec, trigger.mongo_conn_id) == (RUN, 30.0, mongo_conn)

    async def scenario():
        waiting = asyncio.ensure_future(collect(trigger))
        await asyncio.sleep(0.5)
        assert not waiting.done(), "the trigger fired before the events were stored"
        await asyncio.to_thread(somedata_events, db, RUN, 2)
        return await asyncio.wait_for(waiting, timeout=20)

    events = asyncio.run(scenario())
    assert [e["status"] for e in events] == ["passed"]
    report = sensor.execute_complete({"run_id": RUN}, events[0])
    assert report["checked"]["somedata"]["stored"] == 3


def test_when_the_wait_ends_the_task_fails_with_the_numbers(db, mongo_conn):
    somedata_events(db, RUN, 1)
    trigger = SinkTrigger(run_id=RUN, results={"somedata": sent(3)}, mongo_conn_id=mongo_conn, timeout_sec=0.5, poll_interval=0.1)
    events = asyncio.run(asyncio.wait_for(collect(trigger), timeout=20))
    assert events[0]["status"] == "failed"
    with pytest.raises(AirflowException, match="MongoDB holds 1 of the 3 event"):
        make_sensor(mongo_conn, {}).execute_complete({"run_id": RUN}, events[0])


def test_a_failure_waiting_cannot_mend_fails_on_the_worker_without_deferring(db, mongo_conn):
    with pytest.raises(AirflowException, match="asked to run and published nothing"):
        make_sensor(mongo_conn, {"somedata": sent(0, failed=2)}).execute({"run_id": RUN})


def test_a_kafka_connection_librdkafka_refuses_fails_the_sensor_and_the_trigger_at_once(db, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_MONGO_SENSOR_TEST", f"{MONGO_TEST_URL.replace('mongodb://', 'mongo://')}/{db.name}")
    monkeypatch.setenv("AIRFLOW_CONN_KAFKA_BROKEN", '{"conn_type": "kafka", "extra": {"bootstrap.server": "127.0.0.1:9092"}}')
    refused = "cannot read the committed offsets of group mongo-sink: the Kafka client settings of Airflow connection 'kafka_broken' are refused"
    somedata_events(db, RUN, 3)
    sensor = make_sensor("mongo_sensor_test", {"somedata": sent(3)}, kafka_config_id="kafka_broken", wait_timeout_sec=30)
    with pytest.raises(AirflowException, match="after 0s, somedata: " + refused):
        sensor.execute({"run_id": RUN})
    trigger = SinkTrigger(run_id=RUN, results={"somedata": sent(3)}, mongo_conn_id="mongo_sensor_test", kafka_config_id="kafka_broken", timeout_sec=30)
    events = asyncio.run(asyncio.wait_for(collect(trigger), timeout=20))
    assert events[0]["status"] == "failed" and events[0]["message"].startswith(refused)
    assert "config['bootstrap.servers'] must be provided" in events[0]["message"]  # the provider's check, the setting named


def test_nothing_to_verify_when_no_producer_ran(mongo_conn):
    report = make_sensor(mongo_conn, {"somedata": None, "footdata": None}).execute({"run_id": RUN})
    assert report["note"] == "no producer ran: nothing to verify"


def test_an_unreachable_mongodb_fails_naming_the_database(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_MONGO_NOWHERE", "mongo://127.0.0.1:1/pipeline?serverSelectionTimeoutMS=300")
    monkeypatch.setattr(KafkaOffsetsHook, "committed_offsets", lambda self, topic, partitions, group: {p: 1000 for p in partitions})
    with pytest.raises(AirflowException, match="cannot read MongoDB database pipeline"):
        make_sensor("mongo_nowhere", {"somedata": sent(3)}).execute({"run_id": RUN})


def test_the_trigger_serializes_to_what_recreates_it():
    trigger = SinkTrigger(run_id=RUN, results={"somedata": sent(2), "footdata": None}, kafka_config_id="kafka_x", timeout_sec=7, poll_interval=0.5)
    classpath, kwargs = trigger.serialize()
    assert classpath == "kafka_pipeline_provider.triggers.sink.SinkTrigger" and kwargs["kafka_config_id"] == "kafka_x"
    assert SinkTrigger(**kwargs).serialize() == (classpath, kwargs)
