"""
plugins/kafka_pipeline_provider/hooks/kafka.py against the stack's Kafka (KAFKA_BROKERS, default
:9092 and :9093): the committed offsets it reads are the ones KafkaJS's admin
client reads, for the sink's real group; a group that committed nothing reads
-1; a broker that is not there, or a port that is not Kafka, gives an error
that says so.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from kafka_pipeline_provider.hooks import kafka as kafka_offsets
from conftest import REPO_DIR, need, port_open
from kafka_pipeline_provider.hooks.kafka import KafkaOffsetsError

FETCH_WITH_KAFKAJS = """
const { Kafka, logLevel } = require('kafkajs');
const [brokers, group, topic] = process.argv.slice(1);
const admin = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
admin.connect()
  .then(() => admin.fetchOffsets({ groupId: group, topics: [topic] }))
  .then((topics) => { console.log(JSON.stringify(topics[0].partitions)); return admin.disconnect(); })
  .catch((error) => { console.error(error); process.exit(1); });
"""


@pytest.fixture(scope="module")
def brokers():
    found = kafka_offsets.brokers_from_env()
    need(
        any(port_open(host, port) for host, port in found),
        f"Kafka is not running at {found}: start it with `bash infra/stack.sh up kafka-broker-1 kafka-broker-2`",
    )
    return found


def test_the_committed_offsets_are_those_kafkajs_reads_for_the_sinks_group(brokers):
    need(shutil.which("node") is not None and (REPO_DIR / "node_modules" / "kafkajs").is_dir(), "node and node_modules/kafkajs are needed (npm ci)")
    ours = kafka_offsets.committed_offsets("somedata", range(3), group="mongo-sink", brokers=brokers)
    done = subprocess.run(
        ["node", "-e", FETCH_WITH_KAFKAJS, ",".join(f"{h}:{p}" for h, p in brokers), "mongo-sink", "somedata"],
        capture_output=True, text=True, timeout=60, cwd=REPO_DIR,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    theirs = {int(p["partition"]): int(p["offset"]) for p in json.loads(done.stdout)}
    assert set(ours) == {0, 1, 2}
    for partition, offset in ours.items():
        # The sink commits on: ours was read first, so it is at most theirs (and not far behind).
        assert offset <= theirs[partition], (ours, theirs)
    assert any(offset >= 0 for offset in ours.values()), f"the sink has committed nothing on somedata: {ours}"


def test_a_group_that_committed_nothing_reads_minus_one(brokers):
    assert kafka_offsets.committed_offsets("somedata", [0, 2], group="no-such-group-ever", brokers=brokers) == {0: -1, 2: -1}


def test_no_broker_listening_is_an_error_naming_each_address():
    with pytest.raises(KafkaOffsetsError) as error:
        kafka_offsets.committed_offsets("somedata", [0], group="g", brokers=[("127.0.0.1", 1), ("127.0.0.1", 2)])
    assert "cannot connect to Kafka broker 127.0.0.1:1" in str(error.value)
    assert "127.0.0.1:2" in str(error.value) and error.value.retriable


def test_a_port_that_is_not_kafka_is_an_error_not_a_hang(redis_url):
    with pytest.raises(KafkaOffsetsError) as error:
        kafka_offsets.committed_offsets("somedata", [0], group="g", brokers=[("127.0.0.1", 6379)], timeout=3)
    assert "127.0.0.1:6379" in str(error.value)


@pytest.mark.parametrize("value", ["nohost", "h:", ":9092", "h:port"])
def test_bad_KAFKA_BROKERS_are_refused_naming_the_entry(value):
    with pytest.raises(KafkaOffsetsError, match="is not host:port") as error:
        kafka_offsets.parse_brokers(f"127.0.0.1:9092,{value}")
    assert not error.value.retriable
