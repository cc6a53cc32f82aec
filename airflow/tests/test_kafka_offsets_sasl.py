"""
KafkaOffsetsHook over the stack's SASL_SSL listeners (:9192, :9193, TLS from
the CA infra/kafka/security.sh generates, one SCRAM user per service with the
ACLs of lib/kafka/service-acls.ts), through the connection
scripts/airflow-connections.ts writes from the services' own settings: Airflow's
user reads the sink group's offsets as the plaintext listener gives them, with
the CA as a file or inline; a user without the ACL gets an authorization error,
a wrong password and an untrusted certificate are refused, each at once and
none retriable.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid

import pytest

from conftest import REPO_DIR, STACK_DIR, need, port_open
from kafka_pipeline_provider.hooks.kafka import KafkaOffsetsError, KafkaOffsetsHook

SASL_BROKERS = "127.0.0.1:9192,127.0.0.1:9193"
PLAINTEXT_BROKERS = "127.0.0.1:9092,127.0.0.1:9093"
CA_FILE = STACK_DIR / "kafka" / "tls" / "ca.crt"
USERS_DIR = STACK_DIR / "kafka" / "users"
AIRFLOW_USER = "kafka-pipeline-airflow"


@pytest.fixture(scope="module")
def sasl_listeners() -> None:
    need(
        port_open("127.0.0.1", 9192) and port_open("127.0.0.1", 9193) and (USERS_DIR / f"{AIRFLOW_USER}.password").exists(),
        f"the SASL_SSL listeners ({SASL_BROKERS}) or their users are not there: start them with "
        "`bash infra/stack.sh up kafka-broker-1 kafka-broker-2`",
    )


def kafka_connection(monkeypatch, user: str, password_file, *extra_args: str, ca_file=CA_FILE) -> str:
    """kafka_default as scripts/airflow-connections.ts prints it for these settings, under a fresh connection id."""
    env = {
        **os.environ,
        "KAFKA_BROKERS": SASL_BROKERS,
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_SASL_USERNAME": user,
        "KAFKA_SASL_PASSWORD_FILE": str(password_file),
    }
    env.pop("KAFKA_SSL_CA_FILE", None)
    if ca_file is not None:
        env["KAFKA_SSL_CA_FILE"] = str(ca_file)
    done = subprocess.run(
        ["node", "--import", "tsx", "scripts/airflow-connections.ts", "kafka_default", *extra_args],
        capture_output=True, text=True, timeout=60, cwd=REPO_DIR, env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    name = f"kafka_sasl_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv(f"AIRFLOW_CONN_{name.upper()}", done.stdout.strip())
    return name


def plaintext_offsets(monkeypatch) -> dict[int, int]:
    monkeypatch.setenv("KAFKA_BROKERS", PLAINTEXT_BROKERS)
    return KafkaOffsetsHook("kafka_plaintext_not_defined").committed_offsets("somedata", range(3), group="mongo-sink")


@pytest.mark.parametrize("ca", [(), ("--inline-ca",)], ids=["ca-file", "inline-ca"])
def test_airflows_user_reads_the_sinks_offsets_over_sasl_ssl(monkeypatch, sasl_listeners, ca):
    conn = kafka_connection(monkeypatch, AIRFLOW_USER, USERS_DIR / f"{AIRFLOW_USER}.password", *ca)
    extra = json.loads(os.environ[f"AIRFLOW_CONN_{conn.upper()}"])["extra"]
    assert extra["security.protocol"] == "SASL_SSL" and extra["sasl.mechanism"] == "SCRAM-SHA-512"
    assert ("ssl.ca.pem" in extra) == bool(ca) and ("ssl.ca.location" in extra) != bool(ca)
    before = plaintext_offsets(monkeypatch)
    secured = KafkaOffsetsHook(conn).committed_offsets("somedata", range(3), group="mongo-sink")
    after = plaintext_offsets(monkeypatch)
    # The sink commits on: what SASL_SSL read lies between two plaintext reads.
    assert all(before[p] <= secured[p] <= after[p] for p in range(3)), (before, secured, after)
    assert any(offset >= 0 for offset in secured.values()), f"the sink has committed nothing on somedata: {secured}"


def test_a_user_without_the_acl_gets_an_authorization_error_not_a_wait(monkeypatch, sasl_listeners):
    # The workers' user publishes footdata; it may not describe the sink's group.
    conn = kafka_connection(monkeypatch, "kafka-pipeline-workers", USERS_DIR / "kafka-pipeline-workers.password")
    with pytest.raises(KafkaOffsetsError, match=r"not authorized \(GROUP_AUTHORIZATION_FAILED\)") as error:
        KafkaOffsetsHook(conn, timeout=60).committed_offsets("somedata", [0], group="mongo-sink")
    assert f"Airflow connection '{conn}'" in str(error.value) and not error.value.retriable


def test_a_wrong_password_is_refused_at_once(monkeypatch, sasl_listeners, tmp_path):
    wrong = tmp_path / "password"
    wrong.write_text("notTheRightPassword0123456789\n")
    wrong.chmod(0o600)
    conn = kafka_connection(monkeypatch, AIRFLOW_USER, wrong)
    with pytest.raises(KafkaOffsetsError, match=r"Kafka refused the connection \(.*AUTHENTICATION") as error:
        KafkaOffsetsHook(conn, timeout=60).committed_offsets("somedata", [0], group="mongo-sink")
    assert "notTheRightPassword" not in str(error.value) and not error.value.retriable


def test_a_broker_certificate_no_trusted_ca_signed_is_refused_at_once(monkeypatch, sasl_listeners):
    # No KAFKA_SSL_CA_FILE: the system's CAs, which did not sign the stack's broker certificate.
    conn = kafka_connection(monkeypatch, AIRFLOW_USER, USERS_DIR / f"{AIRFLOW_USER}.password", ca_file=None)
    with pytest.raises(KafkaOffsetsError, match=r"Kafka refused the connection \(_SSL: .*certificate verify failed") as error:
        KafkaOffsetsHook(conn, timeout=60).committed_offsets("somedata", [0], group="mongo-sink")
    assert not error.value.retriable
