"""HubSpot JSON -> canonical Contacts and Activities. Pure functions; a bad record raises RecordError."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from leadstage.connectors.base import COMPANY_PREFIX, MAX_FIELD_CHARS, RecordError, clean_field, required_time
from leadstage.connectors.hubspot.settings import ACTIVITY_ROLLUPS, EVENT_ATTRIBUTES
from leadstage.mapping.model import Activity, ActivityKind, Contact, Stage, StageDate


def parse_time(value: Any) -> datetime | None:
    """A HubSpot timestamp (ISO 8601, or epoch milliseconds as a string) as an aware UTC datetime."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_time(moment: datetime) -> str:
    """HubSpot's own datetime format: ISO 8601 UTC with milliseconds and Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def epoch_ms(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def merged_ids(obj: Mapping[str, Any]) -> list[str]:
    """Ids of the contacts merged into this one (HubSpot keeps them in ``hs_merged_object_ids``)."""
    raw = (obj.get("properties") or {}).get("hs_merged_object_ids") if isinstance(obj, Mapping) else None
    return [part for part in str(raw or "").split(";") if part.strip().isdigit()]


def _required_time(record_id: str, raw: Any, what: str) -> datetime:
    return required_time(record_id, raw, what, parse_time)


def stage_dates(
    record_id: str, properties: Mapping[str, Any], date_fields: Mapping[Stage, Sequence[str]]
) -> dict[Stage, StageDate]:
    """Per stage, the first of its date properties that holds a date; a value that is not a date is an error."""
    found: dict[Stage, StageDate] = {}
    for stage, names in date_fields.items():
        for name in names:
            raw = properties.get(name)
            if raw is not None and str(raw).strip():
                found[stage] = StageDate(_required_time(record_id, raw, f"property {name}"), name)
                break
    return found


def to_contact(
    obj: Mapping[str, Any],
    field_map: Mapping[str, str],
    output_map: Mapping[str, str],
    date_fields: Mapping[Stage, Sequence[str]] | None = None,
) -> Contact:
    """A HubSpot contact object as a canonical Contact (input fields and our output fields separated)."""
    record_id = str(obj.get("id") or "") if isinstance(obj, Mapping) else ""
    if not record_id.isdigit():
        raise RecordError(record_id[:40] or "?", "the record has no valid id")
    properties = obj.get("properties")
    if not isinstance(properties, Mapping):
        raise RecordError(record_id, "the record has no properties")
    updated = _required_time(record_id, obj.get("updatedAt") or properties.get("lastmodifieddate"), "updatedAt")
    created_raw = obj.get("createdAt") or properties.get("createdate")
    created = _required_time(record_id, created_raw, "createdAt") if created_raw else None
    fields: dict[str, str] = {}
    for crm_name, name in field_map.items():
        value = clean_field(record_id, f"property {crm_name}", properties.get(crm_name))
        if value is not None:
            fields[name] = value
    written: dict[str, str] = {}
    for name, crm_name in output_map.items():
        value = clean_field(record_id, f"property {crm_name}", properties.get(crm_name))
        if value is not None:
            written[name] = value
    marker = "|".join(str(properties.get(name) or "") for name in ACTIVITY_ROLLUPS)
    return Contact(
        id=record_id,
        updated_at=updated,
        fields=fields,
        written=written,
        created_at=created,
        activity_marker=marker,
        stage_dates=stage_dates(record_id, properties, date_fields) if date_fields else {},
    )


def to_company(obj: Mapping[str, Any], company_fields: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """A HubSpot company as its id and canonical company fields (``company.industry``...)."""
    record_id = str(obj.get("id") or "") if isinstance(obj, Mapping) else ""
    if not record_id.isdigit():
        raise RecordError(record_id[:40] or "?", "the company has no valid id")
    properties = obj.get("properties")
    if not isinstance(properties, Mapping):
        raise RecordError(record_id, "the company has no properties")
    fields: dict[str, str] = {}
    for crm_name, name in company_fields.items():
        value = clean_field(record_id, f"company property {crm_name}", properties.get(crm_name))
        if value is not None:
            fields[COMPANY_PREFIX + name] = value
    return record_id, fields


def _engagement_kind(object_type: str, properties: Mapping[str, Any]) -> str:
    if object_type == "emails":
        direction = (properties.get("hs_email_direction") or "").upper()
        return ActivityKind.EMAIL_REPLY if direction == "INCOMING_EMAIL" else ActivityKind.EMAIL_SENT
    return {
        "calls": ActivityKind.CALL,
        "meetings": ActivityKind.MEETING,
        "notes": ActivityKind.NOTE,
        "tasks": ActivityKind.TASK,
    }.get(object_type, object_type)


_ENGAGEMENT_ATTRIBUTES = {
    "hs_email_subject": "subject",
    "hs_email_status": "status",
    "hs_call_direction": "direction",
    "hs_call_status": "status",
    "hs_call_duration": "duration_ms",
    "hs_call_title": "title",
    "hs_meeting_title": "title",
    "hs_meeting_outcome": "outcome",
    "hs_task_subject": "subject",
    "hs_task_status": "status",
    "hs_task_type": "type",
}


def to_engagement(object_type: str, obj: Mapping[str, Any], contact_id: str) -> Activity:
    """An engagement object (email, call, meeting, note, task) as an Activity of one contact."""
    object_id = str(obj.get("id"))
    properties = obj.get("properties") or {}
    when_raw = properties.get("hs_meeting_start_time") if object_type == "meetings" else None
    when = _required_time(
        f"{object_type}:{object_id}",
        when_raw or properties.get("hs_timestamp") or obj.get("createdAt"),
        "hs_timestamp",
    )
    attributes = {
        attribute: str(properties[name])[:MAX_FIELD_CHARS]
        for name, attribute in _ENGAGEMENT_ATTRIBUTES.items()
        if properties.get(name) not in (None, "")
    }
    return Activity(
        id=f"{object_type}:{object_id}",
        contact_id=contact_id,
        kind=_engagement_kind(object_type, properties),
        occurred_at=when,
        attributes=attributes,
    )


def to_web_event(event: Mapping[str, Any], kinds: Mapping[str, str]) -> Activity | None:
    """A web analytics event as an Activity, or None for event types the portal does not score."""
    kind = kinds.get(str(event.get("eventType")))
    if kind is None:
        return None
    event_id = str(event.get("id"))
    when = _required_time(f"event:{event_id}", event.get("occurredAt"), "occurredAt")
    properties = event.get("properties") or {}
    attributes = {
        EVENT_ATTRIBUTES[name]: str(value)[:MAX_FIELD_CHARS]
        for name, value in properties.items()
        if name in EVENT_ATTRIBUTES and value not in (None, "")
    }
    return Activity(
        id=f"event:{event_id}",
        contact_id=str(event.get("objectId")),
        kind=kind,
        occurred_at=when,
        attributes=attributes,
    )
