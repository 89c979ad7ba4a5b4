"""Search views: a search's hits kept in order between requests, so that paging costs per page, not per contact.

A keyset walk (``lastmodifieddate`` in a window, ``hs_object_id GT`` the last id, sorted by ``hs_object_id``) sends a
new body for every page; scanning and sorting every contact for each made a backfill quadratic. A view holds the
contacts that match a search's filters *except* the range filters on its sort property, in the search's order;
those range filters become a bisect of it, ``total`` the length of that span, and the page a slice.

Views follow the portal's change journal (each write notes the contact it touched), so a write costs one contact's
re-check on the next search, not a rebuild. Searches with an index lag (``search_index_lag_s``) depend on the clock
and are answered by a full scan instead.

``ObjectSearch`` is one object type's search endpoint (contacts, companies) on top of it: the same validation,
views, scans, limits and paging for every object, only the records, the definitions, the journal, the
modification property and the free-text query's properties differ.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from dataclasses import dataclass, replace
from operator import itemgetter
from typing import Any

from leadstage.sandbox.config import SandboxConfig
from leadstage.sandbox.hubspot.properties import TYPE_NUMBER, PropertyDefinition
from leadstage.sandbox.hubspot.search import (
    QUERY_PROPERTIES,
    Bounds,
    Record,
    SearchRequest,
    matches,
    order,
    parse_search,
    sort_value,
)
from leadstage.sandbox.timeutil import iso_ms

VIEWS_KEPT = 8  # distinct searches kept (least recently used goes first)
JOURNAL_MAX = 50_000  # changes noted before views are rebuilt instead of replaying them

RankedEntry = tuple[Any, int, str]  # (sort value, id tie-break, contact id)
_value = itemgetter(0)


class ChangeJournal:
    """The ids of contacts written since the portal was last cleared, in order (a generation per overflow)."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.generation = 0

    def note(self, *contact_ids: str) -> None:
        """Record that these contacts changed (values, archived flag, existence)."""
        if len(self.ids) + len(contact_ids) > JOURNAL_MAX:
            self.ids, self.generation = [], self.generation + 1
        self.ids.extend(contact_ids)


@dataclass(frozen=True)
class Plan:
    """How one search is answered from a view: the view's identity and filters, and the bisected bounds."""

    key: tuple[Any, ...]
    base: SearchRequest
    ranges: list[Bounds]


def plan(request: SearchRequest, definitions: dict[str, PropertyDefinition]) -> Plan:
    """Split a search into its view (everything but range filters on the sort property) and those ranges."""
    sort = request.sort_property
    definition = definitions[sort] if sort is not None else None
    groups, ranges = request.groups, []
    if len(groups) == 1 and definition is not None and _bisectable(definition):
        ranges = [f.bounds for f in groups[0] if f.name == sort and f.bounds is not None]
        groups = [[f for f in groups[0] if f.name != sort or f.bounds is None]]
    signature = tuple(tuple(f.signature for f in group) for group in groups)
    sort_key = (sort, definition.type if definition else None, request.descending)
    base = replace(request, groups=groups)
    return Plan((signature, request.query, sort_key), base, ranges)


def _bisectable(definition: PropertyDefinition) -> bool:
    # a number that does not parse sorts as -inf but fails every range filter: such ranges are not a span
    return definition.name == "hs_object_id" or definition.type != TYPE_NUMBER


