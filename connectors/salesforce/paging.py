"""How Salesforce pages its answers, in one place.

- One SOQL answer holds at most 2,000 records; ``nextRecordsUrl`` names the next batch (``all_records``).
- Sweeps are keyset-paged by Id (``Id > last ORDER BY Id LIMIT n``), restarted on every page, so a sweep's
  position is the last Id and a crash resumes exactly there (``Keyset``). The activity stream keeps the object
  it is in as well (``Task|00T...``).
- Bulk API 2.0 query results are read by locator: the position keeps the job and the locator (``BulkCursor``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from leadstage.connectors.salesforce import soql

Json = dict[str, Any]
BULK_MARK = "bulk:"


def all_records(first: Json, more: Callable[[str], Json]) -> list[Json]:
    """Every record of a query: the first answer's, then each ``nextRecordsUrl``'s (``more`` fetches one)."""
    records: list[Json] = list(first.get("records", []))
    answer = first
    while not answer.get("done", True) and answer.get("nextRecordsUrl"):
        answer = more(str(answer["nextRecordsUrl"]))
        records.extend(answer.get("records", []))
    return records


@dataclass
class Keyset:
    """Where keyset paging by Id stands: the last Id done (None: from the start) and whether it has ended."""

    after: str | None = None
    done: bool = False

    def condition(self) -> list[str]:
        """The condition that restarts the query after the last Id (none on the first page)."""
        return [f"Id > {soql.quote(soql.record_id(self.after))}"] if self.after else []

    def advance(self, records: Sequence[Json], limit: int) -> None:
        """Take one page (queried with ``LIMIT limit``): a short page is the last."""
        if records:
            self.after = str(records[-1]["Id"])
        self.done = len(records) < limit


@dataclass(frozen=True)
class BulkCursor:
    """A Bulk API 2.0 query job and the locator of its next result page, as a sweep position keeps them."""

    job_id: str
    locator: str

    def position(self) -> str:
        return f"{BULK_MARK}{self.job_id}|{self.locator}"

    @staticmethod
    def from_position(after: str | None) -> BulkCursor | None:
        """The cursor a stored position holds, or None when it is not a bulk one."""
        if not after or not after.startswith(BULK_MARK):
            return None
        job_id, _, locator = after.removeprefix(BULK_MARK).partition("|")
        return BulkCursor(job_id, locator)
