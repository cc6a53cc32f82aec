"""
verify_sink's rules (plugins/kafka_pipeline_provider/sink_rules.py, applied by
sink_checker.py) and the Mongo hook (hooks/mongo.py) against the stack's MongoDB
(FerretDB locally), one fresh database per test.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from conftest import MONGO_TEST_URL, need, port_open
from kafka_pipeline_provider import sink_checker
from kafka_pipeline_provider.hooks.mongo import PipelineMongoHook
from kafka_pipeline_provider.sink_checker import SinkChecker, SinkCheckFailed

RUN = "manual__2026-11-24T10:00:00+00:00"
OTHER = "scheduled__2026-11-24T09:55:00+00:00"


@pytest.fixture
def db():
    from urllib.parse import urlsplit

    from pymongo import MongoClient

    where = urlsplit(MONGO_TEST_URL)
    need(
        port_open(where.hostname or "127.0.0.1", where.port or 27017),
        f"MongoDB/FerretDB is not running at {MONGO_TEST_URL}: start it with `bash infra/stack.sh up ferretdb`",
    )
    client = MongoClient(MONGO_TEST_URL, serverSelectionTimeoutMS=5000)
    name = f"airflow_test_{uuid.uuid4().hex[:10]}"
    yield client[name]
    client.drop_database(name)
    client.close()


def sink_committed(offsets: dict[int, int] | None = None):
    """A stand-in for the sink group's committed offsets (hooks/kafka.py is tested against Kafka itself)."""
    return lambda topic, partitions: {p: (offsets or {}).get(p, 1000) for p in partitions}


def checker(db, **kwargs) -> SinkChecker:
    kwargs = {
        "timeout_sec": 1.0, "poll_interval": 0.1, "settle_sec": 0.3, "filters_active": False,
        "committed": sink_committed(), "group": "mongo-sink", **kwargs,
    }
    return SinkChecker(db, RUN, **kwargs)


def sent(published: int, partition: int = 0, last_offset: int | None = None, **result) -> dict:
    """A producer job's result: `published` records, the last at `last_offset` (default published - 1)."""
    last = published - 1 if last_offset is None else last_offset
    positions = [{"partition": partition, "offset": str(last)}] if published else []
    return {"published": published, "failed": 0, "topic": "t", "lastOffsets": positions, **result}


def somedata_events(db, run_id: str, n: int) -> None:
    db.somedata.insert_many([{"_id": str(uuid.uuid4()), "runId": run_id, "payload": {"data": "car"}} for _ in range(n)])


def match(match_id: int, run_id: str, last_updated: str) -> dict:
    return {
        "_id": match_id,
        "runId": run_id,
        "lastUpdated": datetime.fromisoformat(last_updated).replace(tzinfo=timezone.utc),
    }


# ---------------------------------------------------------------- somedata


def test_somedata_passes_when_every_published_event_is_stored(db):
    somedata_events(db, RUN, 5)
    somedata_events(db, OTHER, 7)
    report = checker(db).verify({"somedata": sent(5, failed=0), "footdata": None})
    assert report["checked"] == {"somedata": {"published": 5, "stored": 5, "committed": {"0": 1000}}}


def test_somedata_accepts_extra_events_from_attempts_that_failed_midway(db):
    somedata_events(db, RUN, 8)
    report = checker(db).verify({"somedata": sent(5)})
    assert report["checked"]["somedata"]["stored"] == 8


def test_somedata_fails_with_the_numbers_when_events_are_missing(db):
    somedata_events(db, RUN, 3)
    started = time.monotonic()
    with pytest.raises(SinkCheckFailed) as error:
        checker(db, timeout_sec=0.5).verify({"somedata": sent(5)})
    assert time.monotonic() - started < 5
    assert f"run {RUN}" in str(error.value)
    assert "MongoDB holds 3 of the 5 event(s) the job published" in str(error.value)


def test_events_still_arriving_are_waited_for(db):
    somedata_events(db, RUN, 2)
    late = threading.Timer(0.4, somedata_events, args=(db, RUN, 3))
    late.start()
    try:
        report = checker(db, timeout_sec=5).verify({"somedata": sent(5)})
    finally:
        late.join()
    assert report["checked"]["somedata"]["stored"] == 5


