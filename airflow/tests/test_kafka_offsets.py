"""
plugins/kafka_pipeline_provider/hooks/kafka.py (KafkaOffsetsHook, on the Apache
Kafka provider) against the stack's Kafka (KAFKA_BROKERS, default :9092 and
:9093), reached through an Airflow connection as in production: the offsets it
reads are those a KafkaJS consumer committed, and those KafkaJS's admin client
reads for the sink's real group; an unknown group, a host that does not
resolve, a port with no broker or no Kafka behind it, and settings librdkafka
refuses each end in an error that says so, never in a wait.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid

import pytest

from conftest import REPO_DIR, need, port_open
from kafka_pipeline_provider.hooks.kafka import DEFAULT_BROKERS, KafkaOffsetsError, KafkaOffsetsHook

BROKERS = os.environ.get("KAFKA_BROKERS") or DEFAULT_BROKERS
SECURED = {
    "bootstrap.servers": "127.0.0.1:9192",
    "security.protocol": "SASL_SSL",
    "sasl.mechanism": "SCRAM-SHA-512",
    "sasl.username": "someone",
    "sasl.password": "n0t-in-any-message",
}

FETCH_WITH_KAFKAJS = """
const { Kafka, logLevel } = require('kafkajs');
const [brokers, group, topic] = process.argv.slice(1);
const admin = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
admin.connect()
  .then(() => admin.fetchOffsets({ groupId: group, topics: [topic] }))
  .then((topics) => { console.log(JSON.stringify(topics[0].partitions)); return admin.disconnect(); })
  .catch((error) => { console.error(error); process.exit(1); });
