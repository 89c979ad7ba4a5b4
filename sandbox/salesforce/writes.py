"""Updates through the API (sObject Collections, single-record PATCH, Bulk API 2.0 ingest): the per-record
checks Salesforce makes, in the order it makes them, and the SaveResult shapes it answers.

`prepare` checks one record and returns either the stored values to write or its errors; nothing is
written until `org.apply`, so allOrNone can check every record first and write none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from leadstage.sandbox.salesforce.ids import to_id18
from leadstage.sandbox.salesforce.schema import ObjectDef
from leadstage.sandbox.salesforce.values import ValueProblem, coerce

if TYPE_CHECKING:
    from leadstage.sandbox.salesforce.org import SalesforceOrg

ROLLED_BACK = "ALL_OR_NONE_OPERATION_ROLLED_BACK"
ROLLED_BACK_MESSAGE = "Record rolled back because not all records were valid and the request was using AllOrNone header"
LOCKED_MESSAGE = "unable to obtain exclusive access to this record or 1 records: {id}"
READ_ONLY_MESSAGE = (
    "Unable to create/update fields: {fields}. Please check the security settings of this field and verify that it "
    "is read/write for your profile or permission set."
)


@dataclass(frozen=True)
class SaveError:
    """One entry of a SaveResult's `errors`."""

    code: str
    message: str
    fields: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The REST shape."""
        return {"statusCode": self.code, "message": self.message, "fields": list(self.fields)}

    def to_bulk(self) -> str:
        """The Bulk API `sf__Error` cell: CODE:message:fields (-- when none)."""
        return f"{self.code}:{self.message}:{','.join(self.fields) or '--'}"


@dataclass(frozen=True)
class PreparedWrite:
    """A checked update, ready for `org.apply`."""

    object_name: str
    record_id: str
    values: dict[str, Any]


def unknown_fields(obj: ObjectDef, names: list[str]) -> list[str]:
    """Field names the object does not have (these fail the whole request, before any record is saved)."""
    return [name for name in names if obj.field(name) is None]


def prepare(
    org: SalesforceOrg, obj: ObjectDef, raw_id: object, fields: dict[str, Any], fail_lock: bool = False
) -> PreparedWrite | list[SaveError]:
    """Check one record's update (the caller holds org.lock); `fail_lock` fails it as a locked row."""
    if raw_id is None or raw_id == "":
        return [SaveError("MISSING_ARGUMENT", "Id not specified in an update call", ("Id",))]
    record_id = to_id18(raw_id)
    if record_id is None or record_id[:3] != obj.prefix:
        return [SaveError("MALFORMED_ID", f"{obj.label} ID: id value of incorrect type: {raw_id}", ("Id",))]
    record = org.table(obj.name).get(record_id)
    if record is None:
        return [SaveError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")]
    if record.get("IsDeleted"):
        return [SaveError("ENTITY_IS_DELETED", "entity is deleted")]
    if obj.name == "Lead" and record.get("IsConverted"):
        return [SaveError("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead")]
    if org.take_row_lock(record_id) or fail_lock:
        return [SaveError("UNABLE_TO_LOCK_ROW", LOCKED_MESSAGE.format(id=record_id))]
    definitions = [(name, obj.field(name)) for name in fields if name.lower() != "id"]
    read_only = [d.name for _, d in definitions if d is not None and (not d.updateable or d.computed)]
    if read_only:
        message = READ_ONLY_MESSAGE.format(fields=", ".join(read_only))
        return [SaveError("INVALID_FIELD_FOR_INSERT_UPDATE", message, tuple(read_only))]
    values: dict[str, Any] = {}
    errors: list[SaveError] = []
    for name, definition in definitions:
        if definition is None:
            continue  # the caller refuses unknown fields for the whole request
        try:
            values[definition.name] = coerce(definition, fields[name], org.picklist_values(definition))
        except ValueProblem as problem:
            errors.append(SaveError(problem.code, problem.message, (problem.field,)))
    if errors:
        return errors
    return PreparedWrite(obj.name, record_id, values)


def save_result(record_id: str | None, outcome: PreparedWrite | list[SaveError]) -> dict[str, Any]:
    """One SaveResult of a collections answer (failed ones keep the id the caller sent)."""
    if isinstance(outcome, PreparedWrite):
        return {"id": outcome.record_id, "success": True, "errors": []}
    return {"id": record_id, "success": False, "errors": [error.to_json() for error in outcome]}


def rolled_back() -> list[SaveError]:
    """What allOrNone answers for the records that were fine but were not saved."""
    return [SaveError(ROLLED_BACK, ROLLED_BACK_MESSAGE)]


def save_all(org: SalesforceOrg, outcomes: list[PreparedWrite | list[SaveError]], all_or_none: bool) -> list[bool]:
    """Apply the prepared writes (none of them when all_or_none and any failed); which records were saved."""
    failed = any(not isinstance(outcome, PreparedWrite) for outcome in outcomes)
    if all_or_none and failed:
        return [False] * len(outcomes)
    saved = []
    for outcome in outcomes:
        if isinstance(outcome, PreparedWrite):
            org.apply(outcome.object_name, outcome.record_id, outcome.values)
        saved.append(isinstance(outcome, PreparedWrite))
    return saved
