"""
The insights (plugins/kafka_pipeline_provider/insights/, dags/insights.py):
  - standings against hand-computed tables (ties on goal difference, then
    goals for; a match that moved from IN_PLAY to FINISHED counted once);
  - against the stack's MongoDB (FerretDB locally), one fresh database per test:
    an interval run twice, and three intervals in any order, leave the same
    documents; pages smaller than the data give the same result;
  - the DAG: data intervals, Assets, the schedule from INSIGHTS_SCHEDULE;
  - a backfill of three hours through the REST API v2 reaches `success` and
    writes exactly what the same intervals computed directly wrote.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from conftest import DAGS, port_open
from kafka_pipeline_provider.insights import run as insights
from kafka_pipeline_provider.insights.standings import league_table, season_of
from kafka_pipeline_provider.insights.store import Interval

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)
H = timedelta(hours=1)


def match(mid, home, away, goals, status="FINISHED", kickoff=T0 - 3 * H, code="PL", season="2026-08-15"):
    return {
        "_id": mid,
        "id": mid,
        "status": status,
        "utcDate": kickoff,
        "competition": {"id": 2021, "name": "Premier League", "code": code},
        "season": {"id": 1, "startDate": season},
        "homeTeam": {"id": home[0], "name": home[1]},
        "awayTeam": {"id": away[0], "name": away[1]},
        "score": {"fullTime": {"home": goals[0], "away": goals[1]}},
        "storedAt": kickoff + 2 * H,
        "_kafka": {"topic": "footdata", "partition": 0, "offset": mid},
        "runId": "scheduled__r1",
    }


ARS, CHE, LIV, TOT = (1, "Arsenal"), (2, "Chelsea"), (3, "Liverpool"), (4, "Tottenham")

# Hand-computed (see each row):
#   ARS 3-0 TOT, CHE 1-0 TOT, LIV 2-2 ARS, CHE 1-1 LIV, TOT 4-1 LIV
#   ARS: W D       = 4 pts, GF 5 GA 2, GD +3
#   CHE: W D       = 4 pts, GF 2 GA 1, GD +1  -> below ARS on goal difference
#   LIV: D D L     = 2 pts, GF 4 GA 7, GD -3
#   TOT: L L W     = 3 pts, GF 4 GA 5, GD -1
LEAGUE = [
    match(1, ARS, TOT, (3, 0)),
    match(2, CHE, TOT, (1, 0)),
    match(3, LIV, ARS, (2, 2)),
    match(4, CHE, LIV, (1, 1)),
    match(5, TOT, LIV, (4, 1)),
]
EXPECTED = [
    # position, team, played, won, drawn, lost, for, against, difference, points
    (1, "Arsenal", 2, 1, 1, 0, 5, 2, 3, 4),
    (2, "Chelsea", 2, 1, 1, 0, 2, 1, 1, 4),
    (3, "Tottenham", 3, 1, 0, 2, 4, 5, -1, 3),
    (4, "Liverpool", 3, 0, 2, 1, 4, 7, -3, 2),
]


def rows(table):
    return [
        (r["position"], r["team"]["name"], r["played"], r["won"], r["drawn"], r["lost"],
         r["goalsFor"], r["goalsAgainst"], r["goalDifference"], r["points"])
        for r in table
    ]


def test_the_table_of_a_small_league_is_the_hand_computed_one():
    assert rows(league_table(LEAGUE)) == EXPECTED


def test_equal_points_and_goal_difference_are_decided_by_goals_for_then_name():
    # A 3-1 B, C 2-0 D -> A and C: 3 pts, GD +2; A scored 3, C 2 -> A first.
    # E 1-0 F -> E: 3 pts, GD +1. B and D: 0 pts; B GD -2 GF 1, D GD -2 GF 0 -> B first. F: GD -1 above both.
    a, b, c, d, e, f = (10, "A"), (11, "B"), (12, "C"), (13, "D"), (14, "E"), (15, "F")
    table = league_table([match(1, a, b, (3, 1)), match(2, c, d, (2, 0)), match(3, e, f, (1, 0))])
    assert [r["team"]["name"] for r in table] == ["A", "C", "E", "F", "B", "D"]
    # Everything equal: by name.
    table = league_table([match(4, (20, "Zeta"), (21, "Alpha"), (1, 1))])
    assert [r["team"]["name"] for r in table] == ["Alpha", "Zeta"]


def test_a_match_without_a_full_time_score_is_left_out():
    broken = match(9, ARS, CHE, (None, None))
    assert rows(league_table(LEAGUE + [broken])) == EXPECTED


def test_the_season_is_the_year_it_starts_else_derived_from_the_kickoff():
    assert season_of({"season": {"startDate": "2026-08-15"}}) == "2026"
    assert season_of({"utcDate": datetime(2027, 3, 1, tzinfo=timezone.utc)}) == "2026"
    assert season_of({"utcDate": datetime(2027, 8, 1, tzinfo=timezone.utc)}) == "2027"


def test_an_interval_covers_the_whole_hours_it_touches():
    assert Interval(T0, T0 + H).hours() == [T0]
    assert Interval(T0 + timedelta(minutes=30), T0 + 2 * H).hours() == [T0, T0 + H]
    with pytest.raises(ValueError, match="must be before"):
        Interval(T0, T0)


# ---------------------------------------------------------------- against the store


@pytest.fixture
def db():
    if not port_open("127.0.0.1", 27017):
        pytest.skip("MongoDB/FerretDB is not running on :27017: start it with `bash infra/stack.sh up ferretdb`")
    from pymongo import MongoClient

    client = MongoClient("mongodb://127.0.0.1:27017", serverSelectionTimeoutMS=5000, tz_aware=True)
    name = f"insights_test_{uuid.uuid4().hex[:10]}"
    yield client[name]
    client.drop_database(name)
    client.close()


def somedata(n, hour, term, source="api", run_id=None):
    return [
        {
            "_id": str(uuid.uuid4()),
            "type": "somedata",
            "producedAt": hour + timedelta(seconds=(i * 7) % 3600),
            "storedAt": hour + timedelta(seconds=(i * 7) % 3600 + 1),
            "source": source,
            "runId": run_id,
            "payload": {"data": term, "number": 1, "items": {"0": term}},
            "_kafka": {"topic": "somedata", "partition": i % 3, "offset": i},
        }
        for i in range(n)
    ]


def seed(db):
    """Three hours of events and a league whose matches finish across those hours."""
    db.somedata.insert_many(
        somedata(25, T0, "car") + somedata(7, T0, "car", "job:42", "manual__r1") + somedata(3, T0, "bike")
        + somedata(11, T0 + H, "car") + somedata(5, T0 + 2 * H, "job.with.dots", "job:a.b")
    )
    late = match(6, LIV, CHE, (0, 2), kickoff=T0 + H + timedelta(minutes=10))  # counts from the 2nd interval's table on
    db.footdata.insert_many(LEAGUE + [late, match(7, ARS, CHE, (1, 0), status="IN_PLAY")])


def snapshot(db):
    return {
        name: sorted(db[name].find({}), key=lambda d: str(d["_id"]))
        for name in ("standings", "somedata_hourly", "pipeline_volume_hourly")
    }


def computed_then_emptied(db, hours) -> dict:
    """Runs the intervals starting at `hours` in turn, and returns what they stored after emptying it again."""
    for hour in hours:
        run_interval(db, hour)
    stored = snapshot(db)
    for name in stored:
        db[name].delete_many({})
    return stored


def run_interval(db, start, page_size=1000):
    interval = Interval(start, start + H)
    for compute in insights.COMPUTATIONS.values():
        compute(db, interval, page_size)


def test_the_store_holds_the_hand_computed_table_and_hourly_counts(db):
    seed(db)
    insights.ensure_indexes(db)
    run_interval(db, T0, page_size=2)  # pages far smaller than the data
    table = db.standings.find_one({"_id": "PL:2026"})
    assert rows(table["table"]) == EXPECTED
    assert table["matches"] == 5 and table["competition"] == "PL" and table["season"] == "2026"
    assert table["interval"] == {"start": T0, "end": T0 + H}
    car = db.somedata_hourly.find_one({"_id": "2026-11-24T10:00:00Z|car"})
    assert car["events"] == 32
    assert car["bySource"] == [{"source": "api", "events": 25}, {"source": "job:42", "events": 7}]
    assert db.somedata_hourly.count_documents({"hour": T0}) == 2
    volume = db.pipeline_volume_hourly.find_one({"_id": "2026-11-24T10:00:00Z"})
    assert volume["documents"] == 35
    assert {"runId": "manual__r1", "documents": 7} in volume["byRun"]


def test_a_match_that_moves_from_in_play_to_finished_is_counted_once(db):
    seed(db)
    run_interval(db, T0)
    before = db.standings.find_one({"_id": "PL:2026"})
    assert before["matches"] == 5
    # The sink replaces the match's document with its newer state (footdata write model).
    db.footdata.replace_one({"_id": 7}, {**match(7, ARS, CHE, (1, 0)), "lastUpdated": T0})
    run_interval(db, T0)
    after = db.standings.find_one({"_id": "PL:2026"})
    assert after["matches"] == 6
    arsenal = next(r for r in after["table"] if r["team"]["name"] == "Arsenal")
    assert (arsenal["played"], arsenal["won"], arsenal["points"]) == (3, 2, 7)


def test_an_interval_run_twice_leaves_the_same_documents(db):
    seed(db)
    run_interval(db, T0)
    first = snapshot(db)
    run_interval(db, T0)
    assert snapshot(db) == first


def test_three_intervals_in_any_order_leave_what_they_leave_in_order(db):
    seed(db)
    in_order = computed_then_emptied(db, (T0, T0 + H, T0 + 2 * H))
    for hour in (T0 + 2 * H, T0, T0 + H):  # a backfill of old hours after a newer run
        run_interval(db, hour)
    assert snapshot(db) == in_order
    # The table is the newest interval's; an older interval did not move it backwards.
    table = db.standings.find_one({"_id": "PL:2026"})
    assert table["interval"]["end"] == T0 + 3 * H and table["matches"] == 6


def test_a_later_interval_never_touches_an_earlier_hour(db):
    seed(db)
    run_interval(db, T0)
    hour0 = list(db.somedata_hourly.find({"hour": T0}).sort("_id", 1))
    db.somedata.insert_many(somedata(4, T0 + H, "car"))
    run_interval(db, T0 + H)
    assert list(db.somedata_hourly.find({"hour": T0}).sort("_id", 1)) == hour0
    assert db.somedata_hourly.find_one({"_id": "2026-11-24T11:00:00Z|car"})["events"] == 15


def test_a_term_no_longer_seen_in_an_hour_loses_its_document(db):
    seed(db)
    run_interval(db, T0)
    db.somedata.delete_many({"payload.data": "bike"})
    run_interval(db, T0)
    assert db.somedata_hourly.find_one({"_id": "2026-11-24T10:00:00Z|bike"}) is None
    assert db.somedata_hourly.count_documents({"hour": T0}) == 1


# ---------------------------------------------------------------- the DAG


@pytest.fixture
def dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    return bag.dags["insights"]


def test_the_dag_runs_hourly_on_data_intervals_with_three_independent_tasks(dag):
    from airflow.sdk import CronDataIntervalTimetable

    assert {t.task_id for t in dag.tasks} == {"standings", "somedata_hourly", "pipeline_volume"}
    assert all(not t.upstream_task_ids for t in dag.tasks)
    assert dag.catchup is False
    assert isinstance(dag.timetable, CronDataIntervalTimetable) or "DataInterval" in type(dag.timetable).__name__
    assert dag.params.dump() == {"database": None, "page_size": 1000}


def test_the_tasks_declare_the_collections_they_read_and_write_as_assets(dag):
    from airflow.dag_processing.dagbag import DagBag

    tasks = {t.task_id: t for t in dag.tasks}
    uris = lambda assets: sorted(a.uri for a in assets)  # noqa: E731
    assert uris(tasks["standings"].inlets) == ["mongodb://127.0.0.1:27017/pipeline/footdata"]
    assert uris(tasks["standings"].outlets) == ["mongodb://127.0.0.1:27017/pipeline/standings"]
    assert uris(tasks["somedata_hourly"].outlets) == ["mongodb://127.0.0.1:27017/pipeline/somedata_hourly"]
    assert uris(tasks["pipeline_volume"].inlets) == ["mongodb://127.0.0.1:27017/pipeline/footdata", "mongodb://127.0.0.1:27017/pipeline/somedata"]
    verify = DagBag(dag_folder=str(DAGS)).dags["kafka_pipeline"].get_task("verify_sink")
    assert uris(verify.outlets) == ["mongodb://127.0.0.1:27017/pipeline/footdata", "mongodb://127.0.0.1:27017/pipeline/somedata"]


def test_the_asset_uris_are_the_mongodb_providers_and_name_the_services_server():
    from urllib.parse import urlsplit

    from airflow.providers.mongo.assets.mongo import sanitize_uri
    from kafka_pipeline_provider.assets import STANDINGS, store_address

    assert sanitize_uri(urlsplit(STANDINGS.uri)).geturl() == STANDINGS.uri  # the provider's handler takes it as it is
    assert store_address("mongodb://app:p%40ss@mongo:27017/?authSource=pipeline") == "mongo:27017"
    assert store_address("mongodb+srv://u:p@cluster.example.net/pipeline") == "cluster.example.net:27017"
    assert store_address("mongodb://[::1]:27018,other:27019/") == "[::1]:27018"
    with pytest.raises(ValueError, match=r"MONGO_URL names the server 'db:99999', whose port is not valid") as refused:
        store_address("mongodb://app:s3cret@db:99999/")
    assert "s3cret" not in str(refused.value)


@pytest.mark.parametrize("value,expected", [("0 */2 * * *", "0 */2 * * *"), ("@daily", "0 0 * * *"), ("none", None)])
def test_the_schedule_comes_from_INSIGHTS_SCHEDULE(monkeypatch, value, expected):
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("INSIGHTS_SCHEDULE", value)
    dag = DagBag(dag_folder=str(DAGS)).dags["insights"]
    if expected is None:
        assert dag.timetable.__class__.__name__ == "NullTimetable"
    else:
        assert dag.timetable.expression == expected


# ---------------------------------------------------------------- backfill through the REST API


def test_a_backfill_of_three_hours_through_the_rest_api_succeeds_with_the_same_documents(db):
    from support import stack

    if not stack.airflow_healthy():
        pytest.skip(f"Airflow is not running at {stack.AIRFLOW_BASE}: start it with `bash infra/stack.sh up airflow`")
    api = stack.AirflowApi()
    dags = api.get("/api/v2/dags?dag_id_pattern=insights")
    if not any(d["dag_id"] == "insights" for d in dags["dags"]):
        pytest.skip("the stack's Airflow has no `insights` DAG (it reads another checkout's airflow/dags)")
    seed(db)
    direct = computed_then_emptied(db, (T0, T0 + H, T0 + 2 * H))

    started = time.monotonic()
    request = {
        "dag_id": "insights",
        "from_date": T0.isoformat(),
        "to_date": (T0 + 2 * H).isoformat(),
        "dag_run_conf": {"database": db.name},
        "reprocess_behavior": "completed",
        "max_active_runs": 3,
    }
    backfill = api.post("/api/v2/backfills", request)
    deadline = time.monotonic() + float(os.environ.get("AIRFLOW_TEST_RUN_TIMEOUT", "600"))
    while True:
        runs = api.get(f"/api/v2/dags/insights/dagRuns?run_type=backfill&limit=100&order_by=-logical_date")["dag_runs"]
        ours = [r for r in runs if (r.get("conf") or {}).get("database") == db.name]
        if len(ours) == 3 and all(r["state"] in ("success", "failed") for r in ours):
            break
        assert time.monotonic() < deadline, f"backfill {backfill['id']}: runs {[(r['dag_run_id'], r['state']) for r in ours]}"
        time.sleep(3)
    print(f"backfill of 3 intervals: {time.monotonic() - started:.1f}s")
    assert sorted(r["state"] for r in ours) == ["success"] * 3, [(r["dag_run_id"], r["state"]) for r in ours]
    assert sorted(r["data_interval_start"][:19] for r in ours) == [
        "2026-11-24T10:00:00", "2026-11-24T11:00:00", "2026-11-24T12:00:00"
    ]
    assert snapshot(db) == direct
