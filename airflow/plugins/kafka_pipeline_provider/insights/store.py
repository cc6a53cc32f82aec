"""
What every insight reads and writes: the collections, the data interval and
its whole hours, UTC datetimes at BSON's precision, and reads in bounded pages.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

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
