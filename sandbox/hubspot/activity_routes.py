"""HTTP handlers for activities: engagement objects, v4 associations, and web events.

Endpoint names: <type>.list, <type>.get, <type>.batch_read for type in emails/calls/meetings/notes/tasks;
associations.batch_read; events.list; events.types.

Associations v4 batch read serves contacts -> engagements (emails, calls, ...), contacts -> companies and
companies -> contacts. A contact-company pair answers its unlabeled type (279 contact to company, 280 company to
contact) and, for the contact's primary company, the primary type too (1, 2), each {category, typeId, label}
(label null for the unlabeled one; HubSpot warns that labels change, typeIds do not).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

from leadstage.sandbox.config import (
    ASSOCIATIONS_BATCH_MAX_INPUTS,
    BATCH_MAX_INPUTS,
    EVENTS_LIMIT_DEFAULT,
    LIST_LIMIT_DEFAULT,
    LIST_LIMIT_MAX,
    SandboxConfig,
)
from leadstage.sandbox.http import CATEGORY_NOT_FOUND, ApiError, Request, Response, Router, batch_error
from leadstage.sandbox.hubspot.activities import ENGAGEMENT_TYPES, EVENT_TYPES, Engagement, WebEvent
from leadstage.sandbox.hubspot.companies import (
    COMPANY_TO_CONTACT,
    COMPANY_TO_PRIMARY_CONTACT,
    CONTACT_TO_COMPANY,
    CONTACT_TO_PRIMARY_COMPANY,
    PRIMARY_LABEL,
)
from leadstage.sandbox.hubspot.portal import HubSpotPortal
from leadstage.sandbox.hubspot.routes import check_inputs, check_limit, paging_next
from leadstage.sandbox.timeutil import iso_ms, parse_instant

CORE_ENGAGEMENT_PROPERTIES = ("hs_createdate", "hs_lastmodifieddate", "hs_object_id")
ENGAGEMENT_PROPERTIES = {
    "emails": ("hs_timestamp", "hs_email_direction", "hs_email_subject", "hs_email_status"),
    "calls": ("hs_timestamp", "hs_call_direction", "hs_call_status", "hs_call_duration", "hs_call_title"),
    "meetings": (
        "hs_timestamp",
        "hs_meeting_title",
        "hs_meeting_start_time",
        "hs_meeting_end_time",
        "hs_meeting_outcome",
    ),
    "notes": ("hs_timestamp", "hs_note_body"),
    "tasks": ("hs_timestamp", "hs_task_subject", "hs_task_status", "hs_task_type"),
}
# v3 association type names and v4 HUBSPOT_DEFINED type ids, contact -> activity
V3_ASSOCIATION_TYPE = {
    "emails": "email_to_contact",
    "calls": "call_to_contact",
    "meetings": "meeting_event_to_contact",
    "notes": "note_to_contact",
    "tasks": "task_to_contact",
}
CONTACT_TO_TYPE_ID = {"emails": 197, "calls": 193, "meetings": 199, "notes": 201, "tasks": 203}
OBJECT_TYPE_ALIASES = {
    "email": "emails",
    "0-49": "emails",
    "call": "calls",
    "0-48": "calls",
    "meeting": "meetings",
    "0-47": "meetings",
    "note": "notes",
    "0-46": "notes",
    "task": "tasks",
    "0-27": "tasks",
}
CONTACT_ALIASES = ("contacts", "contact", "0-1")
COMPANY_ALIASES = ("companies", "company", "0-2")
NOT_FOUND_MESSAGE = "Could not get some {label} objects, they may be deleted or not exist. Check that ids are valid."
SORT_DESCENDING = ("DESCENDING", "-occurredAt", "-OCCURREDAT")


Associated = tuple[int, list[dict[str, Any]]]  # (toObjectId, associationTypes)


def _pair_types(primary: bool, primary_type: int, unlabeled_type: int) -> list[dict[str, Any]]:
    """A contact-company pair's association types (the primary one first, when it is the primary company)."""
    unlabeled = {"category": "HUBSPOT_DEFINED", "typeId": unlabeled_type, "label": None}
    if not primary:
        return [unlabeled]
    return [{"category": "HUBSPOT_DEFINED", "typeId": primary_type, "label": PRIMARY_LABEL}, unlabeled]


