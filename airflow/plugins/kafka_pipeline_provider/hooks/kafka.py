"""
The committed offsets of one consumer group on one topic, read straight from
Kafka with two requests of its wire protocol, over the standard library's
sockets: FindCoordinator v2 (which broker keeps the group), then OffsetFetch
v5 (the offsets it committed). No Kafka client is in the Airflow venv, and
these two requests are all verify_sink needs; both versions belong to the
Kafka 2.1 baseline that Kafka 4 still serves (KIP-896).

Plaintext listeners only (the stack's and docker-compose's brokers): a
cluster behind TLS or SASL answers with a closed connection or garbage, and
the read fails with a KafkaOffsetsError that says so.

The brokers: KAFKA_BROKERS (the Node services' variable), default
127.0.0.1:9092,127.0.0.1:9093. The group: CONSUMER_GROUP, default mongo-sink.
"""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Iterable

DEFAULT_BROKERS = "127.0.0.1:9092,127.0.0.1:9093"
DEFAULT_GROUP = "mongo-sink"

FIND_COORDINATOR, FIND_COORDINATOR_VERSION = 10, 2
OFFSET_FETCH, OFFSET_FETCH_VERSION = 9, 5
# Worth asking again: the group's coordinator is loading, moving or not there yet.
RETRIABLE_ERRORS = {14: "COORDINATOR_LOAD_IN_PROGRESS", 15: "COORDINATOR_NOT_AVAILABLE", 16: "NOT_COORDINATOR"}
MAX_RESPONSE_BYTES = 16 * 1024 * 1024


class KafkaOffsetsError(Exception):
    """The offsets could not be read; `retriable` says whether asking again may help."""

    def __init__(self, message: str, *, retriable: bool = True):
        super().__init__(message)
        self.retriable = retriable


def brokers_from_env() -> list[tuple[str, int]]:
    return parse_brokers(os.environ.get("KAFKA_BROKERS") or DEFAULT_BROKERS)


def group_from_env() -> str:
    return os.environ.get("CONSUMER_GROUP") or DEFAULT_GROUP


def parse_brokers(value: str) -> list[tuple[str, int]]:
    brokers = []
    for item in value.split(","):
        host, sep, port = item.strip().rpartition(":")
        if not sep or not host or not port.isdigit():
            raise KafkaOffsetsError(f"KAFKA_BROKERS: {item.strip()!r} is not host:port", retriable=False)
        brokers.append((host, int(port)))
    return brokers


# ---------------------------------------------------------------- encoding


def _string(value: str | None) -> bytes:
    if value is None:
        return struct.pack(">h", -1)
    data = value.encode("utf-8")
    return struct.pack(">h", len(data)) + data


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def take(self, fmt: str):
        size = struct.calcsize(fmt)
        if self.at + size > len(self.data):
            raise KafkaOffsetsError("Kafka's answer is shorter than its protocol says (not a Kafka listener?)")
        values = struct.unpack_from(fmt, self.data, self.at)
        self.at += size
        return values[0] if len(values) == 1 else values

    def string(self) -> str | None:
        length = self.take(">h")
        if length < 0:
            return None
        raw = self.data[self.at : self.at + length]
        self.at += length
        return raw.decode("utf-8", errors="replace")


class _Connection:
    """One TCP connection to one broker; requests answered in order."""

    def __init__(self, host: str, port: int, timeout: float, client_id: str):
        self.where = f"{host}:{port}"
        self.client_id = client_id
        self.correlation = 0
        try:
            self.sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as error:
            raise KafkaOffsetsError(f"cannot connect to Kafka broker {self.where}: {error}") from error
        self.sock.settimeout(timeout)

    def request(self, api_key: int, version: int, body: bytes) -> _Reader:
        self.correlation += 1
        header = struct.pack(">hhi", api_key, version, self.correlation) + _string(self.client_id)
        message = header + body
        try:
            self.sock.sendall(struct.pack(">i", len(message)) + message)
            size = struct.unpack(">i", self._read(4))[0]
            if not 0 < size <= MAX_RESPONSE_BYTES:
                raise KafkaOffsetsError(f"broker {self.where} answered a {size}-byte frame (TLS or SASL listener?)")
            reader = _Reader(self._read(size))
        except OSError as error:
            raise KafkaOffsetsError(f"Kafka broker {self.where}: {error}") from error
        if reader.take(">i") != self.correlation:
            raise KafkaOffsetsError(f"broker {self.where} answered another request")
        return reader

    def _read(self, size: int) -> bytes:
        chunks, left = [], size
        while left:
            chunk = self.sock.recv(min(left, 65536))
            if not chunk:
                raise KafkaOffsetsError(f"broker {self.where} closed the connection (TLS or SASL listener?)")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self.sock.close()