class View:
    """The hits of one plan's base search: those with a sort value in order, then the rest by ascending id."""

    def __init__(self, base: SearchRequest, definition: PropertyDefinition | None) -> None:
        self.base = base
        self.definition = definition
        self.ranked: list[RankedEntry] = []  # ascending (value, tie-break); descending sorts read it backwards
        self.trailing: list[int] = []  # ids without a sort value (all of them when unsorted), ascending
        self.entries: dict[str, RankedEntry | int] = {}
        self.mismatched: set[str] = set()  # contacts whose stored hs_object_id is not their id
        self.journal: ChangeJournal | None = None
        self.generation = -1
        self.position = 0

    def refresh(self, journal: ChangeJournal, records: dict[str, Record], archived: set[str]) -> None:
        """Catch up with the portal: replay the journal's new changes, or rebuild when it was cleared or overflowed."""
        if journal is not self.journal or journal.generation != self.generation:
            self._rebuild(records, archived)
        else:
            for cid in dict.fromkeys(journal.ids[self.position :]):
                self._place(cid, records, archived)
        self.journal, self.generation, self.position = journal, journal.generation, len(journal.ids)

    def _rebuild(self, records: dict[str, Record], archived: set[str]) -> None:
        self.entries = {
            cid: self._entry(cid, record)
            for cid, record in records.items()
            if cid not in archived and matches(self.base, record)
        }
        self.ranked = sorted(e for e in self.entries.values() if isinstance(e, tuple))
        self.trailing = sorted(e for e in self.entries.values() if isinstance(e, int))
        self.mismatched = {cid for cid in self.entries if self._mismatched(cid, records[cid])}

    def _place(self, cid: str, records: dict[str, Record], archived: set[str]) -> None:
        record = records.get(cid)
        entry = None
        if record is not None and cid not in archived and matches(self.base, record):
            entry = self._entry(cid, record)
        old = self.entries.pop(cid, None)
        self.mismatched.discard(cid)
        if old is not None and old != entry:
            ordered = self._list_of(old)
            del ordered[bisect.bisect_left(ordered, old)]
        if record is None or entry is None:
            return
        self.entries[cid] = entry
        if old != entry:
            bisect.insort(self._list_of(entry), entry)
        if self._mismatched(cid, record):
            self.mismatched.add(cid)

    def _list_of(self, entry: RankedEntry | int) -> list[Any]:
        return self.ranked if isinstance(entry, tuple) else self.trailing

    def _entry(self, cid: str, record: Record) -> RankedEntry | int:
        definition = self.definition
        if definition is None or not record.get(definition.name):
            return int(cid)
        # descending: the stable reverse sort keeps ties in ascending id order, so ties rank by -id here
        tie = -int(cid) if self.base.descending else int(cid)
        return (sort_value(definition, cid, record), tie, cid)

    def _mismatched(self, cid: str, record: Record) -> bool:
        """Whether a range filter on hs_object_id (which tests the stored value) would disagree with the id order."""
        if self.definition is None or self.definition.name != "hs_object_id":
            return False
        value = record.get("hs_object_id")
        try:
            return bool(value) and float(str(value)) != float(cid)
        except ValueError:
            return True

    def page(self, ranges: list[Bounds], after: int, limit: int) -> tuple[int, list[str]] | None:
        """(total, the ids of positions after..after+limit); None when the ranges cannot be bisected here."""
        if ranges and self.mismatched:
            return None  # a range on hs_object_id tests the stored value, which here differs from the id order
        low, high = self._span(ranges)
        trailing = [] if ranges else self.trailing
        span = high - low
        start, end = after, after + limit
        if self.base.descending:
            ranked = [e[2] for e in reversed(self.ranked[max(low, high - end) : high - min(start, span)])]
        else:
            ranked = [e[2] for e in self.ranked[low + min(start, span) : low + min(end, span)]]
        rest = [str(i) for i in trailing[max(0, start - span) : max(0, end - span)]]
        return span + len(trailing), ranked + rest

    def _span(self, ranges: list[Bounds]) -> tuple[int, int]:
        low, high = 0, len(self.ranked)
        for lower, low_inclusive, upper, high_inclusive in ranges:
            if lower is not None:
                find = bisect.bisect_left if low_inclusive else bisect.bisect_right
                low = max(low, find(self.ranked, lower, key=_value))
            if upper is not None:
                find = bisect.bisect_right if high_inclusive else bisect.bisect_left
                high = min(high, find(self.ranked, upper, key=_value))
        return low, max(low, high)


class SearchViews:
    """The views of the searches asked lately, kept up to date with the portal's writes."""

    def __init__(self) -> None:
        self._views: OrderedDict[tuple[Any, ...], View] = OrderedDict()

    def answer(
        self,
        request: SearchRequest,
        definitions: dict[str, PropertyDefinition],
        journal: ChangeJournal,
        records: dict[str, Record],
        archived: set[str],
    ) -> tuple[int, list[str]] | None:
        """(total, the page's ids) for a search, or None when it has to be answered by a full scan."""
        chosen = plan(request, definitions)
        view = self._views.pop(chosen.key, None)
        if view is None:
            sort = request.sort_property
            view = View(chosen.base, definitions[sort] if sort is not None else None)
        self._views[chosen.key] = view
        while len(self._views) > VIEWS_KEPT:
            self._views.popitem(last=False)
        view.refresh(journal, records, archived)
        return view.page(chosen.ranges, request.after, request.limit)


class ObjectSearch:
    """The search of one object type: a validated body answered from views, or by a scan under an index lag."""

    def __init__(
        self, config: SandboxConfig, modified_property: str, query_properties: tuple[str, ...] = QUERY_PROPERTIES
    ) -> None:
        self.config = config
        self.modified_property = modified_property
        self.query_properties = query_properties
        self.views = SearchViews()

    def parse(self, body_text: str, definitions: dict[str, PropertyDefinition]) -> SearchRequest:
        """The validated request (a 400 ApiError when it breaks a limit)."""
        return parse_search(body_text, definitions, self.config.search_cap, self.query_properties)

    def page(
        self,
        request: SearchRequest,
        definitions: dict[str, PropertyDefinition],
        journal: ChangeJournal,
        records: dict[str, Record],
        archived: set[str],
        now_ms: int,
    ) -> tuple[int, list[str]]:
        """(total, the page's ids)."""
        if self.config.search_index_lag_s <= 0:
            answer = self.views.answer(request, definitions, journal, records, archived)
            if answer is not None:
                return answer
        return self.scan(request, definitions, records, archived, now_ms)

    def scan(
        self,
        request: SearchRequest,
        definitions: dict[str, PropertyDefinition],
        records: dict[str, Record],
        archived: set[str],
        now_ms: int,
    ) -> tuple[int, list[str]]:
        """(total, the page's ids) from every record: what views cannot answer (an index lag, for one)."""
        lag_ms = int(self.config.search_index_lag_s * 1000)
        cutoff = iso_ms(now_ms - lag_ms) if lag_ms > 0 else None
        modified = self.modified_property
        hits = [
            rid
            for rid, record in records.items()
            if rid not in archived and (cutoff is None or record[modified] <= cutoff) and matches(request, record)
        ]
        ordered = order(hits, records, request, definitions)
        return len(ordered), ordered[request.after : request.after + request.limit]


def search_payload(request: SearchRequest, total: int, results: list[dict[str, Any]]) -> dict[str, Any]:
    """A search answer: total, results, and the next page's `after` while there is one."""
    payload: dict[str, Any] = {"total": total, "results": results}
    end = request.after + request.limit
    if request.limit > 0 and end < total:
        payload["paging"] = {"next": {"after": str(end)}}
    return payload
