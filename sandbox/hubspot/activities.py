"""Activity storage: seeded timelines rendered lazily (and cached), plus activities added by tests.

Seeded engagements have ids derived from (contact id, item index):
`ENGAGEMENT_ID_BASE + contact_id * ENGAGEMENT_ID_STRIDE + index`, so listing them in id order walks the
contacts in id order and never needs all timelines in memory. Added engagements get ids from
`ADDED_ENGAGEMENT_ID_START` upwards. The store is not thread-safe by itself: the portal's lock guards it.
"""

from __future__ import annotations

import bisect
import heapq
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from leadstage.sandbox.hubspot import seed_timeline as tl
from leadstage.sandbox.timeutil import iso_ms

ENGAGEMENT_ID_BASE = 1_000_000_000
ENGAGEMENT_ID_STRIDE = 1_000
ADDED_ENGAGEMENT_ID_START = 10_000_000_000_000
TIMELINE_CACHE_SIZE = 2_048
SKELETON_CACHE_SIZE = 32_768  # compact (ts, kind, variant) lists: a few KB each
ENGAGEMENT_TYPES = ("emails", "calls", "meetings", "notes", "tasks")
EVENT_TYPES = (
    "e_visited_page",
    "e_submitted_form",
    "e_opened_email",
    "e_clicked_email",
    "e_attended_webinar",
    "e_downloaded_content",
)


@dataclass(slots=True)
class Engagement:
    """An email, call, meeting, note or task logged on one contact."""

    id: int
    object_type: str
    contact_id: str
    properties: dict[str, str]
    timestamp_ms: int


@dataclass(slots=True)
class WebEvent:
    """A web/marketing event of one contact (events v3)."""

    id: str
    event_type: str
    occurred_ms: int
    contact_id: str
    properties: dict[str, str]

    def to_api(self, object_id: str) -> dict[str, Any]:
        """The event as GET /events/v3/events answers it."""
        return {
            "objectType": "CONTACT",
            "objectId": object_id,
            "eventType": self.event_type,
            "occurredAt": iso_ms(self.occurred_ms),
            "id": self.id,
            "properties": dict(self.properties),
        }


@dataclass
class Timeline:
    """One contact's rendered seeded activities."""

    engagements: list[Engagement] = field(default_factory=list)
    events: list[WebEvent] = field(default_factory=list)
    events_by_id: dict[str, WebEvent] = field(default_factory=dict)


