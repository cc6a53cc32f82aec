"""
The `standings` insight: per competition and season, the league table of the
stored matches that are FINISHED and kicked off before the interval's end; one
document per competition and season (`_id` "<competition>:<season>"), replaced
only by a table of an interval that ends no earlier, so a backfill of an old
interval never moves a table backwards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kafka_pipeline_provider.insights.reads import standings_read
from kafka_pipeline_provider.insights.store import COLLECTIONS, DEFAULT_PAGE_SIZE, Interval, paged, utc

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
