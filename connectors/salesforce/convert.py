"""Salesforce records -> canonical Contacts and Activities, and canonical output values -> typed field values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time
from typing import Any

from leadstage.connectors.base import COMPANY_PREFIX, RecordError, clean_field, required_time
from leadstage.connectors.salesforce.settings import ACCOUNT_RELATIONSHIP, ID_PATTERN
from leadstage.mapping.model import Activity, ActivityKind, Contact, Stage, StageDate
from leadstage.mapping.values import OUTPUT_KINDS, OutputKind

# Activities stay current through the stream of changed Tasks, Events and campaign members, so a contact's
# activities are fetched once, when it is first seen.
STREAM_MARKER = "stream"


def parse_time(value: Any) -> datetime | None:
    """A Salesforce datetime (``2026-05-01T10:00:00.000+0000``) or date (``2026-05-01``) as aware UTC."""
    if value is None or value == "":
        return None
    text = str(value)
    if len(text) == 10:
        return datetime.combine(datetime.fromisoformat(text).date(), time(), tzinfo=UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def text_value(value: Any) -> str | None:
    """A Salesforce JSON value as the canonical string (booleans true/false, whole numbers without .0)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


def _required_time(record_id: str, raw: Any, what: str) -> datetime:
    return required_time(record_id, raw, what, parse_time)


def stage_dates(
    record_id: str, record: Mapping[str, Any], date_fields: Mapping[Stage, Sequence[str]]
) -> dict[Stage, StageDate]:
    """Per stage, the first of its date fields that holds a date (a date without a time is midnight UTC)."""
    found: dict[Stage, StageDate] = {}
    for stage, names in date_fields.items():
        for name in names:
            if record.get(name) not in (None, ""):
                found[stage] = StageDate(_required_time(record_id, record.get(name), name), name)
                break
    return found


def company_fields(record_id: str, source: Mapping[str, Any] | None, fields: Mapping[str, str]) -> dict[str, str]:
    """Canonical company fields (``company.industry``...) from ``source``: a Lead itself, a Contact's nested
    Account, or an Account (``fields`` maps their field names to the canonical ones)."""
    if not isinstance(source, Mapping):
        return {}
    found: dict[str, str] = {}
    for sf_name, name in fields.items():
        value = clean_field(record_id, f"field {sf_name}", text_value(source.get(sf_name)))
        if value is not None:
            found[COMPANY_PREFIX + name] = value
    return found