class TimelineStore:
    """Seeded timelines (lazy) + added activities."""

    def __init__(self) -> None:
        self.reset(seed=0, now_ms=0, profiles={})

    def reset(self, seed: int, now_ms: int, profiles: dict[str, tl.Profile]) -> None:
        """Replace everything with the timelines of a new seed."""
        self.seed = seed
        self.now_ms = now_ms
        self.profiles = profiles
        self._seeded_ids = sorted(int(cid) for cid in profiles)
        self._cache: OrderedDict[str, Timeline] = OrderedDict()
        self._skeletons: OrderedDict[str, list[tl.Item]] = OrderedDict()
        self.added_engagements: dict[int, Engagement] = {}
        self._added_by_contact: dict[str, list[Engagement]] = {}
        self._added_events: dict[str, list[WebEvent]] = {}
        self._next_added_id = ADDED_ENGAGEMENT_ID_START
        self._event_index: list[int] | None = None

    # ----- seeded ------------
    def seeded(self, contact_id: str) -> Timeline:
        """The rendered seeded timeline of a contact (empty when it was not seeded)."""
        cached = self._cache.get(contact_id)
        if cached is not None:
            self._cache.move_to_end(contact_id)
            return cached
        profile = self.profiles.get(contact_id)
        timeline = self._render(contact_id, profile) if profile else Timeline()
        self._cache[contact_id] = timeline
        if len(self._cache) > TIMELINE_CACHE_SIZE:
            self._cache.popitem(last=False)
        return timeline

    def _skeleton(self, contact_id: str, profile: tl.Profile) -> list[tl.Item]:
        cached = self._skeletons.get(contact_id)
        if cached is not None:
            self._skeletons.move_to_end(contact_id)
            return cached
        items = tl.skeleton(self.seed, contact_id, profile, self.now_ms)
        self._skeletons[contact_id] = items
        if len(self._skeletons) > SKELETON_CACHE_SIZE:
            self._skeletons.popitem(last=False)
        return items

    def _render(self, contact_id: str, profile: tl.Profile) -> Timeline:
        timeline = Timeline()
        base = ENGAGEMENT_ID_BASE + int(contact_id) * ENGAGEMENT_ID_STRIDE
        for index, (ts, kind, variant) in enumerate(self._skeleton(contact_id, profile)):
            object_type = tl.ENGAGEMENT_TYPE.get(kind)
            if object_type is None:
                for part, (event_type, occurred, props) in enumerate(tl.web_events(kind, ts, variant)):
                    event_id = tl.event_id(int(contact_id), index, part)
                    event = WebEvent(event_id, event_type, occurred, contact_id, props)
                    timeline.events.append(event)
                    timeline.events_by_id[event_id] = event
                continue
            timeline.engagements.append(self._engagement(contact_id, base + index, object_type, ts, kind, variant))
        timeline.events.sort(key=lambda e: (e.occurred_ms, e.id))
        return timeline

    def _engagement(self, contact_id: str, eid: int, object_type: str, ts: int, kind: int, variant: int) -> Engagement:
        props = tl.engagement_properties(kind, ts, variant, self.now_ms)
        stamp = iso_ms(ts)
        props.update(hs_timestamp=stamp, hs_createdate=stamp, hs_lastmodifieddate=stamp, hs_object_id=str(eid))
        return Engagement(eid, object_type, contact_id, props, ts)

    # ----- per contact ------------
    def engagement_ids(self, contact_id: str, object_type: str) -> list[int]:
        """Ids of one contact id's seeded and added engagements of a type (not following merges), ascending.

        Seeded ids come from the contact's skeleton: association lookups need no rendered timeline.
        """
        added = [e.id for e in self._added_by_contact.get(contact_id, []) if e.object_type == object_type]
        profile = self.profiles.get(contact_id)
        if profile is None:
            return sorted(added)
        base = ENGAGEMENT_ID_BASE + int(contact_id) * ENGAGEMENT_ID_STRIDE
        seeded = [
            base + index
            for index, (_, kind, _) in enumerate(self._skeleton(contact_id, profile))
            if tl.ENGAGEMENT_TYPE.get(kind) == object_type
        ]
        return sorted(seeded + added)

    def engagements_of(self, contact_id: str) -> list[Engagement]:
        """Seeded and added engagements of one contact id (not following merges), by time then id."""
        out = self.seeded(contact_id).engagements + self._added_by_contact.get(contact_id, [])
        return sorted(out, key=lambda e: (e.timestamp_ms, e.id))

    def events_of(self, contact_id: str) -> list[WebEvent]:
        """Seeded and added web events of one contact id, by time then id."""
        out = self.seeded(contact_id).events + self._added_events.get(contact_id, [])
        return sorted(out, key=lambda e: (e.occurred_ms, e.id))

    def engagement(self, engagement_id: int) -> Engagement | None:
        """One engagement by id."""
        if engagement_id in self.added_engagements:
            return self.added_engagements[engagement_id]
        offset = engagement_id - ENGAGEMENT_ID_BASE
        if offset < 0:
            return None
        contact_id = str(offset // ENGAGEMENT_ID_STRIDE)
        profile = self.profiles.get(contact_id)
        if profile is None:
            return None
        cached = self._cache.get(contact_id)
        if cached is not None:
            return next((item for item in cached.engagements if item.id == engagement_id), None)
        # Batch reads touch a few engagements of many contacts: build just this one from its skeleton item.
        items = self._skeleton(contact_id, profile)
        index = offset % ENGAGEMENT_ID_STRIDE
        if index >= len(items):
            return None
        ts, kind, variant = items[index]
        object_type = tl.ENGAGEMENT_TYPE.get(kind)
        if object_type is None:
            return None
        return self._engagement(contact_id, engagement_id, object_type, ts, kind, variant)

    # ----- additions ------------
    def add_engagement(self, object_type: str, contact_id: str, properties: dict[str, str], ts_ms: int) -> Engagement:
        """Store a new engagement; the caller sets the dates in `properties`."""
        eid = self._next_added_id
        self._next_added_id += 1
        properties["hs_object_id"] = str(eid)
        item = Engagement(eid, object_type, contact_id, properties, ts_ms)
        self.added_engagements[eid] = item
        self._added_by_contact.setdefault(contact_id, []).append(item)
        return item

    def restore_engagement(self, item: Engagement) -> None:
        """Re-add an engagement loaded from a data file (keeps its id)."""
        self.added_engagements[item.id] = item
        self._added_by_contact.setdefault(item.contact_id, []).append(item)
        self._next_added_id = max(self._next_added_id, item.id + 1)

    def add_event(self, event: WebEvent) -> None:
        """Store a new web event."""
        self._added_events.setdefault(event.contact_id, []).append(event)

    def added_events(self) -> list[WebEvent]:
        """All added web events (for the data file)."""
        return [event for events in self._added_events.values() for event in events]

    # ----- listing ------------
    def iter_engagements(self, object_type: str, min_id: int) -> Iterator[Engagement]:
        """Engagements of a type with id >= min_id, in ascending id order (seeded and added merged)."""
        added = sorted(
            (e for e in self.added_engagements.values() if e.object_type == object_type and e.id >= min_id),
            key=lambda e: e.id,
        )
        return heapq.merge(self._iter_seeded(object_type, min_id), added, key=lambda e: e.id)

    def _iter_seeded(self, object_type: str, min_id: int) -> Iterator[Engagement]:
        first_contact = max(0, (min_id - ENGAGEMENT_ID_BASE) // ENGAGEMENT_ID_STRIDE)
        start = bisect.bisect_left(self._seeded_ids, first_contact)
        for contact_int in self._seeded_ids[start:]:
            for item in self.seeded(str(contact_int)).engagements:
                if item.object_type == object_type and item.id >= min_id:
                    yield item

    def iter_all_events(
        self, descending: bool, event_type: str | None, after_ms: int | None, before_ms: int | None
    ) -> Iterator[WebEvent]:
        """All contacts' web events of a type in [after_ms, before_ms) by (time, id); renders only those used.

        Seeded events come from a compact sorted index of packed ints (built once per seed); only the
        contacts whose events are actually yielded get rendered.
        """
        index = self._packed_event_index()
        lo = 0 if after_ms is None else bisect.bisect_left(index, after_ms << _PACK_LOW_BITS)
        hi = len(index) if before_ms is None else bisect.bisect_left(index, before_ms << _PACK_LOW_BITS)
        positions = range(hi - 1, lo - 1, -1) if descending else range(lo, hi)
        code = EVENT_TYPES.index(event_type) if event_type in EVENT_TYPES else None
        seeded = (self._unpack(index[i]) for i in positions if event_type is None or (index[i] & _TYPE_MASK) == code)
        added = sorted(
            (
                e
                for e in self.added_events()
                if (event_type is None or e.event_type == event_type)
                and (after_ms is None or e.occurred_ms >= after_ms)
                and (before_ms is None or e.occurred_ms < before_ms)
            ),
            key=_event_key,
            reverse=descending,
        )
        return heapq.merge(seeded, added, key=_event_key, reverse=descending)

    def _packed_event_index(self) -> list[int]:
        if self._event_index is None:
            packed = []
            for contact_int in self._seeded_ids:
                profile = self.profiles[str(contact_int)]
                for index, (ts, kind, variant) in enumerate(self._skeleton(str(contact_int), profile)):
                    if kind in tl.ENGAGEMENT_TYPE:
                        continue
                    for part, (event_type, occurred) in enumerate(tl.web_event_times(kind, ts, variant)):
                        key = (((occurred << _CONTACT_BITS | contact_int) << _INDEX_BITS | index) << _PART_BITS) | part
                        packed.append(key << _TYPE_BITS | EVENT_TYPES.index(event_type))
            packed.sort()
            self._event_index = packed
        return self._event_index

    def _unpack(self, packed: int) -> WebEvent:
        rest = packed >> _TYPE_BITS
        part, rest = rest & ((1 << _PART_BITS) - 1), rest >> _PART_BITS
        index, rest = rest & ((1 << _INDEX_BITS) - 1), rest >> _INDEX_BITS
        contact_int = rest & ((1 << _CONTACT_BITS) - 1)
        contact_id = str(contact_int)
        event_id = tl.event_id(contact_int, index, part)
        cached = self._cache.get(contact_id)
        if cached is not None:
            return cached.events_by_id[event_id]
        # Events of many contacts interleave in time: build just this one event from the contact's skeleton item
        # (what rendering the whole timeline would give it) instead of rendering every timeline a page touches.
        ts, kind, variant = self._skeleton(contact_id, self.profiles[contact_id])[index]
        event_type, occurred, props = tl.web_events(kind, ts, variant)[part]
        return WebEvent(event_id, event_type, occurred, contact_id, props)


def _event_key(event: WebEvent) -> tuple[int, str]:
    return event.occurred_ms, event.id


# Packed seeded-event keys: occurred ms | contact id | item index | part | event type code. Event ids are
# fixed-width digits of (contact, index, part), so packed order equals (occurredAt, id) order.
_TYPE_BITS = 3
_PART_BITS = 3
_INDEX_BITS = 10  # MAX_ITEMS_PER_CONTACT < 1024
_CONTACT_BITS = 34  # contact ids below 10**10 (EVENT_ID_CONTACT_DIGITS)
_PACK_LOW_BITS = _CONTACT_BITS + _INDEX_BITS + _PART_BITS + _TYPE_BITS
_TYPE_MASK = (1 << _TYPE_BITS) - 1