"""


def connection(monkeypatch, extra: dict, name: str | None = None) -> str:
    """An Airflow connection of type kafka with `extra` as its librdkafka settings; returns its id."""
    name = name or f"kafka_test_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv(f"AIRFLOW_CONN_{name.upper()}", json.dumps({"conn_type": "kafka", "extra": extra}))
    return name


@pytest.fixture(scope="module")
def kafka() -> str:
    hosts = [item.rsplit(":", 1) for item in BROKERS.split(",")]
    need(
        any(port_open(host, int(port)) for host, port in hosts),
        f"Kafka is not running at {BROKERS}: start it with `bash infra/stack.sh up kafka-broker-1 kafka-broker-2`",
    )
    need(shutil.which("node") is not None and (REPO_DIR / "node_modules" / "kafkajs").is_dir(), "node and node_modules/kafkajs are needed (npm ci)")
    return BROKERS


@pytest.fixture
def kafka_conn(monkeypatch, kafka) -> str:
    return connection(monkeypatch, {"bootstrap.servers": kafka})


def node(*args: str) -> list[dict]:
    done = subprocess.run(["node", *args], capture_output=True, text=True, timeout=120, cwd=REPO_DIR)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def committed_by_kafkajs(kafka, kafka_conn):
    """A fresh topic of three partitions, and a fresh group whose KafkaJS consumer committed 5, 3 and nothing."""
    topic, group = f"airflow-offsets-{uuid.uuid4().hex[:8]}", f"airflow-offsets-{uuid.uuid4().hex[:8]}"
    fetched = node(str(REPO_DIR / "airflow/tests/support/kafkajs_commit.mjs"), kafka, topic, group, "5,3,0")
    yield topic, group, {int(p["partition"]): int(p["offset"]) for p in fetched}
    cleanup = KafkaOffsetsHook(kafka_conn)
    cleanup.get_conn.delete_consumer_groups([group], request_timeout=10)[group].result(timeout=15)
    cleanup.delete_topic([topic])


def test_the_offsets_read_through_the_connection_are_those_a_kafkajs_consumer_committed(kafka_conn, committed_by_kafkajs):
    topic, group, theirs = committed_by_kafkajs
    assert theirs == {0: 5, 1: 3, 2: -1}, "KafkaJS did not commit what the scenario wrote"
    hook = KafkaOffsetsHook(kafka_conn)
    assert hook.committed_offsets(topic, [2, 0, 1, 0], group=group) == theirs
    assert hook.committed_offsets(topic, [1], group=group) == {1: 3}
    assert hook.source == f"Airflow connection '{kafka_conn}'"


def test_the_sinks_group_reads_as_kafkajs_reads_it(kafka, kafka_conn):
    ours = KafkaOffsetsHook(kafka_conn).committed_offsets("somedata", range(3), group="mongo-sink")
    theirs = {int(p["partition"]): int(p["offset"]) for p in node("-e", FETCH_WITH_KAFKAJS, kafka, "mongo-sink", "somedata")}
    assert set(ours) == {0, 1, 2}
    for partition, offset in ours.items():
        # The sink commits on: ours was read first, so it is at most theirs.
        assert offset <= theirs[partition], (ours, theirs)
    assert any(offset >= 0 for offset in ours.values()), f"the sink has committed nothing on somedata: {ours}"


def test_without_a_connection_it_reads_KAFKA_BROKERS(monkeypatch, kafka):
    monkeypatch.setenv("KAFKA_BROKERS", kafka)
    hook = KafkaOffsetsHook("kafka_nowhere_defined")
    assert set(hook.committed_offsets("somedata", [0], group="mongo-sink")) == {0}
    assert hook.source == "KAFKA_BROKERS (no Airflow connection 'kafka_nowhere_defined')"


def test_an_unknown_group_is_an_error_naming_it(kafka_conn):
    with pytest.raises(KafkaOffsetsError, match="group no-such-group-ever is unknown to Kafka") as error:
        KafkaOffsetsHook(kafka_conn).committed_offsets("somedata", [0, 2], group="no-such-group-ever")
    assert "CONSUMER_GROUP" in str(error.value) and error.value.retriable  # the sink may not have started yet


def test_a_host_that_does_not_resolve_fails_once_tried_not_at_the_timeout(monkeypatch):
    conn = connection(monkeypatch, {"bootstrap.servers": "no-such-broker.invalid:9092"})
    with pytest.raises(KafkaOffsetsError) as error:
        KafkaOffsetsHook(conn, timeout=60).committed_offsets("somedata", [0], group="g")
    # "no answer within" would mean it waited for the timeout; this message comes when every broker has been tried.
    assert f"no Kafka broker of Airflow connection '{conn}' answers" in str(error.value)
    assert "Failed to resolve 'no-such-broker.invalid:9092'" in str(error.value) and error.value.retriable


def test_no_broker_listening_is_an_error_naming_the_address(monkeypatch):
    conn = connection(monkeypatch, {"bootstrap.servers": "127.0.0.1:1"})
    with pytest.raises(KafkaOffsetsError, match="no Kafka broker of .* answers .*127.0.0.1:1") as error:
        KafkaOffsetsHook(conn, timeout=60).committed_offsets("somedata", [0], group="g")
    assert error.value.retriable


def test_a_port_that_is_not_kafka_is_an_error_not_a_hang(monkeypatch, redis_url):
    conn = connection(monkeypatch, {"bootstrap.servers": "127.0.0.1:6379"})
    with pytest.raises(KafkaOffsetsError, match="no Kafka broker of .* answers .*127.0.0.1:6379"):
        KafkaOffsetsHook(conn, timeout=60).committed_offsets("somedata", [0], group="g")


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({}, "bootstrap.servers"),
        ({"bootstrap.server": "127.0.0.1:9092"}, "bootstrap.server"),
        ({"bootstrap.servers": "127.0.0.1:9092", "security.protocol": "TLS"}, 'Invalid value "TLS" for configuration property "security.protocol"'),
        ({"bootstrap.servers": "127.0.0.1:9092", "socket.timeout.ms": "soon"}, "socket.timeout.ms"),
        ({**SECURED, "ssl.ca.location": "/no/such/ca.crt"}, "ssl.ca.location failed"),
        ({**SECURED, "ssl.ca.pem": "not a certificate"}, "from ssl.ca.pem: not in PEM format"),
    ],
)
def test_settings_librdkafka_refuses_fail_at_once_naming_the_setting(monkeypatch, extra, named):
    conn = connection(monkeypatch, extra)
    with pytest.raises(KafkaOffsetsError, match=f"the Kafka client settings of Airflow connection '{conn}' are refused") as error:
        KafkaOffsetsHook(conn).committed_offsets("somedata", [0], group="g")
    assert named in str(error.value) and not error.value.retriable
    assert SECURED["sasl.password"] not in str(error.value)


def test_no_partition_asks_kafka_nothing(monkeypatch):
    conn = connection(monkeypatch, {"bootstrap.servers": "127.0.0.1:1"})  # no broker: any request would fail
    assert KafkaOffsetsHook(conn).committed_offsets("somedata", [], group="g") == {}


def test_a_timeout_that_is_not_positive_is_refused():
    with pytest.raises(ValueError, match="timeout must be positive"):
        KafkaOffsetsHook(timeout=0)


def test_the_sink_checks_default_connection_is_the_providers():
    # sink_checker.py names it without importing the provider (DAG parsing stays light).
    from airflow.providers.apache.kafka.hooks.client import KafkaAdminClientHook

    from kafka_pipeline_provider.sink_checker import DEFAULT_KAFKA_CONN_ID

    assert DEFAULT_KAFKA_CONN_ID == KafkaAdminClientHook.default_conn_name