def account_of(record: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """A Contact's Account as the query answered it: nested (REST) or as ``Account.Field`` columns (Bulk API CSV)."""
    nested = record.get(ACCOUNT_RELATIONSHIP)
    if isinstance(nested, Mapping):
        return nested
    prefix = ACCOUNT_RELATIONSHIP + "."
    flat = {key.removeprefix(prefix): value for key, value in record.items() if key.startswith(prefix)}
    return flat or None


def to_contact(
    record: Mapping[str, Any],
    field_map: Mapping[str, str],
    output_map: Mapping[str, str],
    date_fields: Mapping[Stage, Sequence[str]] | None = None,
    company: Mapping[str, str] | None = None,
    via_account: bool = False,
) -> Contact:
    """A Lead or Contact record as a canonical Contact, with its company's fields: ``company`` maps the Lead's own
    fields, or (``via_account``) the Contact's nested Account's, to canonical names."""
    record_id = str(record.get("Id") or "")
    if not ID_PATTERN.match(record_id):
        raise RecordError(record_id or "?", "the record has no valid id")
    updated = _required_time(
        record_id, record.get("SystemModstamp") or record.get("LastModifiedDate"), "SystemModstamp"
    )
    fields: dict[str, str] = {}
    for sf_name, name in field_map.items():
        value = clean_field(record_id, f"field {sf_name}", text_value(record.get(sf_name)))
        if value is not None:
            fields[name] = value
    converted_to = record.get("ConvertedContactId")
    if converted_to:
        fields["converted_contact_id"] = str(converted_to)
    if company:
        fields.update(company_fields(record_id, account_of(record) if via_account else record, company))
    written = {
        name: text for name, sf_name in output_map.items() if (text := text_value(record.get(sf_name))) is not None
    }
    return Contact(
        id=record_id,
        updated_at=updated,
        fields=fields,
        written=written,
        created_at=_required_time(record_id, record.get("CreatedDate"), "CreatedDate")
        if record.get("CreatedDate")
        else None,
        activity_marker=STREAM_MARKER,
        stage_dates=stage_dates(record_id, record, date_fields) if date_fields else {},
    )


def _task_kind(record: Mapping[str, Any]) -> str:
    subtype = str(record.get("TaskSubtype") or record.get("Type") or "").lower()
    subject = str(record.get("Subject") or "").lower()
    if subtype == "call":
        return ActivityKind.CALL
    if subtype == "email" or subject.startswith("email"):
        return ActivityKind.EMAIL_REPLY if subject.startswith(("re:", "email: re:")) else ActivityKind.EMAIL_SENT
    return ActivityKind.TASK


def to_task(record: Mapping[str, Any], contact_id: str) -> Activity:
    record_id = str(record.get("Id"))
    when = _required_time(record_id, record.get("CreatedDate") or record.get("ActivityDate"), "CreatedDate")
    attributes = {
        "subject": text_value(record.get("Subject")),
        "status": text_value(record.get("Status")),
        "type": text_value(record.get("Type")),
    }
    duration = record.get("CallDurationInSeconds")
    if duration is not None:
        try:
            attributes["duration_ms"] = str(int(float(duration)) * 1000)
        except (TypeError, ValueError, OverflowError):
            raise RecordError(record_id, f"CallDurationInSeconds is not a number: {str(duration)[:40]!r}") from None
    return Activity(
        id=f"Task:{record_id}",
        contact_id=contact_id,
        kind=_task_kind(record),
        occurred_at=when,
        attributes={k: v for k, v in attributes.items() if v is not None},
    )


def to_event(record: Mapping[str, Any], contact_id: str, now: datetime) -> Activity:
    record_id = str(record.get("Id"))
    start = _required_time(record_id, record.get("StartDateTime") or record.get("ActivityDateTime"), "StartDateTime")
    end = parse_time(record.get("EndDateTime")) or start
    attributes = {
        "title": text_value(record.get("Subject")) or "",
        "outcome": "COMPLETED" if end <= now else "SCHEDULED",
    }
    return Activity(f"Event:{record_id}", contact_id, ActivityKind.MEETING, start, attributes)


def to_campaign_response(record: Mapping[str, Any], contact_id: str, kinds: Mapping[str, str]) -> Activity | None:
    """A campaign member who responded, as the activity its campaign type stands for (None otherwise)."""
    if not record.get("HasResponded"):
        return None
    campaign = record.get("Campaign") or {}
    kind = kinds.get(str(campaign.get("Type") or ""), ActivityKind.CAMPAIGN_RESPONSE)
    record_id = str(record.get("Id"))
    when = _required_time(
        record_id, record.get("FirstRespondedDate") or record.get("CreatedDate"), "FirstRespondedDate"
    )
    name = text_value(campaign.get("Name")) or ""
    attributes = {"campaign": name, "title": name, "status": text_value(record.get("Status")) or ""}
    if kind == ActivityKind.FORM_SUBMISSION:
        attributes["form"] = name
    return Activity(f"CampaignMember:{record_id}", contact_id, kind, when, attributes)


def typed_value(name: str, value: str) -> Any:
    """A canonical output value as the JSON type its Salesforce field takes ("" clears the field)."""
    if value == "":
        return None
    kind = OUTPUT_KINDS.get(name)
    if kind is OutputKind.NUMBER:
        number = float(value)
        return int(number) if number.is_integer() else number
    if kind is OutputKind.BOOL:
        return value.lower() == "true"
    return value
