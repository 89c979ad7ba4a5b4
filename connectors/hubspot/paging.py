"""How HubSpot pages its answers, in one place.

- Cursor paging (the list, events and associations endpoints): each answer names the next page's cursor in
  ``paging.next.after``; the last page names none.
- Keyset paging (search): results sorted by ``hs_object_id`` and the query restarted after the last id of each
  page. One search stops at 10,000 results; restarting never meets that cap, and records that leave the search
  window while a sweep runs (our own writes move them out) are never skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]


def next_cursor(body: Json) -> str | None:
    """The cursor of the page after this answer (``paging.next.after``), or None when it was the last."""
    after = ((body.get("paging") or {}).get("next") or {}).get("after")
    return str(after) if after else None


@dataclass
class Cursor:
    """Where cursor paging stands: the cursor to send next (None: the first page) and whether it has ended."""

    after: str | None = None
    done: bool = False

    def advance(self, body: Json) -> list[Json]:
        """Take one answer: its results, with the next cursor (and the end) noted."""
        self.after = next_cursor(body)
        self.done = self.after is None
        return list(body.get("results", []))


@dataclass
class Keyset:
    """Where keyset paging stands: the last id seen (None: from the start) and whether it has ended."""

    last_id: str | None = None
    done: bool = False

    def advance(self, body: Json) -> list[Json]:
        """Take one search answer: its results, with their last id (and the end) noted."""
        results = list(body.get("results", []))
        ids = [str(r.get("id")) for r in results if isinstance(r, dict) and str(r.get("id")).isdigit()]
        if ids:
            self.last_id = max(ids, key=int)
        self.done = next_cursor(body) is None or not ids
        return results