def engagement_object(item: Engagement, properties: list[str], contact_id: str | None) -> dict[str, Any]:
    """The v3 API shape of an engagement (`contact_id` set: include its contact association)."""
    names = set(properties) | set(CORE_ENGAGEMENT_PROPERTIES)
    known = set(ENGAGEMENT_PROPERTIES[item.object_type]) | set(item.properties)
    props = {name: item.properties.get(name) for name in sorted(names) if name in known}
    obj: dict[str, Any] = {
        "id": str(item.id),
        "properties": props,
        "createdAt": item.properties["hs_createdate"],
        "updatedAt": item.properties["hs_lastmodifieddate"],
        "archived": False,
    }
    if contact_id is not None:
        association = {"id": contact_id, "type": V3_ASSOCIATION_TYPE[item.object_type]}
        obj["associations"] = {"contacts": {"results": [association]}}
    return obj


def _encode_cursor(event: WebEvent) -> str:
    raw = f"{event.occurred_ms}|{event.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(token: str) -> tuple[int, str]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        ms, _, event_id = raw.partition("|")
        return int(ms), event_id
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"Invalid 'after' token {token!r}: use paging.next.after from the previous page") from exc


class ActivityRoutes:
    """Engagement objects, associations and web events."""

    def __init__(self, portal: HubSpotPortal, config: SandboxConfig) -> None:
        self.portal = portal
        self.config = config

    def register(self, router: Router) -> None:
        """Add the routes."""
        for object_type in ENGAGEMENT_TYPES:
            base = f"/crm/v3/objects/{object_type}"
            router.add("GET", base, f"{object_type}.list", self._bind(self.list_engagements, object_type))
            router.add(
                "POST",
                f"{base}/batch/read",
                f"{object_type}.batch_read",
                self._bind(self.batch_read, object_type),
            )
            router.add(
                "GET",
                f"{base}/{{objectId}}",
                f"{object_type}.get",
                self._bind(self.get_engagement, object_type),
            )
        router.add(
            "POST",
            "/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read",
            "associations.batch_read",
            self.associations,
        )
        router.add("GET", "/events/v3/events/event-types", "events.types", self.event_types)
        router.add("GET", "/events/v3/events", "events.list", self.events)

    @staticmethod
    def _bind(method: Any, object_type: str) -> Any:
        return lambda request: method(request, object_type)

    def _owner(self, item: Engagement) -> str | None:
        """The (merge-resolved) contact an engagement is associated with, if it still exists."""
        cid = self.portal.resolve(item.contact_id)
        return cid if cid in self.portal.contacts and cid not in self.portal.archived else None

    # ----- engagement objects ------------
    def list_engagements(self, request: Request, object_type: str) -> Response:
        """GET /crm/v3/objects/<type>: ascending ids; `after` is the next id."""
        limit = check_limit(request, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX)
        after = request.query_one("after") or "0"
        if not after.isdigit():
            raise ApiError(400, f"Invalid 'after' value {after!r}")
        properties = request.query_list("properties")
        with_contacts = "contacts" in [a.lower() for a in request.query_list("associations")]
        with self.portal.lock:
            page: list[Engagement] = []
            following: Engagement | None = None
            for item in self.portal.timelines.iter_engagements(object_type, int(after)):
                if len(page) == limit:
                    following = item
                    break
                page.append(item)
            results = [self._object(item, properties, with_contacts) for item in page]
        payload: dict[str, Any] = {"results": results}
        if following is not None:
            payload["paging"] = paging_next(str(following.id), f"/crm/v3/objects/{object_type}")
        return Response.json(200, payload)

    def _object(self, item: Engagement, properties: list[str], with_contacts: bool) -> dict[str, Any]:
        obj = engagement_object(item, properties, self._owner(item) if with_contacts else None)
        if with_contacts and "associations" not in obj:
            obj["associations"] = {}
        return obj

    def _lookup(self, raw: str, object_type: str) -> Engagement | None:
        item = self.portal.timelines.engagement(int(raw)) if raw.isdigit() else None
        return item if item is not None and item.object_type == object_type else None

    def get_engagement(self, request: Request, object_type: str) -> Response:
        """GET /crm/v3/objects/<type>/{id}."""
        with_contacts = "contacts" in [a.lower() for a in request.query_list("associations")]
        with self.portal.lock:
            item = self._lookup(request.params["objectId"], object_type)
            if item is None:
                raise ApiError(404, "resource not found", CATEGORY_NOT_FOUND)
            return Response.json(200, self._object(item, request.query_list("properties"), with_contacts))

    def batch_read(self, request: Request, object_type: str) -> Response:
        """POST /crm/v3/objects/<type>/batch/read (207 when some ids don't exist)."""
        body = request.json_object()
        inputs = check_inputs(body, BATCH_MAX_INPUTS)
        properties = [str(p) for p in body.get("properties") or []]
        with self.portal.lock:
            started = iso_ms(self.portal.now_ms())
            results, missing = [], []
            for entry in inputs:
                raw = str(entry.get("id", ""))
                item = self._lookup(raw, object_type)
                if item is None:
                    missing.append(raw)
                else:
                    results.append(engagement_object(item, properties, None))
            payload: dict[str, Any] = {"status": "COMPLETE", "results": results}
            if missing:
                message = NOT_FOUND_MESSAGE.format(label=object_type[:-1].upper())
                payload.update(numErrors=1, errors=[batch_error(CATEGORY_NOT_FOUND, message, {"ids": missing})])
            payload.update(startedAt=started, completedAt=iso_ms(self.portal.now_ms()))
        return Response.json(207 if missing else 200, payload)

    # ----- associations v4 ------------
    def associations(self, request: Request) -> Response:
        """POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read, paged per input."""
        raw_from = request.params["fromObjectType"].lower()
        raw_type = request.params["toObjectType"].lower()
        to_type = OBJECT_TYPE_ALIASES.get(raw_type, raw_type)
        lookup: Callable[[str], list[Associated]]
        if raw_from in CONTACT_ALIASES and to_type in COMPANY_ALIASES:
            from_label, to_type, lookup = "CONTACT", "companies", self._contact_companies
        elif raw_from in COMPANY_ALIASES and to_type in CONTACT_ALIASES:
            from_label, to_type, lookup = "COMPANY", "contacts", self._company_contacts
        elif raw_from in CONTACT_ALIASES:
            if to_type not in ENGAGEMENT_TYPES:
                raise ApiError(400, f"Unknown object type {request.params['toObjectType']!r}")
            from_label, lookup = "CONTACT", self._engagements_lookup(to_type)
        else:
            pair = f"{request.params['fromObjectType']} -> {request.params['toObjectType']}"
            raise ApiError(400, f"Unsupported association {pair} in this sandbox")
        inputs = check_inputs(request.json_object(), ASSOCIATIONS_BATCH_MAX_INPUTS)
        page_size = self.config.association_page_size
        with self.portal.lock:
            started = iso_ms(self.portal.now_ms())
            results, errors = [], []
            for entry in inputs:
                raw = str(entry.get("id", ""))
                after = str(entry.get("after") or "0")
                found = lookup(raw)
                if not found:
                    message = f"No {to_type} are associated with {from_label} {raw}."
                    errors.append(batch_error(CATEGORY_NOT_FOUND, message, {"fromObjectId": [raw]}))
                    continue
                remaining = [item for item in found if item[0] > int(after)] if after.isdigit() else found
                results.append(self._association_result(raw, remaining, page_size))
            payload: dict[str, Any] = {"status": "COMPLETE", "results": results}
            if errors:
                payload.update(numErrors=len(errors), errors=errors)
            payload.update(startedAt=started, completedAt=iso_ms(self.portal.now_ms()))
        return Response.json(207 if errors else 200, payload)

    def _engagements_lookup(self, to_type: str) -> Callable[[str], list[Associated]]:
        kind = [{"category": "HUBSPOT_DEFINED", "typeId": CONTACT_TO_TYPE_ID[to_type], "label": None}]

        def lookup(raw: str) -> list[Associated]:
            return [(i, kind) for i in self._associated_ids(raw, to_type)]

        return lookup

    def _associated_ids(self, raw: str, to_type: str) -> list[int]:
        cid = self.portal.resolve(raw)
        if cid not in self.portal.contacts or cid in self.portal.archived:
            return []
        timelines = self.portal.timelines
        return sorted(i for source in self.portal.sources_of(cid) for i in timelines.engagement_ids(source, to_type))

    def _contact_companies(self, raw: str) -> list[Associated]:
        cid = self.portal.resolve(raw)
        if cid not in self.portal.contacts or cid in self.portal.archived:
            return []
        links = self.portal.companies.links.companies_of(cid)
        return [
            (int(company), _pair_types(primary, CONTACT_TO_PRIMARY_COMPANY, CONTACT_TO_COMPANY))
            for company, primary in links
        ]

    def _company_contacts(self, raw: str) -> list[Associated]:
        portal = self.portal
        links = portal.companies.links.contacts_of(raw) if raw in portal.companies.records else []
        return [
            (int(contact), _pair_types(primary, COMPANY_TO_PRIMARY_CONTACT, COMPANY_TO_CONTACT))
            for contact, primary in links
            if contact in portal.contacts and contact not in portal.archived
        ]

    @staticmethod
    def _association_result(raw: str, found: list[Associated], page_size: int) -> dict[str, Any]:
        page = found[:page_size]
        result: dict[str, Any] = {
            "from": {"id": raw},
            "to": [{"toObjectId": i, "associationTypes": kinds} for i, kinds in page],
        }
        if len(found) > page_size:
            result["paging"] = {"next": {"after": str(page[-1][0]), "link": None}}
        return result

    # ----- web events ------------
    def event_types(self, request: Request) -> Response:
        """GET /events/v3/events/event-types."""
        return Response.json(200, {"eventTypes": list(EVENT_TYPES)})

    def events(self, request: Request) -> Response:
        """GET /events/v3/events: ascending (or descending) by occurredAt then id; opaque `after` cursor."""
        limit = check_limit(request, EVENTS_LIMIT_DEFAULT, self.config.events_max_limit)
        after_ms, before_ms = (self._instant(request, name) for name in ("occurredAfter", "occurredBefore"))
        sort = request.query_list("sort")
        descending = any(value.upper() in SORT_DESCENDING or value.startswith("-") for value in sort)
        token = request.query_one("after")
        cursor = _decode_cursor(token) if token else None
        event_type = request.query_one("eventType") or None
        wanted_ids = set(request.query_list("id"))
        object_type = (request.query_one("objectType") or "contact").lower()
        object_id = request.query_one("objectId") or None
        page: list[WebEvent] = []
        more = False
        with self.portal.lock:
            if cursor is not None:  # narrow the window to the cursor's millisecond, then skip up to it
                if descending:
                    before_ms = min(cursor[0] + 1, before_ms if before_ms is not None else cursor[0] + 1)
                else:
                    after_ms = max(cursor[0], after_ms if after_ms is not None else cursor[0])
            if object_type in CONTACT_ALIASES:
                stream = self._event_stream(object_id, descending, event_type, after_ms, before_ms)
                for event in stream:
                    key = (event.occurred_ms, event.id)
                    if cursor is not None and (key >= cursor if descending else key <= cursor):
                        continue
                    if wanted_ids and event.id not in wanted_ids:
                        continue
                    if len(page) == limit:
                        more = True
                        break
                    page.append(event)
            results = [event.to_api(self.portal.resolve(event.contact_id)) for event in page]
        payload: dict[str, Any] = {"results": results}
        if more:
            next_token = _encode_cursor(page[-1])
            payload["paging"] = {"next": {"after": next_token, "link": f"/events/v3/events?after={next_token}"}}
        return Response.json(200, payload)

    def _event_stream(
        self,
        object_id: str | None,
        descending: bool,
        event_type: str | None,
        after_ms: int | None,
        before_ms: int | None,
    ) -> Iterator[WebEvent]:
        """Events in the requested order within [after_ms, before_ms) (after inclusive; unconfirmed)."""
        if object_id is None:
            return self.portal.timelines.iter_all_events(descending, event_type, after_ms, before_ms)
        cid = self.portal.resolve(object_id)
        if cid not in self.portal.contacts:
            return iter(())
        events = [
            e
            for source in self.portal.sources_of(cid)
            for e in self.portal.timelines.events_of(source)
            if (event_type is None or e.event_type == event_type)
            and (after_ms is None or e.occurred_ms >= after_ms)
            and (before_ms is None or e.occurred_ms < before_ms)
        ]
        return iter(sorted(events, key=lambda e: (e.occurred_ms, e.id), reverse=descending))

    @staticmethod
    def _instant(request: Request, name: str) -> int | None:
        raw = request.query_one(name)
        if not raw:
            return None
        ms = parse_instant(raw.replace(" ", "+"))  # a '+' offset arrives as a space when not percent-encoded
        if ms is None:
            raise ApiError(400, f"Invalid {name} {raw!r}: use an ISO 8601 timestamp")
        return ms
