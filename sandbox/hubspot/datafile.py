"""The sandbox data file: a portal's state as one JSON document.

Format (version 1), all keys required unless marked optional:

    {
      "format": "leadstage-sandbox/hubspot", "version": 1,
      "generator": null | {"seed": 7, "now": "2026-05-01T10:00:00.000Z",
                           "profiles": {"101": [<createdate epoch ms>, "<seeded lifecyclestage>"], ...}},
      "nextContactId": 2101,
      "groups": [{"name", "label", "displayOrder", "archived"}, ...],
      "properties": [<property definition as GET /crm/v3/properties/contacts answers it>, ...],
      "contacts": [{"id": "101", "archived": false, "properties": {"email": "...", ...}}, ...],
      "merged": {"<merged id>": "<primary id>"},
      "engagements": [{"id": "10000000000000", "type": "emails", "contactId": "101", "properties": {...}}],
      "events": [{"id", "eventType", "objectId", "occurredAt", "properties"}],
      "nextCompanyId": 5000000701,                                        (optional)
      "companyGroups": [...], "companyProperties": [...],                 (optional, as for contacts)
      "companies": [{"id": "5000000001", "properties": {"name": "...", ...}}],                     (optional)
      "associations": [{"contactId": "101", "companyId": "5000000007", "primary": true}]          (optional)
    }

"associations" are the contact-company ones; the contacts' `associatedcompanyid` follows their primary one. A file
without "associations" (written by hand) associates each contact with the company its `associatedcompanyid`
names, as its primary company.

Seeded activities are not written out: "generator" regenerates them (they are a pure function of seed,
now and the profiles). "engagements" and "events" hold activities added after seeding, or written by
hand for a fixture without a generator. Property values are strings, as in the API.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from leadstage.sandbox.hubspot import seed_timeline as tl
from leadstage.sandbox.hubspot.activities import Engagement, WebEvent
from leadstage.sandbox.hubspot.companies import CompanyStore
from leadstage.sandbox.hubspot.portal import PRIMARY_COMPANY_PROPERTY, HubSpotPortal, engagement_type
from leadstage.sandbox.hubspot.properties import PropertyDefinition
from leadstage.sandbox.timeutil import iso_ms, parse_instant

FORMAT = "leadstage-sandbox/hubspot"
VERSION = 1


def definition_from_api(raw: dict[str, Any]) -> PropertyDefinition:
    """A property definition from its API shape."""
    meta = raw.get("modificationMetadata") or {}
    return PropertyDefinition(
        name=raw["name"],
        label=raw.get("label", raw["name"]),
        type=raw["type"],
        field_type=raw.get("fieldType", "text"),
        group_name=raw.get("groupName", "contactinformation"),
        created_at=raw.get("createdAt", ""),
        description=raw.get("description", ""),
        options=[dict(option) for option in raw.get("options", [])],
        read_only=bool(meta.get("readOnlyValue", False)),
        calculated=bool(raw.get("calculated", False)),
        hubspot_defined=bool(raw.get("hubspotDefined", False)),
        updated_at=raw.get("updatedAt", ""),
        display_order=int(raw.get("displayOrder", -1)),
    )


def portal_to_document(portal: HubSpotPortal) -> dict[str, Any]:
    """The portal's state as a data-file document."""
    with portal.lock:
        timelines = portal.timelines
        generator = None
        if timelines.profiles:
            generator = {
                "seed": timelines.seed,
                "now": iso_ms(timelines.now_ms),
                "profiles": {cid: [p.created_ms, p.stage] for cid, p in timelines.profiles.items()},
            }
        return {
            "format": FORMAT,
            "version": VERSION,
            "generator": generator,
            "nextContactId": portal.next_contact_id,
            "groups": [dict(group) for group in portal.groups.values()],
            "properties": [definition.to_api() for definition in portal.definitions.values()],
            "contacts": [
                {"id": cid, "archived": cid in portal.archived, "properties": dict(props)}
                for cid, props in portal.contacts.items()
            ],
            "merged": dict(portal.merged_into),
            "engagements": [
                {
                    "id": str(e.id),
                    "type": e.object_type,
                    "contactId": e.contact_id,
                    "properties": dict(e.properties),
                }
                for e in sorted(timelines.added_engagements.values(), key=lambda e: e.id)
            ],
            "events": [
                {
                    "id": e.id,
                    "eventType": e.event_type,
                    "objectId": e.contact_id,
                    "occurredAt": iso_ms(e.occurred_ms),
                    "properties": dict(e.properties),
                }
                for e in timelines.added_events()
            ],
            **_companies_document(portal.companies),
        }


def _companies_document(store: CompanyStore) -> dict[str, Any]:
    return {
        "nextCompanyId": store.next_id,
        "companyGroups": [dict(group) for group in store.groups.values()],
        "companyProperties": [definition.to_api() for definition in store.definitions.values()],
        "companies": [{"id": cid, "properties": dict(props)} for cid, props in store.records.items()],
        "associations": [
            {"contactId": contact_id, "companyId": company_id, "primary": primary}
            for contact_id, company_id, primary in store.links.rows()
        ],
    }


