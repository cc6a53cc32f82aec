"""
SinkChecker: the sink check of a DAG run (`verify_sink`, sensors/sink.py),
one look at a time: each producer that ran published something, the sink's
consumer group committed past the job's last offsets (read from Kafka
through the `kafka_default` connection, hooks/kafka.py), and the store holds
the documents (the rules per collection: sink_rules.py). The checker is given
its database (hooks/mongo.py PipelineMongoHook); `look` takes one look, so the
trigger that waits (triggers/sink.py) can run each look off its event loop,
and `verify` is the same wait as a plain loop.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from kafka_pipeline_provider import contracts
from kafka_pipeline_provider.sink_rules import CollectionCheck, CollectionRules

log = logging.getLogger(__name__)

DEFAULT_GROUP = "mongo-sink"
# The Apache Kafka provider's default connection (KafkaAdminClientHook.default_conn_name),
# named here so that parsing a DAG never imports confluent_kafka; test_kafka_offsets.py keeps them equal.
DEFAULT_KAFKA_CONN_ID = "kafka_default"


class SinkCheckFailed(Exception):
    """The store does not hold what the run published; the message has the numbers."""


class SinkChecker(CollectionRules):
    """
    Polls the store until every collection check passes or `timeout_sec` ends.

    :param db: a pymongo Database.
    :param run_id: the Airflow run id stamped on the events.
    :param timeout_sec: the bounded wait. Default: 60.
    :param poll_interval: seconds between two looks. Default: 2.
    :param settle_sec: footdata without match ids: how long the count of this
        run's documents must stay still before it is taken as final. Default: 10.
    :param filters_active: the sink filters footdata (FILTER_FOOT_* set), so the
        collection may hold fewer matches than were published. Default: read
        from the environment.
    :param committed: (topic, partitions) -> {partition: committed offset, -1
        for none} of the sink's group, raising hooks/kafka.py KafkaOffsetsError.
        Default: a KafkaOffsetsHook on `kafka_config_id`, opened on the first look.
    :param group: the sink's consumer group. Default: CONSUMER_GROUP or mongo-sink.
    :param kafka_config_id: the Airflow connection to Kafka. Default: `kafka_default`.
    """

    def __init__(
        self,
        db: Any,
        run_id: str,
        *,
        timeout_sec: float = 60,
        poll_interval: float = 2.0,
        settle_sec: float = 10.0,
        filters_active: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        log: Callable[[str], None] = log.info,
        committed: Callable[[str, list[int]], dict[int, int]] | None = None,
        group: str | None = None,
        kafka_config_id: str = DEFAULT_KAFKA_CONN_ID,
    ):
        self.committed = committed
        self.group = group or os.environ.get("CONSUMER_GROUP") or DEFAULT_GROUP
        self.kafka_config_id = kafka_config_id
        self.db = db
        self.run_id = run_id
        self.timeout_sec = timeout_sec
        self.poll_interval = poll_interval
        self.settle_sec = settle_sec
        if filters_active is None:
            filters_active = bool(os.environ.get("FILTER_FOOT_COMPETITIONS") or os.environ.get("FILTER_FOOT_AREAS"))
        self.filters_active = filters_active
        self.clock = clock
        self.sleep = sleep
        self.log = log
        self._footdata_seen: tuple[int, float] | None = None  # (count, since when)

    def begin(self, results: Mapping[str, Mapping[str, Any] | None]) -> dict[str, CollectionCheck]:
        """
        The checks of `results` (collection name -> the producer job's return
        value, None when that producer did not run); {} when no producer ran.
        Raises ValueError for a collection no rule knows, SinkCheckFailed for a
        run id no event can carry.
        """
        checks = {name: CollectionCheck(name, int((r or {}).get("published", 0))) for name, r in results.items() if r is not None}
        # The event types of the envelope (contracts/event-envelope.schema.json): one topic and one collection each.
        unknown = set(checks) - set(contracts.event_types())
        if unknown:
            raise ValueError(f"{sorted(unknown)}: no such event type (the envelope's are {contracts.event_types()})")
        unruled = set(checks) - set(self.RULES)
        if unruled:
            raise ValueError(f"no sink rule for the event type(s) {sorted(unruled)}: add one to SinkChecker")
        problem = contracts.run_id_problem(self.run_id)
        if problem:
            raise SinkCheckFailed(f"run id {self.run_id!r} is one no event can carry ({problem}): nothing to look for")
        return checks

    def open_kafka(self) -> None:
        """Reads the Kafka connection and opens its client (no request yet); raises KafkaOffsetsError."""
        if self.committed is None:
            from kafka_pipeline_provider.hooks.kafka import KafkaOffsetsHook

            hook = KafkaOffsetsHook(self.kafka_config_id)
            hook.get_conn  # noqa: B018 (the provider's cached property: reads the connection, builds the client)
            self.committed = partial(hook.committed_offsets, group=self.group)
            self.log(f"reading the committed offsets of group {self.group} from Kafka ({hook.source})")

    def look(self, checks: dict[str, CollectionCheck], results: Mapping[str, Mapping[str, Any] | None]) -> None:
        """One look at the store and the group's offsets for every check not passed yet."""
        for name, check in checks.items():
            if not check.ok:
                self._check(name, check, results[name] or {})

    def outcome(self, checks: dict[str, CollectionCheck], waited: float) -> dict[str, Any] | None:
        """After a look: the report when every check passed, None to look again; raises SinkCheckFailed."""
        if all(c.ok for c in checks.values()):
            for check in checks.values():
                self.log(check.summary)
            return {
                "runId": self.run_id,
                "waitedSec": round(waited, 1),
                "checked": {name: {"published": c.published, **c.counts} for name, c in checks.items()},
            }
        if waited >= self.timeout_sec or any(c.final for c in checks.values()):
            failing = "; ".join(c.summary for c in checks.values() if not c.ok)
            raise SinkCheckFailed(f"run {self.run_id}: after {waited:.0f}s, {failing}")
        return None

    def verify(self, results: Mapping[str, Mapping[str, Any] | None]) -> dict[str, Any]:
        """Look until every check passes or `timeout_sec` ends. Returns a report; raises SinkCheckFailed."""
        checks = self.begin(results)
        if not checks:
            return nothing_to_verify(self.run_id)
        started = self.clock()
        while True:
            self.look(checks, results)
            report = self.outcome(checks, self.clock() - started)
            if report is not None:
                return report
            self.sleep(self.poll_interval)

    def _check(self, name: str, check: CollectionCheck, result: Mapping[str, Any]) -> None:
        """One look: published something, consumed past its offsets, stored."""
        if check.published <= 0:
            check.ok, check.final = False, True
            check.summary = (
                f"{name}: the producer was asked to run and published nothing "
                f"({int(result.get('failed') or 0)} record(s) failed): nothing reached Kafka, so nothing can be verified"
            )
            return
        positions = last_offsets(result)
        if not positions:
            check.ok, check.final = False, True
            check.summary = (
                f"{name}: the job's result names no Kafka offsets (lastOffsets), so the sink's consumption "
                "cannot be proven (a worker older than this check?)"
            )
            return
        topic = str(result.get("topic") or name)
        from kafka_pipeline_provider.hooks.kafka import KafkaOffsetsError

        try:
            self.open_kafka()
            committed = self.committed(topic, sorted(positions))
        except KafkaOffsetsError as error:
            check.ok, check.final = False, not error.retriable
            check.summary = f"{name}: cannot read the committed offsets of group {self.group}: {error}"
            return
        getattr(self, self.RULES[name])(check, result)
        behind = {p: committed.get(p, -1) for p, last in positions.items() if committed.get(p, -1) <= last}
        check.counts["committed"] = {str(p): committed.get(p, -1) for p in sorted(positions)}
        if behind:
            check.ok = False
            check.summary = (
                f"{name}: the sink (group {self.group}) has not consumed this run's records on {topic}: "
                + ", ".join(f"partition {p} committed {c}, this run's last offset {positions[p]}" for p, c in behind.items())
                + f" (documents: {check.summary})"
            )
        elif check.ok:
            check.summary += f"; the sink (group {self.group}) committed past this run's last offsets on {topic}"


def nothing_to_verify(run_id: str) -> dict[str, Any]:
    return {"runId": run_id, "checked": {}, "note": "no producer ran: nothing to verify"}


def mongo_failure(error: BaseException, hook: Any) -> SinkCheckFailed | None:
    """For a pymongo error, the failure naming the database that could not be read; None for any other error."""
    from pymongo.errors import PyMongoError

    if not isinstance(error, PyMongoError):
        return None
    return SinkCheckFailed(f"cannot read MongoDB database {hook.database} (from {hook.source or hook.mongo_conn_id}): {error}")


def last_offsets(result: Mapping[str, Any]) -> dict[int, int]:
    """{partition: highest offset published} from a job result's lastOffsets (or its single lastOffset)."""
    positions = result.get("lastOffsets")
    if not isinstance(positions, list):
        positions = [result["lastOffset"]] if isinstance(result.get("lastOffset"), Mapping) else []
    found: dict[int, int] = {}
    for position in positions:
        try:
            partition, offset = int(position["partition"]), int(position["offset"])
        except (KeyError, TypeError, ValueError):
            continue
        found[partition] = max(offset, found.get(partition, -1))
    return found
