"""
The insights of one data interval, computed from MongoDB (the `insights` DAG):

  standings         per competition and season, the league table of the stored
                    matches that are FINISHED and kicked off before the
                    interval's end; one document per competition and season
                    (`_id` "<competition>:<season>"), replaced only by a table of
                    an interval that ends no earlier: a backfill of an old
                    interval never moves a table backwards.
  somedata_hourly   per hour (of `producedAt`) and `data` term: events, and
                    events per source (`api`, `job:<id>`); one document per
                    hour and term (`_id` "<hour ISO>|<term>").
  pipeline_volume_hourly
                    per hour (of `storedAt`): documents stored per topic and per
                    run; one document per hour (`_id` the hour ISO). footdata
                    holds the latest state of each match, so a match counts in
                    the hour its latest state was stored.

Every hour touched by the interval is recomputed whole from the store and its
documents replaced (and those of terms no longer seen deleted), so running an
interval twice leaves the same documents, and an interval only ever writes
its own hours. The documents hold nothing but what the data gives (no wall
clock), so a backfill yields exactly what the scheduled runs did.

Reads go in bounded pages (a cursor read `page_size` documents at a time) with
a projection of the few fields needed; the counting is done here in Python, not
in `$group` (FerretDB 1.24 computes only the first accumulator of a group,
docs/ARCHITECTURE.md §5). pymongo is imported by the caller, not here: DAG
parsing imports this module.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pipeline_contracts
from insights_reads import hour_documents_read, somedata_hour_read, standings_read, stored_hour_read

DEFAULT_PAGE_SIZE = 1000
HOUR = timedelta(hours=1)

COLLECTIONS = {
    "somedata": "somedata",
    "footdata": "footdata",
    "standings": "standings",
    "somedata_hourly": "somedata_hourly",
    "pipeline_volume_hourly": "pipeline_volume_hourly",
}


@dataclass(frozen=True)
class Interval:
    """A data interval [start, end), both aware UTC datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self):
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("interval bounds must be timezone-aware")
        if not self.start < self.end:
            raise ValueError(f"interval start {self.start.isoformat()} must be before its end {self.end.isoformat()}")

    def hours(self) -> list[datetime]:
        """The whole hours the interval touches, each as its start (UTC)."""
        hour = utc(self.start).replace(minute=0, second=0, microsecond=0)
        hours = []
        while hour < self.end:
            hours.append(hour)
            hour += HOUR
        return hours

    def as_doc(self) -> dict[str, datetime]:
        return {"start": utc(self.start), "end": utc(self.end)}


