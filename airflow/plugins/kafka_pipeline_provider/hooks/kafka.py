"""
KafkaOffsetsHook: the committed offsets of a consumer group (verify_sink: the
sink's group), read through Airflow's Apache Kafka provider and its client,
confluent-kafka (librdkafka): an AdminClient's `list_consumer_group_offsets`.

Kafka is found, in order: the Airflow connection `kafka_config_id` (default
`kafka_default`, conn_type `kafka`), whose extra is the librdkafka config dict
(`bootstrap.servers`, and for a secured cluster `security.protocol`,
`sasl.mechanism`, `sasl.username`, `sasl.password`, `ssl.ca.location`), read
by the provider's KafkaBaseHook; then KAFKA_BROKERS (plaintext) as it is; then
127.0.0.1:9092,127.0.0.1:9093. The launchers build the connection from the
services' own settings with their own code (scripts/airflow-connections.ts).

Every failure is a KafkaOffsetsError whose `retriable` says whether asking
again may help, and no read waits longer than `timeout`: a cluster that no
broker of the list answers for, a host that does not resolve, fails as soon as
the client has tried them all; refused credentials or a failed TLS handshake
fail at once, not retriable; so do a missing permission and a connection whose
settings librdkafka refuses (the message names the setting).

This module is imported by the tasks that read offsets, never while parsing a
DAG: the provider imports confluent-kafka at its own import.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from airflow.providers.apache.kafka.hooks.client import KafkaAdminClientHook
from airflow.sdk.exceptions import AirflowNotFoundException
from confluent_kafka import ConsumerGroupState, ConsumerGroupTopicPartitions, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient

DEFAULT_BROKERS = "127.0.0.1:9092,127.0.0.1:9093"
CLIENT_ID = "kafka-pipeline-airflow"

# Worth asking again: the group's coordinator is loading, moving or not there yet; the request timed out.
RETRIABLE = {
    KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
    KafkaError.COORDINATOR_NOT_AVAILABLE,
    KafkaError.NOT_COORDINATOR,
    KafkaError._TIMED_OUT,
}
NOT_AUTHORIZED = {KafkaError.GROUP_AUTHORIZATION_FAILED, KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError.CLUSTER_AUTHORIZATION_FAILED}
# Reported by the client as they happen (error_cb), not by a request: they end a read at once.
REFUSED = {KafkaError._AUTHENTICATION, KafkaError.SASL_AUTHENTICATION_FAILED, KafkaError._SSL}


class KafkaOffsetsError(Exception):
    """The offsets could not be read; `retriable` says whether asking again may help."""

    def __init__(self, message: str, *, retriable: bool = True):
        super().__init__(message)
        self.retriable = retriable


class KafkaOffsetsHook(KafkaAdminClientHook):
    """
    One AdminClient, opened on the first read (`get_conn`) and reused.

    :param kafka_config_id: the Airflow connection. Default: `kafka_default`.
    :param timeout: seconds one read may take, the client's request timeout. Default: 10.
    """

    def __init__(self, kafka_config_id: str = KafkaAdminClientHook.default_conn_name, *, timeout: float = 10.0):
        super().__init__(kafka_config_id=kafka_config_id)
        if timeout <= 0:
            raise ValueError(f"timeout must be positive (seconds one read may take), got {timeout!r}")
        self.timeout = timeout
        self.source = ""  # where the settings came from, for messages
        self._client_errors: list[KafkaError] = []  # what the client reported during the current request
        self._client_log = _ClientLog(self.log)

    def committed_offsets(self, topic: str, partitions: Iterable[int], *, group: str) -> dict[int, int]:
        """
        {partition: the next offset `group` will read} (Kafka's committed
        offset), -1 for a partition where the group committed nothing. A group
        Kafka does not know (no member ever joined, no offset kept) is an error.
        """
        wanted = sorted({int(p) for p in partitions})
        if not wanted:  # no partition named: to Kafka that would mean every partition of every topic
            return {}
        what = f"the committed offsets of group {group} on {topic}"
        request = ConsumerGroupTopicPartitions(group, [TopicPartition(topic, p) for p in wanted])
        answer = self._request(lambda admin: admin.list_consumer_group_offsets([request], request_timeout=self.timeout)[group], what, topic)
        offsets: dict[int, int] = {}
        for position in answer.topic_partitions:
            if position.error is not None:
                raise self._failure(position.error, f"{what}, partition {position.partition}", topic)
            offsets[position.partition] = max(position.offset, -1)  # librdkafka's "none" is -1001
        if all(offsets.get(p, -1) < 0 for p in wanted):
            self._require_group(group, topic)
        return {p: offsets.get(p, -1) for p in wanted}

    # ------------------------------------------------------------ the client

    def _build_config(self) -> dict[str, Any]:
        """The provider's reading of the connection; KAFKA_BROKERS when there is none."""
        try:
            config = super()._build_config()
        except AirflowNotFoundException:
            where = "KAFKA_BROKERS" if os.environ.get("KAFKA_BROKERS") else "the default"
            self.source = f"{where} (no Airflow connection '{self.kafka_config_id}')"
            return {"bootstrap.servers": os.environ.get("KAFKA_BROKERS") or DEFAULT_BROKERS}
        except ValueError as error:  # no bootstrap.servers, a callback not allowed
            raise self._bad_settings(f"Airflow connection '{self.kafka_config_id}'", error) from error
        self.source = f"Airflow connection '{self.kafka_config_id}'"
        return config

    def _get_client(self, config: dict[str, Any]) -> AdminClient:
        # Our client id and the client's own errors and logs, under the connection's settings.
        settings = {"client.id": CLIENT_ID, **config, "error_cb": self._client_errors.append, "logger": self._client_log}
        try:
            return AdminClient(settings)
        except (KafkaException, TypeError, ValueError) as error:
            raise self._bad_settings(self.source, error) from error

    @staticmethod
    def _bad_settings(source: str, error: Exception) -> KafkaOffsetsError:
        reason = error.args[0].str() if isinstance(error, KafkaException) else str(error)
        return KafkaOffsetsError(f"the Kafka client settings of {source} are refused: {reason}", retriable=False)

    # ------------------------------------------------------------ one request

    def _request(self, send: Callable[[AdminClient], concurrent.futures.Future], what: str, topic: str) -> Any:
        """The result of one request, polling the client so that what it reports ends the wait early."""
        admin = self.get_conn
        admin.poll(0)  # serves error_cb and the logger: what was reported before this request ...
        self._client_errors.clear()  # ... is not about it
        self._client_log.failures.clear()
        future = send(admin)
        deadline = time.monotonic() + self.timeout + 1  # the client's own timeout fires first
        while True:
            try:
                return future.result(timeout=0.1)
            except concurrent.futures.TimeoutError:
                pass
            except KafkaException as error:
                raise self._failure(error.args[0], what, topic) from error
            admin.poll(0)
            early = self._client_failure(what)
            if early is not None:
                future.cancel()
                raise early
            if time.monotonic() > deadline:
                raise KafkaOffsetsError(f"{what}: no answer within {self.timeout:g}s{self._last_client_error()}")

    def _client_failure(self, what: str) -> KafkaOffsetsError | None:
        """What the client reported that no waiting mends (credentials, TLS), or that no broker answers."""
        for error in self._client_errors:
            if error.code() in REFUSED or error.fatal():
                return KafkaOffsetsError(
                    f"{what}: Kafka refused the connection ({error.name()}: {error.str()}); check the credentials and CA of {self.source}",
                    retriable=False,
                )
        if any(error.code() == KafkaError._ALL_BROKERS_DOWN for error in self._client_errors):
            return KafkaOffsetsError(f"{what}: no Kafka broker of {self.source} answers{self._last_client_error()}")
        return None

    def _last_client_error(self) -> str:
        """Why a broker did not answer (resolution, refused connection, no Kafka behind the port), if the client said."""
        reasons = [error.str() for error in self._client_errors if error.code() != KafkaError._ALL_BROKERS_DOWN]
        reasons += self._client_log.failures
        return f" (last error: {reasons[-1]})" if reasons else ""

    def _failure(self, error: KafkaError, what: str, topic: str) -> KafkaOffsetsError:
        if error.code() in NOT_AUTHORIZED:
            return KafkaOffsetsError(
                f"{what}: not authorized ({error.name()}): the Kafka user of {self.source} needs DESCRIBE on the group and on topic {topic}",
                retriable=False,
            )
        retriable = error.code() in RETRIABLE or error.retriable()
        return KafkaOffsetsError(f"{what}: {error.name()} ({error.str()}){self._last_client_error()}", retriable=retriable)

    def _require_group(self, group: str, topic: str) -> None:
        """Nothing committed: fine for a group Kafka knows, an error naming the group otherwise."""
        what = f"group {group}"
        described = self._request(lambda admin: admin.describe_consumer_groups([group], request_timeout=self.timeout)[group], what, topic)
        if described.state == ConsumerGroupState.DEAD:
            raise KafkaOffsetsError(
                f"group {group} is unknown to Kafka ({self.source}): no member has joined it and it keeps no offset; "
                "is CONSUMER_GROUP the sink's group, and has the sink started?"
            )


class _ClientLog:
    """
    librdkafka's log lines, into the hook's logger; the broker connection
    failures among them (facility FAIL: a timed-out handshake with something
    that is not Kafka is reported only there) kept for the error's message.
    """

    def __init__(self, logger: logging.Logger):
        self.logger = logger
        self.failures: list[str] = []

    def log(self, level: int, message: str, *args: Any) -> None:
        self.logger.log(level, message, *args)
        if len(args) == 3 and args[0] == "FAIL":  # (facility, client name, text)
            self.failures.append(str(args[2]))
