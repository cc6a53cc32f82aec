"""
The insights of one data interval, computed from MongoDB (the `insights` DAG),
each into its own collection:

  standings               insights/standings.py
  somedata_hourly         insights/hourly.py
  pipeline_volume_hourly  insights/hourly.py

Every hour touched by the interval is recomputed whole from the store and its
documents replaced (and those of terms no longer seen deleted), so running an
interval twice leaves the same documents, and an interval only ever writes
its own hours. The documents hold nothing but what the data gives (no wall
clock), so a backfill yields exactly what the scheduled runs did.

Reads go in bounded pages (a cursor read `page_size` documents at a time) with
a projection of the few fields needed; the counting is done here in Python, not
in `$group` (FerretDB 1.24 computes only the first accumulator of a group,
docs/ARCHITECTURE.md §5). pymongo is imported when the hook opens its client:
the DAG imports this module inside its tasks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kafka_pipeline_provider import contracts
from kafka_pipeline_provider.hooks.mongo import PipelineMongoHook
from kafka_pipeline_provider.insights.hourly import compute_pipeline_volume, compute_somedata_hourly
from kafka_pipeline_provider.insights.standings import compute_standings
from kafka_pipeline_provider.insights.store import DEFAULT_PAGE_SIZE, Interval, iso, utc

# ---------------------------------------------------------------- indexes and entry point

# The collections the insights read and write. Their indexes are created here too, so the DAG works
# before any service started; the list is the services' own (contracts/mongo-indexes.json, from
# lib/mongo-indexes.json, which lib/mongo.ts ensureIndexes creates).
INSIGHT_COLLECTIONS = ("somedata", "footdata", "somedata_hourly", "pipeline_volume_hourly", "standings")


def ensure_indexes(db: Any) -> None:
    indexes = contracts.load("mongo-indexes.json")["collections"]
    # One index per command: FerretDB 1.24 drops the connection when one command names several existing ones.
    for collection in INSIGHT_COLLECTIONS:
        for index in indexes[collection]:
            db[collection].create_index(list(index["key"].items()), name=index["name"])


COMPUTATIONS = {
    "standings": compute_standings,
    "somedata_hourly": compute_somedata_hourly,
    "pipeline_volume": compute_pipeline_volume,
}


def run(which: str, start: datetime, end: datetime, *, database: str | None = None, page_size: int = DEFAULT_PAGE_SIZE) -> dict:
    """Connect (hooks/mongo.py, as verify_sink does), ensure the indexes, compute one insight for [start, end), close."""
    interval = Interval(utc(start), utc(end))
    with PipelineMongoHook(appname="kafka-pipeline-insights", tz_aware=True) as hook:
        db = hook.get_database(database)
        ensure_indexes(db)
        return {"interval": [iso(interval.start), iso(interval.end)], "database": db.name, **{which: COMPUTATIONS[which](db, interval, page_size)}}
