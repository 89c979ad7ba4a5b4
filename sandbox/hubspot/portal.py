"""The HubSpot portal's state: contacts, property definitions, activities, and the test hooks.

Contacts are stored as property dicts of strings (an empty value is simply absent). Contact ids are
strings of increasing integers. `lock` guards everything; the HTTP handlers take it per request.
Every write notes the contacts it touched in `changes`, which search views follow (search_views.py).

Merges: `merge_contacts(primary, merged)` removes the merged contact; reading the merged id (batch read,
GET by id) answers with the primary record, as HubSpot does after a merge. Its activities, web events and
company associations are reported under the primary from then on.

Companies live in `companies` (companies.py): their records, definitions and the contact-company associations.
A contact's `associatedcompanyid` (read-only through the API, as in HubSpot since 2019) follows its primary
company association; changing that association moves the contact's `lastmodifieddate`, changing a company does
not touch its contacts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from leadstage.sandbox.hubspot.activities import ENGAGEMENT_TYPES, EVENT_TYPES, Engagement, TimelineStore, WebEvent
from leadstage.sandbox.hubspot.companies import CompanyStore
from leadstage.sandbox.hubspot.company_properties import COMPANY_MODIFIED
from leadstage.sandbox.hubspot.properties import (
    STANDARD_GROUPS,
    TYPE_DATE,
    TYPE_DATETIME,
    PropertyDefinition,
    lifecycle_date_property,
    make_options,
    standard_definitions,
    stringify,
)
from leadstage.sandbox.hubspot.search_views import ChangeJournal
from leadstage.sandbox.timeutil import (
    MS_PER_MINUTE,
    clock_ms,
    datetime_to_ms,
    iso_ms,
    parse_date,
    parse_instant,
)

FIRST_CONTACT_ID = 101
PRIMARY_COMPANY_PROPERTY = "associatedcompanyid"
CORE_PROPERTIES = ("hs_object_id", "createdate", "lastmodifieddate")
DEFAULT_CONTACT_PROPERTIES = (
    "createdate",
    "email",
    "firstname",
    "hs_object_id",
    "lastmodifieddate",
    "lastname",
)
SESSION_GAP_MS = 30 * MS_PER_MINUTE
ADDED_EVENT_ID_PREFIX = "a"  # added web events: "a" + 14 digits (seeded ones are 15 digits)
SINGULAR_TYPES = {"email": "emails", "call": "calls", "meeting": "meetings", "note": "notes", "task": "tasks"}
SUMMED_ROLLUPS = (
    "hs_analytics_num_page_views",
    "hs_analytics_num_visits",
    "num_conversion_events",
    "hs_email_open",
    "hs_email_click",
    "num_contacted_notes",
    "num_associated_deals",
)
LATEST_ROLLUPS = (
    "hs_analytics_last_visit_timestamp",
    "hs_email_last_open_date",
    "notes_last_contacted",
    "hs_last_sales_activity_timestamp",
    "notes_last_updated",
)
CONTACTED_EMAIL_DIRECTIONS = ("EMAIL", "FORWARDED_EMAIL")


def engagement_type(name: str) -> str:
    """Normalise "email"/"emails" to the plural object type name; ValueError when unknown."""
    plural = SINGULAR_TYPES.get(name, name)
    if plural not in ENGAGEMENT_TYPES:
        raise ValueError(f"unknown activity type {name!r}; use one of {', '.join(ENGAGEMENT_TYPES)}")
    return plural


class HubSpotPortal:
    """A HubSpot account's CRM data as the sandbox serves it."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.clear()

    def clear(self) -> None:
        """An empty portal with the standard property definitions."""
        with self.lock:
            created = iso_ms(self.now_ms())
            self.definitions: dict[str, PropertyDefinition] = standard_definitions(created)
            self.groups: dict[str, dict[str, Any]] = {
                name: {"name": name, "label": label, "displayOrder": order, "archived": False}
                for order, (name, label) in enumerate(STANDARD_GROUPS)
            }
            self.contacts: dict[str, dict[str, str]] = {}
            self.changes = ChangeJournal()
            self.archived: set[str] = set()
            self.merged_into: dict[str, str] = {}
            self.corruptions: dict[str, dict[str, Any]] = {}
            self.timelines = TimelineStore()
            self.rejected_writes: dict[str, str] = {}
            self.next_contact_id = FIRST_CONTACT_ID
            self.companies = CompanyStore(created)

    def now_ms(self) -> int:
        """The clock's now in epoch ms."""
        return clock_ms(self.clock)

    # ----- reading ------------
    def resolve(self, contact_id: str) -> str:
        """Follow merges to the surviving contact id."""
        seen = 0
        while contact_id in self.merged_into and seen < len(self.merged_into):
            contact_id, seen = self.merged_into[contact_id], seen + 1
        return contact_id

    def active_ids(self) -> list[str]:
        """Ids of contacts that are neither archived nor merged, ascending."""
        return [cid for cid in self.contacts if cid not in self.archived]

    def contact_object(self, contact_id: str, properties: Iterable[str] | None) -> dict[str, Any]:
        """The API shape of one contact with the requested properties (None: every stored one)."""
        props = self.contacts[contact_id]
        if properties is None:
            names = set(props) | set(CORE_PROPERTIES)
        else:
            names = {name for name in properties if name in self.definitions} | set(CORE_PROPERTIES)
        obj: dict[str, Any] = {
            "id": contact_id,
            "properties": {name: props.get(name) for name in sorted(names)},
            "createdAt": props["createdate"],
            "updatedAt": props["lastmodifieddate"],
            "archived": contact_id in self.archived,
        }
        if contact_id in self.archived:
            obj["archivedAt"] = props["lastmodifieddate"]
        corruption = self.corruptions.get(contact_id)
        if corruption:
            obj = _corrupted(obj, corruption)
        return obj

    def corrupt(self, contact_id: str, **overrides: Any) -> None:
        """Test hook: answer this contact with broken data, as a misbehaving CRM or integration might.

        Top-level keys replace the object's (``id``, ``updatedAt``, ``properties=None``...); a ``properties`` dict
        is merged into the contact's properties as served (stored data and search are unaffected).
        """
        with self.lock:
            self.corruptions[contact_id] = overrides

    def get_contact(self, contact_id: str) -> dict[str, Any]:
        """The API shape of a contact with all its stored properties (follows merges)."""
        with self.lock:
            return self.contact_object(self.resolve(contact_id), None)

    def property(self, name: str) -> dict[str, Any] | None:
        """A property definition in the API shape, or None."""
        with self.lock:
            definition = self.definitions.get(name)
            return definition.to_api() if definition else None

    def sources_of(self, contact_id: str) -> list[str]:
        """The contact and every contact merged into it (whose activities it now owns)."""
        return [contact_id, *sorted(m for m in self.merged_into if self.resolve(m) == contact_id)]

    def activities_of(self, contact_id: str) -> list[dict[str, Any]]:
        """The contact's engagements (emails, calls, ...), oldest first: {"id", "type", "properties"}."""
        with self.lock:
            items = [e for source in self.sources_of(contact_id) for e in self.timelines.engagements_of(source)]
            items.sort(key=lambda e: (e.timestamp_ms, e.id))
            return [{"id": str(e.id), "type": e.object_type, "properties": dict(e.properties)} for e in items]

    def events_of(self, contact_id: str) -> list[dict[str, Any]]:
        """The contact's web events in the events API shape, oldest first."""
        with self.lock:
            events = [e for source in self.sources_of(contact_id) for e in self.timelines.events_of(source)]
            events.sort(key=lambda e: (e.occurred_ms, e.id))
            return [event.to_api(contact_id) for event in events]

    # ----- writing (API semantics) ------------
    def stage_is_forward(self, current: str, new: str) -> bool:
        """Whether moving lifecyclestage from `current` to `new` is allowed (forward or same)."""
        order = self.definitions["lifecyclestage"].option_values()
        if not current or current not in order or new not in order:
            return True
        return order.index(new) >= order.index(current)

    def apply_api_write(self, contact_id: str, values: dict[str, str], now_ms: int) -> None:
        """Apply validated values like the API does (forward-only lifecycle, timestamps move)."""
        props = self.contacts[contact_id]
        stamp = iso_ms(now_ms)
        for name, value in values.items():
            if name == "lifecyclestage":
                if value and not self.stage_is_forward(props.get(name, ""), value):
                    continue  # HubSpot silently keeps the later stage
                self._set_stage(props, value, stamp)
            elif value == "":
                props.pop(name, None)
            else:
                props[name] = value
        props["lastmodifieddate"] = stamp
        self.changes.note(contact_id)

    def _set_stage(self, props: dict[str, str], value: str, stamp: str) -> None:
        if value == "":
            props.pop("lifecyclestage", None)
            return
        changed = props.get("lifecyclestage") != value
        props["lifecyclestage"] = value
        date_property = lifecycle_date_property(value)
        if changed and date_property in self.definitions and not props.get(date_property):
            props[date_property] = stamp

    # ----- test hooks: contacts ------------
    def _ui_values(
        self, properties: dict[str, Any], definitions: dict[str, PropertyDefinition] | None = None
    ) -> dict[str, str]:
        kind = "contact" if definitions is None else "company"
        definitions = self.definitions if definitions is None else definitions
        out = {}
        for name, raw in properties.items():
            definition = definitions.get(name)
            if definition is None:
                raise ValueError(f"unknown {kind} property {name!r}; create its definition first")
            if kind == "contact" and name == PRIMARY_COMPANY_PROPERTY:
                raise ValueError(f"{name} follows the primary company association: use associate(contact, company)")
            value = stringify(raw)
            if value and definition.type == TYPE_DATETIME:
                ms = parse_instant(value)
                value = iso_ms(ms) if ms is not None else value
            elif value and definition.type == TYPE_DATE:
                value = parse_date(value) or value
            out[name] = value
        return out

    def add_contact(self, properties: dict[str, Any], created_at: datetime | None = None) -> str:
        """Create a contact as if someone added it in HubSpot; returns its id."""
        with self.lock:
            values = self._ui_values(properties)
            created_ms = datetime_to_ms(created_at) if created_at else self.now_ms()
            contact_id = str(self.next_contact_id)
            self.next_contact_id += 1
            stamp = iso_ms(created_ms)
            props = {"hs_object_id": contact_id, "createdate": stamp, "lastmodifieddate": stamp}
            self.contacts[contact_id] = props
            for name, value in values.items():
                if name == "lifecyclestage":
                    self._set_stage(props, value, stamp)
                elif value:
                    props[name] = value
            self.changes.note(contact_id)
            return contact_id

    def update_contact(self, contact_id: str, properties: dict[str, Any]) -> None:
        """A user's edit in the HubSpot UI (any stage change allowed); lastmodifieddate moves to now."""
        with self.lock:
            contact_id = self.resolve(contact_id)
            props = self.contacts[contact_id]
            stamp = iso_ms(self.now_ms())
            for name, value in self._ui_values(properties).items():
                if name == "lifecyclestage":
                    self._set_stage(props, value, stamp)
                elif value:
                    props[name] = value
                else:
                    props.pop(name, None)
            props["lastmodifieddate"] = stamp
            self.changes.note(contact_id)

    def archive_contact(self, contact_id: str) -> None:
        """Archive (soft-delete) a contact: gone from list, search and batch read."""
        with self.lock:
            if contact_id not in self.contacts:
                raise KeyError(f"no contact {contact_id}")
            self.archived.add(contact_id)
            self.contacts[contact_id]["lastmodifieddate"] = iso_ms(self.now_ms())
            self.changes.note(contact_id)

    def merge_contacts(self, primary_id: str, merged_id: str) -> None:
        """Merge `merged_id` into `primary_id` (primary's values win; blanks are filled; stage = furthest)."""
        with self.lock:
            if primary_id == merged_id or primary_id not in self.contacts or merged_id not in self.contacts:
                raise KeyError(f"cannot merge {merged_id} into {primary_id}: both must be existing contacts")
            primary, merged = self.contacts[primary_id], self.contacts.pop(merged_id)
            self.archived.discard(merged_id)
            for name in SUMMED_ROLLUPS:
                total = float(primary.get(name) or 0) + float(merged.get(name) or 0)
                if primary.get(name) or merged.get(name):
                    primary[name] = str(int(total)) if total.is_integer() else str(total)
            for name in LATEST_ROLLUPS:
                primary[name] = max(primary.get(name, ""), merged.get(name, "")) or primary.get(name, "")
                if not primary[name]:
                    primary.pop(name)
            if merged.get("recent_conversion_date", "") > primary.get("recent_conversion_date", ""):
                for name in ("recent_conversion_date", "recent_conversion_event_name"):
                    primary[name] = merged.get(name, "")
            for name, value in merged.items():
                primary.setdefault(name, value)
            stages = [s for s in (primary.get("lifecyclestage"), merged.get("lifecyclestage")) if s]
            if len(stages) == 2 and not self.stage_is_forward(stages[1], stages[0]):
                primary["lifecyclestage"] = stages[1]
            primary["createdate"] = min(primary["createdate"], merged["createdate"])
            primary["hs_object_id"] = primary_id
            ids = [i for i in primary.get("hs_merged_object_ids", "").split(";") if i] + [merged_id]
            primary["hs_merged_object_ids"] = ";".join(ids)
            self.companies.links.merge(merged_id, primary_id)
            self._mirror_primary_company(primary_id)
            primary["lastmodifieddate"] = iso_ms(self.now_ms())
            self.merged_into[merged_id] = primary_id
            self.changes.note(primary_id, merged_id)

    # ----- test hooks: companies ------------
    def get_company(self, company_id: str) -> dict[str, Any]:
        """The API shape of a company with all its stored properties."""
        with self.lock:
            return self.companies.company_object(self._company(company_id), None)

    def add_company(self, properties: dict[str, Any], created_at: datetime | None = None) -> str:
        """Create a company as if someone (or enrichment) added it in HubSpot; returns its id."""
        with self.lock:
            store = self.companies
            values = self._ui_values(properties, store.definitions)
            stamp = iso_ms(datetime_to_ms(created_at) if created_at else self.now_ms())
            company_id = str(store.next_id)
            store.next_id += 1
            props = {"hs_object_id": company_id, "createdate": stamp, COMPANY_MODIFIED: stamp}
            props.update({name: value for name, value in values.items() if value})
            store.records[company_id] = props
            store.changes.note(company_id)
            return company_id

    def update_company(self, company_id: str, properties: dict[str, Any]) -> None:
        """A user's (or enrichment's) edit: hs_lastmodifieddate moves to now; its contacts are not touched."""
        with self.lock:
            store = self.companies
            company_id = self._company(company_id)
            props = store.records[company_id]
            for name, value in self._ui_values(properties, store.definitions).items():
                if value:
                    props[name] = value
                else:
                    props.pop(name, None)
            props[COMPANY_MODIFIED] = iso_ms(self.now_ms())
            store.changes.note(company_id)

    def associate(self, contact_id: str, company_id: str, primary: bool = True) -> None:
        """Associate a contact with a company (unlabeled); `primary` also makes it the contact's primary company
        (the previous primary stays associated, unlabeled), which sets `associatedcompanyid` and moves the
        contact's lastmodifieddate."""
        with self.lock:
            contact_id = self._contact(contact_id)
            self.companies.links.link(contact_id, self._company(company_id), primary)
            self._mirror_primary_company(contact_id, touch=True)

    def dissociate(self, contact_id: str, company_id: str) -> None:
        """Remove a contact-company association (the primary one too: `associatedcompanyid` is cleared)."""
        with self.lock:
            contact_id = self._contact(contact_id)
            if not self.companies.links.unlink(contact_id, self._company(company_id)):
                raise KeyError(f"contact {contact_id} is not associated with company {company_id}")
            self._mirror_primary_company(contact_id, touch=True)

    def companies_of(self, contact_id: str) -> list[tuple[str, bool]]:
        """(company id, primary) of a contact's associated companies, by id (follows merges)."""
        with self.lock:
            return self.companies.links.companies_of(self.resolve(contact_id))

    def _contact(self, contact_id: str) -> str:
        found = self.resolve(str(contact_id))
        if found not in self.contacts:
            raise KeyError(f"no contact {contact_id}")
        return found

    def _company(self, company_id: str) -> str:
        if str(company_id) not in self.companies.records:
            raise KeyError(f"no company {company_id}")
        return str(company_id)

    def _mirror_primary_company(self, contact_id: str, touch: bool = False) -> None:
        """Set the contact's associatedcompanyid from its primary association; `touch`: moves lastmodifieddate
        (and notes the change) when the value changed."""
        props = self.contacts[contact_id]
        primary = self.companies.links.primary_of(contact_id) or ""
        if props.get(PRIMARY_COMPANY_PROPERTY, "") == primary:
            return
        if primary:
            props[PRIMARY_COMPANY_PROPERTY] = primary
        else:
            props.pop(PRIMARY_COMPANY_PROPERTY, None)
        if touch:
            props["lastmodifieddate"] = iso_ms(self.now_ms())
            self.changes.note(contact_id)

    def reject_writes(self, ids: set[str], message: str) -> None:
        """Make batch updates of these ids fail (207) with `message`; an empty set clears the hook."""
        with self.lock:
            self.rejected_writes = {str(i): message for i in ids}

    def set_property_options(self, name: str, values: Iterable[str] | Iterable[dict[str, Any]]) -> None:
        """Replace an enumeration's options (values, or option dicts with label/value)."""
        with self.lock:
            definition = self.definitions[name]
            items = list(values)
            if items and isinstance(items[0], dict):
                definition.options = [dict(o, displayOrder=i) for i, o in enumerate(items)]  # type: ignore[arg-type]
            else:
                definition.options = make_options([str(v) for v in items])
            definition.updated_at = iso_ms(self.now_ms())

    # ----- test hooks: activities ------------
    def add_activity(self, object_type: str, contact_id: str, properties: dict[str, Any]) -> str:
        """Log an engagement on a contact; updates its rollups and lastmodifieddate like HubSpot."""
        with self.lock:
            plural = engagement_type(object_type)
            contact_id = self.resolve(contact_id)
            props = self.contacts[contact_id]
            now = self.now_ms()
            values = {name: stringify(value) for name, value in properties.items()}
            ts = parse_instant(values.get("hs_timestamp")) if values.get("hs_timestamp") else now
            ts = now if ts is None else ts
            stamp = iso_ms(ts)
            values.update(hs_timestamp=stamp, hs_createdate=iso_ms(now), hs_lastmodifieddate=iso_ms(now))
            item = self.timelines.add_engagement(plural, contact_id, values, ts)
            self._roll_up_engagement(props, item, ts)
            props["lastmodifieddate"] = iso_ms(now)
            self.changes.note(contact_id)
            return str(item.id)

    def _roll_up_engagement(self, props: dict[str, str], item: Engagement, ts: int) -> None:
        p = item.properties
        contacted = (
            item.object_type == "emails" and p.get("hs_email_direction", "EMAIL") in CONTACTED_EMAIL_DIRECTIONS
        ) or item.object_type in ("calls", "meetings")
        engaged = (
            (item.object_type == "emails" and p.get("hs_email_direction") == "INCOMING_EMAIL")
            or item.object_type == "meetings"
            or (item.object_type == "calls" and p.get("hs_call_status", "COMPLETED") == "COMPLETED")
        )
        if contacted:
            _bump(props, "num_contacted_notes")
            _latest(props, "notes_last_contacted", ts)
        if engaged:
            _latest(props, "hs_last_sales_activity_timestamp", ts)
        _latest(props, "notes_last_updated", ts)

    def add_web_event(self, contact_id: str, event_type: str, occurred_at: datetime, properties: dict[str, Any]) -> str:
        """Record a web event for a contact; updates its analytics rollups and lastmodifieddate."""
        if event_type not in EVENT_TYPES and not event_type.startswith(("e_", "pe", "ae")):
            raise ValueError(f"unknown event type {event_type!r}")
        with self.lock:
            contact_id = self.resolve(contact_id)
            props = self.contacts[contact_id]
            occurred = datetime_to_ms(occurred_at)
            values = {name: stringify(value) for name, value in properties.items()}
            event_id = f"{ADDED_EVENT_ID_PREFIX}{len(self.timelines.added_events()) + 1:014d}"
            self.timelines.add_event(WebEvent(event_id, event_type, occurred, contact_id, values))
            self._roll_up_event(props, event_type, occurred, values)
            props["lastmodifieddate"] = iso_ms(self.now_ms())
            self.changes.note(contact_id)
            return event_id

    def _roll_up_event(self, props: dict[str, str], event_type: str, occurred: int, values: dict[str, str]) -> None:
        if event_type == "e_visited_page":
            last = parse_instant(props.get("hs_analytics_last_visit_timestamp", ""))
            _bump(props, "hs_analytics_num_page_views")
            if last is None or occurred - last > SESSION_GAP_MS:
                _bump(props, "hs_analytics_num_visits")
            _latest(props, "hs_analytics_last_visit_timestamp", occurred)
        elif event_type == "e_submitted_form":
            _bump(props, "num_conversion_events")
            if iso_ms(occurred) >= props.get("recent_conversion_date", ""):
                props["recent_conversion_date"] = iso_ms(occurred)
                props["recent_conversion_event_name"] = values.get("hs_form_title") or "Form submission"
            _latest(props, "hs_last_sales_activity_timestamp", occurred)
        elif event_type == "e_opened_email":
            _bump(props, "hs_email_open")
            _latest(props, "hs_email_last_open_date", occurred)
        elif event_type == "e_clicked_email":
            _bump(props, "hs_email_click")


def _bump(props: dict[str, str], name: str) -> None:
    props[name] = str(int(float(props.get(name) or 0)) + 1)


def _latest(props: dict[str, str], name: str, ms: int) -> None:
    stamp = iso_ms(ms)
    if stamp > props.get(name, ""):
        props[name] = stamp


def _corrupted(obj: dict[str, Any], corruption: dict[str, Any]) -> dict[str, Any]:
    broken = dict(obj)
    for key, value in corruption.items():
        if key == "properties" and isinstance(value, dict) and isinstance(broken.get("properties"), dict):
            broken["properties"] = {**broken["properties"], **value}
        else:
            broken[key] = value
    return broken