# ---------------------------------------------------------------- the read


def committed_offsets(
    topic: str,
    partitions: Iterable[int],
    *,
    group: str | None = None,
    brokers: list[tuple[str, int]] | None = None,
    timeout: float = 5.0,
    client_id: str = "kafka-pipeline-airflow",
) -> dict[int, int]:
    """
    {partition: the next offset the group will read} (Kafka's committed
    offset), -1 for a partition where the group committed nothing. Tries
    each broker in turn to find the group's coordinator.
    """
    group = group or group_from_env()
    wanted = sorted(set(int(p) for p in partitions))
    failures = []
    for host, port in brokers or brokers_from_env():
        try:
            coordinator = _find_coordinator(host, port, group, timeout, client_id)
            return _offset_fetch(*coordinator, group, topic, wanted, timeout, client_id)
        except KafkaOffsetsError as error:
            if not error.retriable:
                raise
            failures.append(str(error))
    raise KafkaOffsetsError(f"committed offsets of group {group} on {topic} not read: " + "; ".join(failures))


def _find_coordinator(host: str, port: int, group: str, timeout: float, client_id: str) -> tuple[str, int]:
    conn = _Connection(host, port, timeout, client_id)
    try:
        reply = conn.request(FIND_COORDINATOR, FIND_COORDINATOR_VERSION, _string(group) + struct.pack(">b", 0))
        reply.take(">i")  # throttle_time_ms
        error = reply.take(">h")
        message = reply.string()
        reply.take(">i")  # node_id
        coordinator = (reply.string() or host, reply.take(">i"))
    finally:
        conn.close()
    if error:
        raise KafkaOffsetsError(
            f"broker {host}:{port}: no coordinator for group {group} "
            f"({RETRIABLE_ERRORS.get(error, f'error {error}')}{': ' + message if message else ''})",
            retriable=error in RETRIABLE_ERRORS,
        )
    return coordinator


def _offset_fetch(
    host: str, port: int, group: str, topic: str, partitions: list[int], timeout: float, client_id: str
) -> dict[int, int]:
    body = _string(group) + struct.pack(">i", 1) + _string(topic) + struct.pack(">i", len(partitions))
    body += b"".join(struct.pack(">i", p) for p in partitions)
    conn = _Connection(host, port, timeout, client_id)
    try:
        reply = conn.request(OFFSET_FETCH, OFFSET_FETCH_VERSION, body)
    finally:
        conn.close()
    reply.take(">i")  # throttle_time_ms
    offsets: dict[int, int] = {}
    for _ in range(reply.take(">i")):
        name = reply.string()
        for _ in range(reply.take(">i")):
            partition, offset, _epoch = reply.take(">iqi")
            reply.string()  # metadata
            error = reply.take(">h")
            if error:
                raise KafkaOffsetsError(
                    f"group {group}, {name}[{partition}]: {RETRIABLE_ERRORS.get(error, f'error {error}')}",
                    retriable=error in RETRIABLE_ERRORS,
                )
            if name == topic:
                offsets[partition] = offset
    error = reply.take(">h")
    if error:
        raise KafkaOffsetsError(
            f"group {group}: {RETRIABLE_ERRORS.get(error, f'error {error}')}", retriable=error in RETRIABLE_ERRORS
        )
    return {p: offsets.get(p, -1) for p in partitions}
