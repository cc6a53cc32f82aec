"""
The DAG folder parses with no import errors, the DAG has the shape the design
asks for, and parsing opens no connection and imports no client library.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from conftest import DAGS, PLUGINS

# Runs in a fresh interpreter, so sys.modules tells what parsing itself imported.
PARSE_PROBE = r"""
import json, socket, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
attempts = []
real_connect = socket.socket.connect
def refuse(self, address):
    attempts.append(repr(address))
    raise OSError("parsing must not open connections")
socket.socket.connect = refuse
socket.create_connection = lambda address, *a, **k: refuse(None, address)
from airflow.dag_processing.dagbag import DagBag
before = set(sys.modules)
bag = DagBag(dag_folder=sys.argv[2])
imported = sorted({m.split(".")[0] for m in set(sys.modules) - before})
print(json.dumps({
    "errors": {k: str(v) for k, v in bag.import_errors.items()},
    "dags": sorted(bag.dags),
    "connects": attempts,
    "imported": imported,
}))
"""


@pytest.fixture(scope="module")
def dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    return bag.dags["kafka_pipeline"]


def test_the_dag_folder_parses_without_connections_or_client_libraries():
    env = {**os.environ, "AIRFLOW_CONN_REDIS_DEFAULT": "redis://127.0.0.1:6379", "AIRFLOW_CONN_MONGO_DEFAULT": "mongo://127.0.0.1:27017/pipeline"}
    out = subprocess.run(
        [sys.executable, "-c", PARSE_PROBE, str(PLUGINS), str(DAGS)],
        capture_output=True, text=True, timeout=120, env=env, check=True,
    ).stdout
    report = json.loads(out.strip().splitlines()[-1])
    assert report["errors"] == {}
    assert report["dags"] == ["football_season", "insights", "kafka_pipeline"]
    assert report["connects"] == []
    heavy = {"bullmq", "redis", "pymongo", "msgpack", "confluent_kafka"} & set(report["imported"])
    assert not heavy, f"parsing imported {heavy}: import them inside tasks/execute"


def test_two_producers_run_in_parallel_then_verify_sink(dag):
    tasks = {t.task_id: t for t in dag.tasks}
    assert set(tasks) == {"produce_somedata", "produce_footdata", "verify_sink"}
    assert tasks["produce_somedata"].upstream_task_ids == set()
    assert tasks["produce_footdata"].upstream_task_ids == set()
    assert tasks["verify_sink"].upstream_task_ids == {"produce_somedata", "produce_footdata"}
    # verify_sink checks what ran: a skipped producer does not skip it, a failed one does.
    assert tasks["verify_sink"].trigger_rule == "none_failed_min_one_success"
    # It waits deferred to the triggerer (test_verify_sink_slot.py), a sensor holding no worker slot.
    assert type(tasks["verify_sink"]).__name__ == "SinkSensor" and tasks["verify_sink"].retries == 1
    for name in ("produce_somedata", "produce_footdata"):
        assert type(tasks[name]).__name__ == "BullMQJobOperator"
        assert tasks[name].retries == 2 and tasks[name].execution_timeout == timedelta(minutes=2)
    assert tasks["produce_somedata"].job_name == "somedata"
    assert tasks["produce_footdata"].job_name == "footdata"


def test_dag_settings(dag):
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert dag.schedule == "*/5 * * * *"
    assert dag.doc_md and dag.doc_md.lstrip().startswith("### kafka_pipeline")
    assert dag.render_template_as_native_obj is True
    params = dag.params.dump()
    assert params == {
        "producers": ["somedata", "footdata"],
        "somedata_duration_sec": 120,
        "somedata_interval_sec": 10,
        "somedata_max_events": None,
        "verify_timeout_sec": 60,
    }
    # Built from the job's schema in contracts/, not retyped: the same bounds the worker applies.
    from kafka_pipeline_provider import contracts

    somedata = contracts.job_data_schema("somedata")["properties"]
    assert dag.params.get_param("somedata_duration_sec").schema["maximum"] == somedata["durationSec"]["maximum"]
    assert dag.params.get_param("somedata_max_events").schema["maximum"] == somedata["maxEvents"]["maximum"]


@pytest.mark.parametrize("value,schedule", [("0 * * * *", "0 * * * *"), ("@hourly", "@hourly"), ("none", None)])
def test_the_schedule_comes_from_KAFKA_PIPELINE_SCHEDULE(monkeypatch, value, schedule):
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("KAFKA_PIPELINE_SCHEDULE", value)
    assert DagBag(dag_folder=str(DAGS)).dags["kafka_pipeline"].schedule == schedule


def test_params_reject_what_the_worker_would_reject(dag):
    from airflow.sdk import ParamsDict

    bad = [
        {"producers": ["somedata", "other"]},
        {"somedata_duration_sec": 0},
        {"somedata_duration_sec": 3601},
        {"somedata_interval_sec": -1},
        {"somedata_max_events": 0},
    ]
    for conf in bad:
        params = ParamsDict({k: v for k, v in dag.params.items()})
        with pytest.raises(Exception):
            params.update(conf)
            params.validate()