def load_document(portal: HubSpotPortal, document: dict[str, Any]) -> None:
    """Replace the portal's state with a data-file document (ValueError when it isn't one)."""
    if document.get("format") != FORMAT or document.get("version") != VERSION:
        raise ValueError(f"not a sandbox data file: expected format {FORMAT!r} version {VERSION}")
    with portal.lock:
        portal.clear()
        generator = document.get("generator")
        if generator:
            profiles = {cid: tl.Profile(int(v[0]), str(v[1])) for cid, v in generator["profiles"].items()}
            now_ms = parse_instant(generator["now"])
            if now_ms is None:
                raise ValueError(f"generator.now {generator['now']!r} is not an ISO timestamp")
            portal.timelines.reset(int(generator["seed"]), now_ms, profiles)
        portal.groups = {g["name"]: dict(g) for g in document.get("groups", [])} or portal.groups
        if document.get("properties"):
            portal.definitions = {p["name"]: definition_from_api(p) for p in document["properties"]}
        contacts = sorted(document.get("contacts", []), key=lambda c: int(c["id"]))
        for contact in contacts:
            cid = str(contact["id"])
            portal.contacts[cid] = {k: str(v) for k, v in contact["properties"].items() if v not in (None, "")}
            if contact.get("archived"):
                portal.archived.add(cid)
        portal.merged_into = {str(k): str(v) for k, v in document.get("merged", {}).items()}
        highest = max([int(c["id"]) for c in contacts] + [int(m) for m in portal.merged_into], default=0)
        portal.next_contact_id = max(int(document.get("nextContactId", 0)), highest + 1, portal.next_contact_id)
        _load_activities(portal, document)
        _load_companies(portal, document)


def _load_companies(portal: HubSpotPortal, document: dict[str, Any]) -> None:
    store = portal.companies
    store.groups = {g["name"]: dict(g) for g in document.get("companyGroups", [])} or store.groups
    if document.get("companyProperties"):
        store.definitions = {p["name"]: definition_from_api(p) for p in document["companyProperties"]}
    raw_companies = sorted(document.get("companies", []), key=lambda c: int(c["id"]))
    records = {
        str(c["id"]): {k: str(v) for k, v in c["properties"].items() if v not in (None, "")} for c in raw_companies
    }
    if "associations" in document:
        links = [(str(a["contactId"]), str(a["companyId"]), bool(a.get("primary"))) for a in document["associations"]]
    else:
        links = [
            (cid, props[PRIMARY_COMPANY_PROPERTY], True)
            for cid, props in portal.contacts.items()
            if props.get(PRIMARY_COMPANY_PROPERTY) in records
        ]
    store.install(records, links)
    store.next_id = max(store.next_id, int(document.get("nextCompanyId", 0)))
    for contact_id in portal.contacts:
        primary = store.links.primary_of(contact_id)
        if primary:
            portal.contacts[contact_id][PRIMARY_COMPANY_PROPERTY] = primary
        else:
            portal.contacts[contact_id].pop(PRIMARY_COMPANY_PROPERTY, None)


def _load_activities(portal: HubSpotPortal, document: dict[str, Any]) -> None:
    for raw in document.get("engagements", []):
        props = {k: str(v) for k, v in raw["properties"].items() if v is not None}
        ts = parse_instant(props.get("hs_timestamp", "")) or 0
        stamp = props.setdefault("hs_timestamp", iso_ms(ts))
        props.setdefault("hs_createdate", stamp)
        props.setdefault("hs_lastmodifieddate", stamp)
        props["hs_object_id"] = str(raw["id"])
        item = Engagement(int(raw["id"]), engagement_type(raw["type"]), str(raw["contactId"]), props, ts)
        portal.timelines.restore_engagement(item)
    for raw in document.get("events", []):
        occurred = parse_instant(raw["occurredAt"])
        if occurred is None:
            raise ValueError(f"event {raw.get('id')!r} has an invalid occurredAt {raw['occurredAt']!r}")
        props = {k: str(v) for k, v in raw.get("properties", {}).items()}
        portal.timelines.add_event(WebEvent(str(raw["id"]), raw["eventType"], occurred, str(raw["objectId"]), props))


def dump(portal: HubSpotPortal, path: str | Path) -> None:
    """Write the portal to a data file (compact JSON, deterministic key order)."""
    text = json.dumps(portal_to_document(portal), separators=(",", ":"), ensure_ascii=False)
    Path(path).write_text(text, encoding="utf-8")


def load(portal: HubSpotPortal, path: str | Path) -> None:
    """Replace the portal's state with a data file's."""
    load_document(portal, json.loads(Path(path).read_text(encoding="utf-8")))
