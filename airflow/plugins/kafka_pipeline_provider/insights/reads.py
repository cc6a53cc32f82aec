"""
The reads of the insights (standings.py and hourly.py beside this file), each a
(filter, projection) pair written once here, so the index test
(reader/index-coverage.spec.ts) checks the very queries the DAG sends: it runs

    python3 airflow/plugins/kafka_pipeline_provider/insights/reads.py

which prints every read of one sample hour as JSON (datetimes as
{"$date": ISO}), and asserts that an index of lib/mongo-indexes.json serves each.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

HOUR = timedelta(hours=1)


def standings_read(end: datetime) -> tuple[dict, dict]:
    """footdata: the finished matches kicked off before `end` (an interval's end)."""
    return (
        {"status": "FINISHED", "utcDate": {"$lt": end}},
        {"competition": 1, "season": 1, "utcDate": 1, "homeTeam": 1, "awayTeam": 1, "score": 1},
    )


def somedata_hour_read(hour: datetime) -> tuple[dict, dict]:
    """somedata: the events produced in one hour."""
    return {"producedAt": {"$gte": hour, "$lt": hour + HOUR}}, {"payload.data": 1, "source": 1}


def stored_hour_read(hour: datetime) -> tuple[dict, dict]:
    """somedata and footdata: the documents stored in one hour."""
    return {"storedAt": {"$gte": hour, "$lt": hour + HOUR}}, {"_kafka.topic": 1, "runId": 1}


def hour_documents_read(hour: datetime) -> tuple[dict, dict]:
    """somedata_hourly: the documents of one hour (those of terms no longer seen are deleted)."""
    return {"hour": hour}, {"_id": 1}


def read_queries(hour: datetime) -> list[dict[str, Any]]:
    """Every read of the insights of `hour`, as {name, collection, filter, projection}."""
    reads = [
        ("standings", "footdata", standings_read(hour + HOUR)),
        ("somedata_hourly: the hour's events", "somedata", somedata_hour_read(hour)),
        ("somedata_hourly: the hour's documents", "somedata_hourly", hour_documents_read(hour)),
        ("pipeline_volume: somedata stored", "somedata", stored_hour_read(hour)),
        ("pipeline_volume: footdata stored", "footdata", stored_hour_read(hour)),
    ]
    return [{"name": n, "collection": c, "filter": f, "projection": p} for n, c, (f, p) in reads]


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$date": value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")}
    raise TypeError(f"cannot print a {type(value).__name__}")


if __name__ == "__main__":
    print(json.dumps(read_queries(datetime(2026, 11, 24, 10, tzinfo=timezone.utc)), default=_json))