def utc(value: datetime) -> datetime:
    """An aware UTC datetime at millisecond precision (what BSON stores)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(timezone.utc)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def iso(value: datetime) -> str:
    return utc(value).isoformat().replace("+00:00", "Z")


def paged(coll: Any, query: Mapping[str, Any], projection: Mapping[str, Any], page_size: int) -> Iterator[dict]:
    """
    Every document of `query`, fetched `page_size` at a time: one server-side
    cursor read in batches (getMore), so neither side holds more than a page.
    One query rather than one per page (keyset) on purpose: FerretDB 1.24 with
    SQLite pushes no range filter down to an index, so each query scans the
    collection, and a query per page made an hour of 5,000 events cost five scans.
    """
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1 (got {page_size})")
    with coll.find(dict(query), dict(projection), batch_size=page_size) as cursor:
        yield from cursor


# ---------------------------------------------------------------- standings


def season_of(match: Mapping[str, Any]) -> str:
    """The season a match belongs to: the year its season starts (football-data's `season.startDate`), else
    derived from the kick-off (a season runs July to June)."""
    season = match.get("season") or {}
    start = season.get("startDate") if isinstance(season, Mapping) else None
    if isinstance(start, str) and len(start) >= 4 and start[:4].isdigit():
        return start[:4]
    kickoff = match.get("utcDate")
    if isinstance(kickoff, datetime):
        return str(kickoff.year if kickoff.month >= 7 else kickoff.year - 1)
    return "unknown"


def competition_of(match: Mapping[str, Any]) -> str | None:
    competition = match.get("competition") or {}
    code = competition.get("code")
    if code:
        return str(code)
    return str(competition["id"]) if competition.get("id") is not None else None


def _goals(match: Mapping[str, Any]) -> tuple[int, int] | None:
    full = ((match.get("score") or {}).get("fullTime")) or {}
    home, away = full.get("home"), full.get("away")
    if not isinstance(home, int) or not isinstance(away, int):
        return None
    return home, away


def _team_key(team: Mapping[str, Any]) -> Any:
    return team.get("id") if team.get("id") is not None else team.get("name")


def league_table(matches: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """
    The table of finished matches: played, won, drawn, lost, goals for/against,
    goal difference, points (3/1/0), ordered by points, then goal difference,
    then goals for, then name. A match without a full-time score or a team is left out.
    """
    rows: dict[Any, dict[str, Any]] = {}

    def row(team: Mapping[str, Any]) -> dict[str, Any]:
        key = _team_key(team)
        if key not in rows:
            rows[key] = {
                "team": {"id": team.get("id"), "name": team.get("name")},
                "played": 0, "won": 0, "drawn": 0, "lost": 0,
                "goalsFor": 0, "goalsAgainst": 0, "goalDifference": 0, "points": 0,
            }
        return rows[key]

    for match in matches:
        home, away = match.get("homeTeam") or {}, match.get("awayTeam") or {}
        goals = _goals(match)
        if goals is None or _team_key(home) is None or _team_key(away) is None:
            continue
        for team, scored, conceded in ((home, goals[0], goals[1]), (away, goals[1], goals[0])):
            r = row(team)
            r["played"] += 1
            r["goalsFor"] += scored
            r["goalsAgainst"] += conceded
            r["goalDifference"] = r["goalsFor"] - r["goalsAgainst"]
            outcome = "won" if scored > conceded else "drawn" if scored == conceded else "lost"
            r[outcome] += 1
            r["points"] += {"won": 3, "drawn": 1, "lost": 0}[outcome]
    table = sorted(
        rows.values(),
        key=lambda r: (-r["points"], -r["goalDifference"], -r["goalsFor"], str(r["team"]["name"] or ""), str(r["team"]["id"])),
    )
    for position, r in enumerate(table, start=1):
        r["position"] = position
    return table


def compute_standings(db: Any, interval: Interval, page_size: int = DEFAULT_PAGE_SIZE) -> dict[str, Any]:
    """Write the table of every competition and season as of the interval's end; returns what was written."""
    from pymongo.errors import DuplicateKeyError

    query, projection = standings_read(utc(interval.end))
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    names: dict[str, str | None] = {}
    for match in paged(db[COLLECTIONS["footdata"]], query, projection, page_size):
        competition = competition_of(match)
        if competition is None:
            continue
        groups[(competition, season_of(match))].append(match)
        names[competition] = (match.get("competition") or {}).get("name")

    out = db[COLLECTIONS["standings"]]
    written, kept = [], []
    for (competition, season), matches in sorted(groups.items()):
        table = league_table(matches)
        doc = {
            "_id": f"{competition}:{season}",
            "competition": competition,
            "competitionName": names.get(competition),
            "season": season,
            "interval": interval.as_doc(),
            "asOf": utc(interval.end),
            "matches": sum(1 for m in matches if _goals(m) is not None),
            "table": table,
        }
        try:
            out.insert_one(doc)
            written.append(doc["_id"])
            continue
        except DuplicateKeyError:
            pass
        # Replace only a table of an interval that ends no later: an old interval never moves it backwards.
        fields = {k: v for k, v in doc.items() if k != "_id"}
        result = out.replace_one({"_id": doc["_id"], "interval.end": {"$lte": utc(interval.end)}}, fields)
        (written if result.matched_count else kept).append(doc["_id"])
    return {"written": written, "keptNewer": kept}


# ---------------------------------------------------------------- hourly documents


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


# ---------------------------------------------------------------- indexes and entry point

# The collections the insights read and write. Their indexes are created here too, so the DAG works
# before any service started; the list is the services' own (contracts/mongo-indexes.json, from
# lib/mongo-indexes.json, which lib/mongo.ts ensureIndexes creates).
INSIGHT_COLLECTIONS = ("somedata", "footdata", "somedata_hourly", "pipeline_volume_hourly", "standings")


def ensure_indexes(db: Any) -> None:
    indexes = pipeline_contracts.load("mongo-indexes.json")["collections"]
    # One index per command: FerretDB 1.24 drops the connection when one command names several existing ones.
    for collection in INSIGHT_COLLECTIONS:
        for index in indexes[collection]:
            db[collection].create_index(list(index["key"].items()), name=index["name"])


def open_db(mongo_conn_id: str = "mongo_default", database: str | None = None):
    """(client, db) from the same sources as verify_sink (plugins/sink_check.py)."""
    from sink_check import open_mongo

    client, db_name, _ = open_mongo(mongo_conn_id, "kafka-pipeline-insights", tz_aware=True)
    return client, client[database or db_name]


COMPUTATIONS = {
    "standings": compute_standings,
    "somedata_hourly": compute_somedata_hourly,
    "pipeline_volume": compute_pipeline_volume,
}


def run(which: str, start: datetime, end: datetime, *, database: str | None = None, page_size: int = DEFAULT_PAGE_SIZE) -> dict:
    """Connect, ensure the indexes, compute one insight for [start, end), close."""
    interval = Interval(utc(start), utc(end))
    client, db = open_db(database=database)
    try:
        ensure_indexes(db)
        return {"interval": [iso(interval.start), iso(interval.end)], "database": db.name, **{which: COMPUTATIONS[which](db, interval, page_size)}}
    finally:
        client.close()
