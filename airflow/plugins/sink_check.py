"""
The sink check of a DAG run (`verify_sink`): the sink consumed what the
producer jobs of this run published, and MongoDB holds it, within a bounded
wait. For each producer that ran:

  it published something: a job that was asked to run and published nothing
            fails the run at once (nothing reached Kafka, so a green run would
            prove nothing).
  consumed  the sink's consumer group (CONSUMER_GROUP, default `mongo-sink`)
            has committed, on every partition the job wrote to, an offset past
            the last one the job published there (`lastOffsets` in the job's
            result). The sink commits only after the write (or the dead letter),
            so this proves the records were taken in, even when they changed no
            document. The offsets are read from Kafka (plugins/kafka_offsets.py).
            A result without offsets fails at once: consumption cannot be proven.
  stored    the documents, by collection:

  somedata  one document per event (`_id` = eventId), each stamped with its
            `runId`. Passes when the documents with this run's id are at least
            the events the job published. More is possible and fine: a job
            attempt that failed midway published events too (each with its own
            eventId), before BullMQ retried the job.

  footdata  one document per match (`_id` = match id), replaced only by a
            strictly newer `lastUpdated`. A record that repeats the stored state
            (an unchanged match, which is most of them between two polls) or an
            older one changes nothing, so the document keeps the run id of the
            run that last moved it. Counting documents with this run's id can
            therefore not equal `published`, and the check is:
              - exact, when the job's result lists its matches
                (`matches: [{id, lastUpdated}]`): every one is stored with a
                `lastUpdated` at least as new as the one published;
              - otherwise, from counts: the documents with this run's id reach
                `published` (every match changed), or their number stops growing
                for `settle_sec` while the collection holds at least `published`
                matches (skipped when the sink filters matches: FILTER_FOOT_*).
            It fails when the documents with this run's id exceed `published`.

Works on FerretDB 1.24 (count_documents and find only). pymongo is imported
inside the functions: DAG parsing imports this module.

MongoDB is found, in order: the Airflow connection `mongo_conn_id` (default
`mongo_default`, e.g. AIRFLOW_CONN_MONGO_DEFAULT='mongo://127.0.0.1:27017/pipeline',
the path naming the database), then MONGO_URL, then mongodb://127.0.0.1:27017
(`open_mongo`). The database: the connection's schema, else MONGO_DB, else `pipeline`.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pipeline_contracts

log = logging.getLogger(__name__)

DEFAULT_MONGO_URL = "mongodb://127.0.0.1:27017"
DEFAULT_DB = "pipeline"


class SinkCheckFailed(Exception):
    """The store does not hold what the run published; the message has the numbers."""


# ---------------------------------------------------------------- where MongoDB is


def open_mongo(conn_id: str, appname: str, **client_options: Any) -> tuple[Any, str, str]:
    """
    (pymongo client, database, where it came from): the Airflow connection
    `conn_id` through the MongoDB provider's MongoHook (host, port, login,
    password, schema = the database, extra `srv` and MongoClient options), else
    MONGO_URL as it is, else the default. A password file (MONGO_PASSWORD_FILE)
    is not read here: the launchers turn it into the connection with the
    services' own code (scripts/airflow-connections.ts). Close the client.
    """
    from airflow.providers.mongo.hooks.mongo import MongoHook
    from airflow.sdk.exceptions import AirflowNotFoundException
    from pymongo import MongoClient

    db_default = os.environ.get("MONGO_DB") or DEFAULT_DB
    options = {"appname": appname, "serverSelectionTimeoutMS": 5000, "connectTimeoutMS": 5000, **client_options}
    try:
        hook = MongoHook(mongo_conn_id=conn_id)
    except AirflowNotFoundException:
        url = os.environ.get("MONGO_URL") or DEFAULT_MONGO_URL
        source = "MONGO_URL" if os.environ.get("MONGO_URL") else "the default"
        return MongoClient(url, **options), db_default, f"{source} (no Airflow connection '{conn_id}')"
    # The hook passes the connection's extra to MongoClient as options: there, they win over these defaults.
    for key, value in options.items():
        hook.extras.setdefault(key, value)
    return hook.get_conn(), hook.connection.schema or db_default, f"Airflow connection '{conn_id}'"


# ---------------------------------------------------------------- the check


@dataclass
class CollectionCheck:
    """What one collection must hold for one run, and what it was seen to hold."""

    collection: str
    published: int
    ok: bool = False
    final: bool = False  # failed in a way waiting cannot mend
    summary: str = ""
    counts: dict[str, Any] = field(default_factory=dict)


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


class SinkChecker:
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
        for none} of the sink's group. Default: kafka_offsets.committed_offsets.
    :param group: the sink's consumer group, for messages. Default: CONSUMER_GROUP or mongo-sink.
    """

    # How each event type's documents are checked (see the module's docstring).
    RULES = {"somedata": "_somedata", "footdata": "_footdata"}

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
    ):
        import kafka_offsets

        self.committed = committed or kafka_offsets.committed_offsets
        self.group = group or kafka_offsets.group_from_env()
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

    def verify(self, results: Mapping[str, Mapping[str, Any] | None]) -> dict[str, Any]:
        """
        `results`: collection name -> the producer job's return value (None when
        that producer did not run). Returns a report; raises SinkCheckFailed.
        """
        checks = {name: CollectionCheck(name, int((r or {}).get("published", 0))) for name, r in results.items() if r is not None}
        # The event types of the envelope (contracts/event-envelope.schema.json): one topic and one collection each.
        unknown = set(checks) - set(pipeline_contracts.event_types())
        if unknown:
            raise ValueError(f"{sorted(unknown)}: no such event type (the envelope's are {pipeline_contracts.event_types()})")
        unruled = set(checks) - set(self.RULES)
        if unruled:
            raise ValueError(f"no sink rule for the event type(s) {sorted(unruled)}: add one to SinkChecker")
        problem = pipeline_contracts.run_id_problem(self.run_id)
        if problem:
            raise SinkCheckFailed(f"run id {self.run_id!r} is one no event can carry ({problem}): nothing to look for")
        if not checks:
            return {"runId": self.run_id, "checked": {}, "note": "no producer ran: nothing to verify"}
        started = self.clock()
        while True:
            for name, check in checks.items():
                if not check.ok:
                    self._check(name, check, results[name] or {})
            waited = self.clock() - started
            if all(c.ok for c in checks.values()):
                break
            if waited >= self.timeout_sec or any(c.final for c in checks.values()):
                failing = "; ".join(c.summary for c in checks.values() if not c.ok)
                raise SinkCheckFailed(f"run {self.run_id}: after {waited:.0f}s, {failing}")
            self.sleep(self.poll_interval)
        for check in checks.values():
            self.log(check.summary)
        return {
            "runId": self.run_id,
            "waitedSec": round(self.clock() - started, 1),
            "checked": {name: {"published": c.published, **c.counts} for name, c in checks.items()},
        }

    def _check(self, name: str, check: CollectionCheck, result: Mapping[str, Any]) -> None:
        """One look: published something, consumed past its offsets, stored."""
        from kafka_offsets import KafkaOffsetsError

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
        try:
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

    def _somedata(self, check: CollectionCheck, result: Mapping[str, Any]) -> None:
        stored = self.db["somedata"].count_documents({"runId": self.run_id})
        check.counts = {"stored": stored}
        check.ok = stored >= check.published
        if check.ok:
            extra = stored - check.published
            check.summary = f"somedata: {stored} event(s) of this run stored, {check.published} published" + (
                f" ({extra} more from job attempts that failed midway)" if extra else ""
            )
        else:
            check.summary = f"somedata: MongoDB holds {stored} of the {check.published} event(s) the job published"

    def _footdata(self, check: CollectionCheck, result: Mapping[str, Any]) -> None:
        coll = self.db["footdata"]
        stamped = coll.count_documents({"runId": self.run_id})
        if stamped > check.published:
            check.ok = False
            check.counts = {"stamped": stamped}
            check.summary = f"footdata: {stamped} match(es) carry this run id, more than the {check.published} published"
            check.final = True
            return
        matches = result.get("matches")
        if isinstance(matches, list) and matches:
            self._footdata_exact(check, coll, matches, stamped)
            return
        total = coll.count_documents({})
        check.counts = {"stamped": stamped, "stored": total}
        now = self.clock()
        if self._footdata_seen is None or self._footdata_seen[0] != stamped:
            self._footdata_seen = (stamped, now)
        settled = now - self._footdata_seen[1] >= self.settle_sec
        enough = total >= check.published or self.filters_active
        if stamped == check.published:
            check.ok = True
            check.summary = f"footdata: all {check.published} published match(es) stored by this run"
        elif settled and enough:
            check.ok = True
            check.summary = (
                f"footdata: {stamped} of {check.published} published match(es) changed and were stored by this run; "
                f"the other {check.published - stamped} repeated a state already stored "
                f"(the collection holds {total} matches)"
            )
        else:
            why = "still changing" if not settled else f"the collection holds only {total} matches"
            check.summary = (
                f"footdata: {stamped} of {check.published} published match(es) carry this run id ({why})"
            )

    def _footdata_exact(self, check: CollectionCheck, coll: Any, matches: list, stamped: int) -> None:
        wanted = {m.get("id"): _parse_time(m.get("lastUpdated")) for m in matches if isinstance(m, Mapping)}
        stored = {d["_id"]: _parse_time(d.get("lastUpdated")) for d in coll.find({"_id": {"$in": list(wanted)}}, {"lastUpdated": 1})}
        missing = [i for i in wanted if i not in stored]
        older = [i for i in wanted if i in stored and wanted[i] and stored[i] and stored[i] < wanted[i]]
        check.counts = {"stamped": stamped, "missing": len(missing), "older": len(older)}
        if self.filters_active:
            missing = []  # filtered matches are never stored
        check.ok = not missing and not older
        if check.ok:
            check.summary = (
                f"footdata: all {len(wanted)} published match(es) stored at their published state or newer "
                f"({stamped} moved by this run)"
            )
        else:
            check.summary = (
                f"footdata: of {len(wanted)} published match(es), {len(missing)} missing "
                f"(e.g. {missing[:5]}) and {len(older)} stored older than published (e.g. {older[:5]})"
            )


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


def verify_run(
    run_id: str,
    results: Mapping[str, Mapping[str, Any] | None],
    *,
    mongo_conn_id: str = "mongo_default",
    timeout_sec: float = 60,
    poll_interval: float = 2.0,
    log: Callable[[str], None] = log.info,
) -> dict[str, Any]:
    """Connect, check, close. Raises SinkCheckFailed with the numbers."""
    from pymongo.errors import PyMongoError

    client, db_name, source = open_mongo(mongo_conn_id, "kafka-pipeline-airflow")
    log(f"checking MongoDB database {db_name} (from {source}) for run {run_id}")
    try:
        checker = SinkChecker(client[db_name], run_id, timeout_sec=timeout_sec, poll_interval=poll_interval, log=log)
        try:
            return checker.verify(results)
        except PyMongoError as error:
            raise SinkCheckFailed(f"cannot read MongoDB database {db_name} (from {source}): {error}") from error
    finally:
        client.close()
