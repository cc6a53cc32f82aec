"""
What the store must hold for a DAG run (the rules of `verify_sink`, applied by
sink_checker.py SinkChecker): the sink consumed what the producer jobs of this
run published, and MongoDB holds it, within a bounded wait. For each producer
that ran:

  it published something: a job that was asked to run and published nothing
            fails the run at once (nothing reached Kafka, so a green run would
            prove nothing).
  consumed  the sink's consumer group (CONSUMER_GROUP, default `mongo-sink`)
            has committed, on every partition the job wrote to, an offset past
            the last one the job published there (`lastOffsets` in the job's
            result). The sink commits only after the write (or the dead letter),
            so this proves the records were taken in, even when they changed no
            document. The offsets are read from Kafka (hooks/kafka.py).
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

Works on FerretDB 1.24 (count_documents and find only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


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


class CollectionRules:
    """
    The rule of each event type's collection, one look each. Mixed into
    SinkChecker, which provides `db`, `run_id`, `clock`, `settle_sec`,
    `filters_active` and `_footdata_seen`.
    """

    # How each event type's documents are checked (see the module's docstring).
    RULES = {"somedata": "_somedata", "footdata": "_footdata"}

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