def test_only_the_envelopes_event_types_and_run_ids_it_can_carry_are_checked(db):
    with pytest.raises(ValueError, match="no such event type"):
        checker(db).verify({"somedata": sent(5), "matches": sent(1)})
    with pytest.raises(sink_checker.SinkCheckFailed, match="no event can carry"):
        sink_checker.SinkChecker(db, "manual__café", committed=lambda t, p: {}).verify({"somedata": sent(5)})


def test_nothing_to_verify_when_no_producer_ran(db):
    report = checker(db).verify({"somedata": None, "footdata": None})
    assert report["note"] == "no producer ran: nothing to verify"


# ---------------------------------------------------------------- footdata


def test_footdata_passes_when_every_published_match_carries_the_run_id(db):
    db.footdata.insert_many([match(i, RUN, "2026-11-24T10:00:00") for i in range(1, 4)])
    report = checker(db).verify({"footdata": sent(3)})
    assert report["checked"]["footdata"] == {"published": 3, "stamped": 3, "stored": 3, "committed": {"0": 1000}}


def test_footdata_unchanged_matches_keep_an_older_run_id_and_still_pass(db):
    # 2 matches changed in this run; 3 repeated a state an earlier run had stored.
    db.footdata.insert_many(
        [match(1, RUN, "2026-11-24T10:00:00"), match(2, RUN, "2026-11-24T10:00:00")]
        + [match(i, OTHER, "2026-11-24T09:00:00") for i in (3, 4, 5)]
    )
    report = checker(db).verify({"footdata": sent(5)})
    assert report["checked"]["footdata"] == {"published": 5, "stamped": 2, "stored": 5, "committed": {"0": 1000}}


def test_footdata_fails_when_the_store_holds_fewer_matches_than_published(db):
    db.footdata.insert_many([match(1, RUN, "2026-11-24T10:00:00")])
    with pytest.raises(SinkCheckFailed, match=r"footdata: 1 of 4 published match\(es\) carry this run id"):
        checker(db).verify({"footdata": sent(4)})


def test_footdata_fails_at_once_when_more_matches_carry_the_run_id_than_were_published(db):
    db.footdata.insert_many([match(i, RUN, "2026-11-24T10:00:00") for i in range(1, 4)])
    started = time.monotonic()
    with pytest.raises(SinkCheckFailed, match="more than the 2 published"):
        checker(db, timeout_sec=30).verify({"footdata": sent(2)})
    assert time.monotonic() - started < 5


def test_footdata_is_checked_match_by_match_when_the_result_lists_them(db):
    db.footdata.insert_many(
        [match(1, RUN, "2026-11-24T10:00:00"), match(2, OTHER, "2026-11-24T11:00:00"), match(3, OTHER, "2026-11-24T08:00:00")]
    )
    good = [{"id": 1, "lastUpdated": "2026-11-24T10:00:00Z"}, {"id": 2, "lastUpdated": "2026-11-24T10:30:00Z"}]
    report = checker(db).verify({"footdata": sent(2, matches=good)})
    assert report["checked"]["footdata"]["missing"] == 0
    bad = good + [{"id": 3, "lastUpdated": "2026-11-24T09:00:00Z"}, {"id": 4, "lastUpdated": "2026-11-24T09:00:00Z"}]
    with pytest.raises(SinkCheckFailed, match=r"1 missing \(e.g. \[4\]\) and 1 stored older than published \(e.g. \[3\]\)"):
        checker(db).verify({"footdata": sent(4, matches=bad)})


def test_a_producer_that_ran_and_published_nothing_fails_the_run_at_once(db):
    started = time.monotonic()
    with pytest.raises(SinkCheckFailed) as error:
        checker(db, timeout_sec=30).verify({"somedata": sent(0, failed=3), "footdata": None})
    assert time.monotonic() - started < 5
    assert "somedata: the producer was asked to run and published nothing (3 record(s) failed)" in str(error.value)


