"""
How long the `insights` DAG takes, on a database seeded with a day of traffic
(yesterday, UTC: --events-per-hour somedata events an hour (default 5,000), 10 terms, 2 sources;
MATCHES finished matches over 4 competitions). Run with the Airflow venv:

    PY=.stack/airflow/venv/bin/python
    $PY bench/insights_timing.py seed [--events-per-hour 5000]   # (re)creates the database insights_bench
    $PY bench/insights_timing.py direct    # the 24 intervals computed in-process, one after the other
    $PY bench/insights_timing.py airflow [--max-active-runs 3] [--database insights_bench]
        # on the stack's Airflow (:8080, reading this checkout's DAG folder): one run
        # (the last hour of the day), then a backfill of the 24 hours through POST /api/v2/backfills

Each prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "airflow" / "tests")]
from support import stack  # noqa: E402


def seconds(run: dict) -> float:
    start, end = (datetime.fromisoformat(run[k].replace("Z", "+00:00")) for k in ("start_date", "end_date"))
    return round((end - start).total_seconds(), 1)


DATABASE = "insights_bench"
EVENTS_PER_HOUR = 5_000
MATCHES = 380


def yesterday() -> datetime:
    return (datetime.now(timezone.utc) - timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def seed() -> None:
    from pymongo import MongoClient

    per_hour = int(sys.argv[sys.argv.index("--events-per-hour") + 1]) if "--events-per-hour" in sys.argv else EVENTS_PER_HOUR

    client = MongoClient("mongodb://127.0.0.1:27017", tz_aware=True)
    client.drop_database(DATABASE)
    db = client[DATABASE]
    day, started = yesterday(), time.monotonic()
    for h in range(24):
        hour = day + timedelta(hours=h)
        db.somedata.insert_many(
            [
                {
                    "_id": str(uuid.uuid4()),
                    "producedAt": hour + timedelta(milliseconds=i * 3_600_000 // per_hour),
                    "storedAt": hour + timedelta(milliseconds=i * 3_600_000 // per_hour + 20),
                    "source": "api" if i % 3 else f"job:{h}",
                    "runId": None if i % 3 else f"scheduled__{hour.isoformat()}",
                    "payload": {"data": f"term{i % 10}", "number": 1, "items": {"0": f"term{i % 10}"}},
                    "_kafka": {"topic": "somedata", "partition": i % 3, "offset": h * per_hour + i},
                }
                for i in range(per_hour)
            ]
        )
    db.footdata.insert_many(
        [
            {
                "_id": m, "id": m, "status": "FINISHED", "utcDate": day + timedelta(minutes=3 * m),
                "competition": {"id": m % 4, "name": f"League {m % 4}", "code": f"L{m % 4}"},
                "season": {"startDate": "2026-08-01"},
                "homeTeam": {"id": m % 20, "name": f"Team {m % 20}"},
                "awayTeam": {"id": (m + 7) % 20, "name": f"Team {(m + 7) % 20}"},
                "score": {"fullTime": {"home": m % 4, "away": m % 3}},
                "storedAt": day + timedelta(minutes=3 * m + 120), "runId": None,
                "_kafka": {"topic": "footdata", "partition": 0, "offset": m},
            }
            for m in range(MATCHES)
        ]
    )
    print(json.dumps({"seeded": DATABASE, "somedata": 24 * per_hour, "footdata": MATCHES, "sec": round(time.monotonic() - started, 1)}))


def direct() -> None:
    sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "airflow" / "plugins")]
    from kafka_pipeline_provider.insights import run as insights
    from kafka_pipeline_provider.insights.store import Interval
    from pymongo import MongoClient

    db = MongoClient("mongodb://127.0.0.1:27017", tz_aware=True)[DATABASE]
    insights.ensure_indexes(db)
    per = []
    for h in range(24):
        start = yesterday() + timedelta(hours=h)
        t0 = time.monotonic()
        for compute in insights.COMPUTATIONS.values():
            compute(db, Interval(start, start + timedelta(hours=1)))
        per.append(time.monotonic() - t0)
    print(json.dumps({"direct24": {"totalSec": round(sum(per), 1), "perIntervalSecMedian": round(sorted(per)[12], 2), "max": round(max(per), 2)}}))


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else "airflow"
    if command == "seed":
        return seed()
    if command == "direct":
        return direct()
    max_active = int(sys.argv[sys.argv.index("--max-active-runs") + 1]) if "--max-active-runs" in sys.argv else 3
    database = sys.argv[sys.argv.index("--database") + 1] if "--database" in sys.argv else DATABASE
    api = stack.AirflowApi()
    run_id = f"timing__{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    last_hour_end = (yesterday() + timedelta(hours=24)).isoformat()
    api.post(
        "/api/v2/dags/insights/dagRuns",
        {"dag_run_id": run_id, "logical_date": last_hour_end, "conf": {"database": database}},
    )
    run = api.wait_for_run("insights", run_id, timeout=600)
    one = {"state": run["state"], "wallSec": round(time.monotonic() - started, 1), "runSec": seconds(run)}

    day = yesterday()
    started = time.monotonic()
    backfill = api.post(
        "/api/v2/backfills",
        {
            "dag_id": "insights",
            "from_date": day.isoformat(),
            "to_date": (day + timedelta(hours=23)).isoformat(),
            "reprocess_behavior": "completed",
            "max_active_runs": max_active,
            "dag_run_conf": {"database": database},
        },
    )
    while True:
        info = api.get(f"/api/v2/backfills/{backfill['id']}")
        if info.get("completed_at"):
            break
        if time.monotonic() - started > 1800:
            raise SystemExit("backfill not done after 30 min")
        time.sleep(2)
    wall = round(time.monotonic() - started, 1)
    runs = [
        r
        for r in api.get("/api/v2/dags/insights/dagRuns?run_type=backfill&limit=100&order_by=-start_date")["dag_runs"]
        if r["data_interval_start"] and r["data_interval_start"].startswith(day.date().isoformat())
    ]
    durations = sorted(seconds(r) for r in runs if r["start_date"] and r["end_date"])
    print(
        json.dumps(
            {
                "oneRun": one,
                "backfill24": {
                    "wallSec": wall,
                    "maxActiveRuns": max_active,
                    "runs": len(runs),
                    "states": sorted({r["state"] for r in runs}),
                    "runSecMedian": durations[len(durations) // 2] if durations else None,
                    "runSecMax": durations[-1] if durations else None,
                },
            }
        )
    )


if __name__ == "__main__":
    main()
