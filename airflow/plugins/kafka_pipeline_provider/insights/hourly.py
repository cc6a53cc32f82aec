"""
The hourly insights. Every hour touched by the interval is recomputed whole
from the store and its documents replaced (and those no longer seen deleted),
so running an interval twice leaves the same documents and an interval only
ever writes its own hours:

  somedata_hourly   per hour (of `producedAt`) and `data` term: events, and
                    events per source (`api`, `job:<id>`); one document per
                    hour and term (`_id` "<hour ISO>|<term>").
  pipeline_volume_hourly
                    per hour (of `storedAt`): documents stored per topic and per
                    run; one document per hour (`_id` the hour ISO). footdata
                    holds the latest state of each match, so a match counts in
                    the hour its latest state was stored.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from kafka_pipeline_provider.insights.reads import hour_documents_read, somedata_hour_read, stored_hour_read
from kafka_pipeline_provider.insights.store import COLLECTIONS, DEFAULT_PAGE_SIZE, Interval, iso, paged

def _replace_hour(coll: Any, hour: datetime, docs: list[dict], page_size: int) -> None:
    """Make the documents of `hour` exactly `docs`: replace each (upsert), then delete the hour's others."""
    for doc in docs:
        coll.replace_one({"_id": doc["_id"]}, {k: v for k, v in doc.items() if k != "_id"}, upsert=True)
    keep = {doc["_id"] for doc in docs}
    stale = [d["_id"] for d in paged(coll, *hour_documents_read(hour), page_size) if d["_id"] not in keep]
    for start in range(0, len(stale), page_size):
        coll.delete_many({"_id": {"$in": stale[start : start + page_size]}})


def compute_somedata_hourly(db: Any, interval: Interval, page_size: int = DEFAULT_PAGE_SIZE) -> dict[str, Any]:
    """Per hour of the interval and `data` term: events and events per source."""
    source_coll, out = db[COLLECTIONS["somedata"]], db[COLLECTIONS["somedata_hourly"]]
    report = {}
    for hour in interval.hours():
        counts: dict[str, Counter] = defaultdict(Counter)
        for event in paged(source_coll, *somedata_hour_read(hour), page_size):
            term = (event.get("payload") or {}).get("data")
            if isinstance(term, str):
                counts[term][str(event.get("source") or "unknown")] += 1
        docs = [
            {
                "_id": f"{iso(hour)}|{term}",
                "hour": hour,
                "term": term,
                "events": sum(by_source.values()),
                # A list, not a map: a source may hold a `.`, which cannot be a field name.
                "bySource": [{"source": s, "events": n} for s, n in sorted(by_source.items())],
            }
            for term, by_source in sorted(counts.items())
        ]
        _replace_hour(out, hour, docs, page_size)
        report[iso(hour)] = {"terms": len(docs), "events": sum(d["events"] for d in docs)}
    return report


def compute_pipeline_volume(db: Any, interval: Interval, page_size: int = DEFAULT_PAGE_SIZE) -> dict[str, Any]:
    """Per hour of the interval: documents stored (by `storedAt`) per topic and per run."""
    out = db[COLLECTIONS["pipeline_volume_hourly"]]
    report = {}
    for hour in interval.hours():
        per_topic: Counter = Counter()
        per_run: Counter = Counter()
        per_collection: Counter = Counter()
        for name in (COLLECTIONS["somedata"], COLLECTIONS["footdata"]):
            for doc in paged(db[name], *stored_hour_read(hour), page_size):
                per_topic[str((doc.get("_kafka") or {}).get("topic") or name)] += 1
                per_run[doc.get("runId")] += 1
                per_collection[name] += 1
        doc = {
            "_id": iso(hour),
            "hour": hour,
            "documents": sum(per_collection.values()),
            "byCollection": [{"collection": c, "documents": n} for c, n in sorted(per_collection.items())],
            "byTopic": [{"topic": t, "documents": n} for t, n in sorted(per_topic.items())],
            "byRun": [{"runId": r, "documents": n} for r, n in sorted(per_run.items(), key=lambda kv: str(kv[0] or ""))],
        }
        out.replace_one({"_id": doc["_id"]}, {k: v for k, v in doc.items() if k != "_id"}, upsert=True)
        report[iso(hour)] = {"documents": doc["documents"]}
    return report