def test_footdata_with_a_stopped_sink_fails_even_when_the_matches_did_not_change(db):
    # The store already holds every match at its published state (an earlier run stored them) ...
    db.footdata.insert_many([match(i, OTHER, "2026-11-24T10:00:00") for i in (1, 2)])
    published = [{"id": i, "lastUpdated": "2026-11-24T10:00:00Z"} for i in (1, 2)]
    # ... but the sink's group is still at offset 40 of partition 1, and this run's records went to 40 and 41.
    stopped = checker(db, committed=sink_committed({1: 40}))
    with pytest.raises(SinkCheckFailed) as error:
        stopped.verify({"footdata": sent(2, partition=1, last_offset=41, matches=published)})
    assert (
        "footdata: the sink (group mongo-sink) has not consumed this run's records on t: "
        "partition 1 committed 40, this run's last offset 41"
    ) in str(error.value)
    # Once the group commits past 41 (offset 42: the next it reads), the check passes.
    report = checker(db, committed=sink_committed({1: 42})).verify(
        {"footdata": sent(2, partition=1, last_offset=41, matches=published)}
    )
    assert report["checked"]["footdata"]["committed"] == {"1": 42}


def test_somedata_with_every_document_but_the_sink_behind_on_one_partition_fails(db):
    somedata_events(db, RUN, 3)
    result = sent(3, lastOffsets=[{"partition": 0, "offset": "7"}, {"partition": 2, "offset": "12"}])
    with pytest.raises(SinkCheckFailed, match="partition 2 committed -1, this run's last offset 12"):
        checker(db, committed=sink_committed({0: 8, 2: -1})).verify({"somedata": result})


def test_a_result_from_an_older_worker_is_checked_on_its_single_lastOffset(db):
    somedata_events(db, RUN, 3)
    older = {"published": 3, "failed": 0, "topic": "t", "lastOffset": {"partition": 2, "offset": "12"}}
    with pytest.raises(SinkCheckFailed, match="partition 2 committed 12, this run's last offset 12"):
        checker(db, committed=sink_committed({2: 12})).verify({"somedata": older})
    assert checker(db, committed=sink_committed({2: 13})).verify({"somedata": older})["checked"]["somedata"]["committed"] == {"2": 13}


def test_a_result_without_offsets_fails_at_once_for_consumption_cannot_be_proven(db):
    somedata_events(db, RUN, 3)
    with pytest.raises(SinkCheckFailed, match=r"names no Kafka offsets \(lastOffsets\)"):
        checker(db, timeout_sec=30).verify({"somedata": {"published": 3, "failed": 0, "topic": "somedata"}})


def test_both_collections_are_reported_together(db):
    somedata_events(db, RUN, 1)
    with pytest.raises(SinkCheckFailed) as error:
        checker(db, timeout_sec=0.3).verify({"somedata": sent(2), "footdata": sent(1)})
    assert "somedata: MongoDB holds 1 of the 2" in str(error.value)
    assert "footdata: 0 of 1 published" in str(error.value)


# ---------------------------------------------------------------- where MongoDB is


def test_mongo_is_read_from_the_airflow_connections_fields(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_MONGO_HOOKED",
        json.dumps({"conn_type": "mongo", "host": "db", "port": 27018, "login": "app", "password": "s3cr:t",
                    "schema": "pipeline", "extra": {"authSource": "admin", "serverSelectionTimeoutMS": 1234}}),
    )
    with PipelineMongoHook("mongo_hooked", appname="tests") as hook:
        options = hook.get_conn().options
        assert hook.database == "pipeline" and hook.source == "Airflow connection 'mongo_hooked'"
        assert options.server_selection_timeout == 1.234  # the connection's extra wins
        assert options.pool_options.metadata["application"]["name"] == "tests"
        credentials = options.pool_options._credentials
        assert (credentials.username, credentials.password, credentials.source) == ("app", "s3cr:t", "admin")
    assert hook.client is None  # closed on leaving


def test_mongo_falls_back_to_MONGO_URL_and_never_reads_a_password_file_itself(monkeypatch, tmp_path):
    # The password file is the services' rule (lib/mongo.ts); the launchers turn it into the connection.
    monkeypatch.delenv("AIRFLOW_CONN_MONGO_NOPE", raising=False)
    monkeypatch.setenv("MONGO_URL", "mongodb://db:27017/?authSource=pipeline")
    monkeypatch.setenv("MONGO_PASSWORD_FILE", str(tmp_path / "absent"))
    monkeypatch.setenv("MONGO_DB", "elsewhere")
    with PipelineMongoHook("mongo_nope", appname="tests") as hook:
        assert hook.get_database().name == "elsewhere" and "MONGO_URL" in hook.source
