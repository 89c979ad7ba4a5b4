"""The Salesforce org's state: records per object, schema, lead statuses, sessions, API usage, test hooks.

Records are dicts keyed by canonical field names holding stored values (see values.py); a null
field is an absent key. Each object's table is a dict in Id order (ids are handed out in increasing
order), which the query engine relies on to stop early. `lock` guards everything.

Seeded activities (Task, Event, CampaignMember) are generated on first access of any of them, from the
seed alone, so the seed stays fast and the data stays deterministic whenever it is materialised.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from leadstage.sandbox.config import SandboxConfig
from leadstage.sandbox.salesforce.convert import convert_lead
from leadstage.sandbox.salesforce.custom_fields import custom_field_spec
from leadstage.sandbox.salesforce.ids import KEY_PREFIXES, make_id, to_id18
from leadstage.sandbox.salesforce.schema import (
    BOOLEAN,
    LEAD_STATUS_VALUES,
    READ_ONLY_SYSTEM_FIELDS,
    REFERENCE,
    RESPONDED_STATUSES,
    FieldDef,
    ObjectDef,
    standard_objects,
)
from leadstage.sandbox.salesforce.usage import ApiUsage, Session
from leadstage.sandbox.salesforce.values import ValueProblem, coerce, sf_date, sf_datetime
from leadstage.sandbox.timeutil import clock_ms

ACTIVITY_OBJECTS = ("Task", "Event", "CampaignMember")
DERIVED_TABLES = ("LeadStatus",)
SEEDED_REPS = ("Alex Morgan", "Sam Patel", "Jordan Lee", "Taylor Brooks", "Casey Nguyen", "Riley Chen")
FIRST_REP_SEQUENCE = 100
DEFAULTS: dict[str, dict[str, Any]] = {
    "Lead": {"IsConverted": False, "HasOptedOutOfEmail": False},
    "Contact": {"HasOptedOutOfEmail": False},
    "Task": {"Status": "Not Started", "Priority": "Normal"},
    "Campaign": {"IsActive": True},
    "CampaignMember": {"Status": "Sent"},
}
AUTOMATIC_FIELDS = frozenset(READ_ONLY_SYSTEM_FIELDS)
Table = dict[str, dict[str, Any]]


@dataclass
class LeadStatusValue:
    """One LeadStatus row (Setup > Lead Status values); edit `SalesforceOrg.lead_statuses` to customise."""

    api_name: str
    is_converted: bool = False
    is_default: bool = False
    label: str | None = None


def default_lead_statuses() -> list[LeadStatusValue]:
    """Salesforce's default Lead Status values, plus a custom "Nurturing"."""
    return [
        LeadStatusValue("Open - Not Contacted", is_default=True),
        LeadStatusValue("Working - Contacted"),
        LeadStatusValue("Nurturing"),
        LeadStatusValue("Closed - Converted", is_converted=True),
        LeadStatusValue("Closed - Not Converted"),
    ]


class SalesforceOrg:
    """A Salesforce org's data as the sandbox serves it, with the hooks tests use to change it."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.org_id = make_id(KEY_PREFIXES["Organization"], 1)
        self.users = {name: make_id(KEY_PREFIXES["User"], n) for n, name in enumerate(config.salesforce_users, 1)}
        reps = [make_id(KEY_PREFIXES["User"], FIRST_REP_SEQUENCE + n) for n in range(len(SEEDED_REPS))]
        self.owner_ids: list[str] = [*self.users.values(), *reps]
        self.usage = ApiUsage(config.salesforce_daily_limit)
        self._sessions: dict[str, Session] = {}
        self._row_locks: dict[str, int] = {}
        self.clear()

    # ----- time ------------
    def now_ms(self) -> int:
        """The sandbox clock in epoch milliseconds."""
        return clock_ms(self.config.clock)

    def now_datetime(self) -> str:
        """Now, as a stored datetime."""
        return sf_datetime(self.now_ms())

    # ----- tables ------------
    def clear(self) -> None:
        """Forget every record, custom field and lead status customisation."""
        with self.lock:
            self.objects: dict[str, ObjectDef] = standard_objects()
            self.lead_statuses: list[LeadStatusValue] = default_lead_statuses()
            self._tables: dict[str, Table] = {name: {} for name in self.objects if name not in DERIVED_TABLES}
            self._sequences: dict[str, int] = {name: 0 for name in self.objects}
            self._indexes: dict[tuple[str, str], dict[str, list[str]]] = {}
            self._pending_activities: Callable[[], dict[str, Table]] | None = None
            self.created_ms = self.now_ms()

    def sobject(self, name: str) -> ObjectDef | None:
        """An object definition by case-insensitive name."""
        lowered = name.lower()
        return next((obj for obj in self.objects.values() if obj.name.lower() == lowered), None)

    def table(self, object_name: str) -> Table:
        """The live records of an object by id, in Id order (activities are materialised on first access)."""
        if object_name in ACTIVITY_OBJECTS and self._pending_activities is not None:
            generate, self._pending_activities = self._pending_activities, None
            for name, rows in generate().items():
                self._tables[name].update(rows)
                self._sequences[name] += len(rows)
            self._indexes.clear()
        if object_name == "LeadStatus":
            return self._lead_status_table()
        return self._tables[object_name]

    def records(self, object_name: str) -> Table:
        """Every record of an object (deleted ones too, IsDeleted=true), by id. Read it; change it with the hooks."""
        with self.lock:
            return self.table(self._require(object_name).name)

    def find(self, record_id: str) -> tuple[str, dict[str, Any]] | None:
        """(object name, record) for any id the org holds."""
        id18 = to_id18(record_id)
        if id18 is None:
            return None
        for name, obj in self.objects.items():
            if obj.prefix == id18[:3]:
                record = self.table(name).get(id18)
                return (name, record) if record is not None else None
        return None

    def index(self, object_name: str, field_name: str) -> dict[str, list[str]]:
        """Ids by value of a reference field (built on first use, dropped when the field is written)."""
        key = (object_name, field_name)
        built = self._indexes.get(key)
        if built is None:
            built = {}
            for record_id, record in self.table(object_name).items():
                value = record.get(field_name)
                if value is not None:
                    built.setdefault(value, []).append(record_id)
            self._indexes[key] = built
        return built

    def picklist_values(self, definition: FieldDef) -> tuple[str, ...]:
        """A picklist's active values (Lead.Status: the LeadStatus rows)."""
        if definition.values_from == LEAD_STATUS_VALUES:
            return tuple(status.api_name for status in self.lead_statuses)
        return definition.picklist

    def _lead_status_table(self) -> Table:
        stamp = sf_datetime(self.created_ms)
        rows: Table = {}
        for number, status in enumerate(self.lead_statuses, 1):
            record_id = make_id(KEY_PREFIXES["LeadStatus"], number)
            rows[record_id] = {
                "Id": record_id,
                "IsDeleted": False,
                "MasterLabel": status.label or status.api_name,
                "ApiName": status.api_name,
                "SortOrder": number,
                "IsDefault": status.is_default,
                "IsConverted": status.is_converted,
                "CreatedDate": stamp,
                "LastModifiedDate": stamp,
                "SystemModstamp": stamp,
            }
        return rows

    def _require(self, object_name: str) -> ObjectDef:
        obj = self.sobject(object_name)
        if obj is None:
            raise ValueError(f"unknown Salesforce object {object_name!r}; known: {', '.join(self.objects)}")
        return obj

    def next_id(self, object_name: str) -> str:
        """A fresh id for a new record of this object."""
        self._sequences[object_name] += 1
        return make_id(self.objects[object_name].prefix, self._sequences[object_name])

    def install(self, tables: dict[str, Table], activities: Callable[[], dict[str, Table]] | None) -> None:
        """Replace the data with seeded tables (and a generator for the activities, run on first access)."""
        with self.lock:
            for name, rows in tables.items():
                self._tables[name] = rows
                self._sequences[name] = len(rows)
            self._pending_activities = activities
            self._indexes.clear()

    # ----- writes shared by the API and the hooks ------------
    def apply(self, object_name: str, record_id: str, values: dict[str, Any], modified: bool = True) -> None:
        """Write stored values; moves SystemModstamp (and LastModifiedDate unless `modified` is False)."""
        record = self.table(object_name)[record_id]
        for name, value in values.items():
            if value is None:
                record.pop(name, None)
            else:
                record[name] = value
        now = self.now_datetime()
        if modified:
            record["LastModifiedDate"] = now
        record["SystemModstamp"] = now
        self._derive(object_name, record)
        definitions = self.objects[object_name].fields
        if any(definitions[name].type == REFERENCE for name in values if name in definitions):
            self._drop_indexes(object_name)

    def _drop_indexes(self, object_name: str) -> None:
        for key in [key for key in self._indexes if key[0] == object_name]:
            del self._indexes[key]

    @staticmethod
    def _derive(object_name: str, record: dict[str, Any]) -> None:
        if object_name == "Task":
            record["IsClosed"] = record.get("Status") == "Completed"
        elif object_name == "CampaignMember":
            record["HasResponded"] = record.get("Status") in RESPONDED_STATUSES

    def take_row_lock(self, record_id: str) -> bool:
        """Whether a write to this id must fail with UNABLE_TO_LOCK_ROW (uses up one `lock_rows` time)."""
        left = self._row_locks.get(record_id, 0)
        if left <= 0:
            return False
        if left == 1:
            del self._row_locks[record_id]
        else:
            self._row_locks[record_id] = left - 1
        return True

    def _coerce_fields(self, obj: ObjectDef, fields: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, value in fields.items():
            definition = obj.field(name)
            if definition is None or definition.computed:
                raise ValueError(f"{obj.name} has no writable field {name!r}")
            try:
                values[definition.name] = coerce(definition, value, self.picklist_values(definition))
            except ValueProblem as problem:
                raise ValueError(f"{obj.name}.{definition.name}: {problem.message} ({problem.code})") from None
        return values

    # ----- test hooks ------------
    def add(self, object_name: str, fields: dict[str, Any]) -> str:
        """Create a record (Python values: datetimes, dates, numbers, ...); returns its id."""
        with self.lock:
            obj = self._require(object_name)
            table = self.table(obj.name)
            values = {name: value for name, value in DEFAULTS.get(obj.name, {}).items()}
            if obj.name == "Lead":
                values["Status"] = next(s.api_name for s in self.lead_statuses if s.is_default)
            if obj.field("OwnerId") is not None:
                values["OwnerId"] = self.owner_ids[0]
            values.update(self._coerce_fields(obj, fields))
            missing = [
                f.name
                for f in obj.fields.values()
                if not f.nillable and f.type != BOOLEAN and f.name not in AUTOMATIC_FIELDS and f.name not in values
            ]
            if missing:
                raise ValueError(f"{obj.name} needs values for the required fields {', '.join(missing)}")
            record_id = self.next_id(obj.name)
            now = self.now_datetime()
            record = {"Id": record_id, "IsDeleted": False, "CreatedDate": now, "CreatedById": self.owner_ids[0]}
            record.update({"LastModifiedDate": now, "SystemModstamp": now})
            record.update({name: value for name, value in values.items() if value is not None})
            self._derive(obj.name, record)
            table[record_id] = record
            self._drop_indexes(obj.name)
            return record_id

    def update(self, object_name: str, record_id: str, fields: dict[str, Any]) -> None:
        """A user's edit in the UI: writes the fields and moves LastModifiedDate and SystemModstamp to now."""
        with self.lock:
            obj = self._require(object_name)
            found = self._existing(obj, record_id)
            self.apply(obj.name, found, self._coerce_fields(obj, fields))

    def touch_system(self, object_name: str, record_id: str) -> None:
        """An automated change (a formula, a rollup): moves SystemModstamp only."""
        with self.lock:
            obj = self._require(object_name)
            self.apply(obj.name, self._existing(obj, record_id), {}, modified=False)

    def delete(self, object_name: str, record_id: str) -> None:
        """Move a record to the recycle bin: IsDeleted=true, gone from query, still seen by queryAll."""
        with self.lock:
            obj = self._require(object_name)
            self.apply(obj.name, self._existing(obj, record_id), {"IsDeleted": True})

    def convert_lead(self, lead_id: str, contact_fields: dict[str, Any] | None = None) -> str:
        """Convert a Lead: creates its Contact, marks the Lead converted, moves its activities to the Contact."""
        with self.lock:
            return convert_lead(self, self._existing(self.objects["Lead"], lead_id), contact_fields or {})

    def add_custom_fields(self, object_name: str, fields: dict[str, str | tuple[str, object]]) -> None:
        """Create custom fields as an admin would in Setup: {"Score__c": "double", "Tier__c": ("picklist", [...])}."""
        with self.lock:
            obj = self._require(object_name)
            for name, spec in fields.items():
                obj.add_field(custom_field_spec(name, spec).definition())

    def expire_sessions(self) -> None:
        """End every session: the next API call with any of them answers 401 INVALID_SESSION_ID."""
        with self.lock:
            self._sessions.clear()

    def lock_rows(self, ids: Iterable[str], times: int = 1) -> None:
        """The next `times` writes of each of these ids fail with UNABLE_TO_LOCK_ROW."""
        with self.lock:
            for raw in ids:
                record_id = to_id18(raw)
                if record_id is None:
                    raise ValueError(f"not a Salesforce id: {raw!r}")
                self._row_locks[record_id] = self._row_locks.get(record_id, 0) + times

    def set_api_usage(self, used: int) -> None:
        """Pretend `used` API requests were made in the last 24 hours (just now)."""
        with self.lock:
            self.usage.reset(used, self.config.clock())

    def api_usage(self) -> tuple[int, int]:
        """(used, limit) of the rolling 24 h API request quota."""
        with self.lock:
            return self.usage.used(self.config.clock()), self.usage.limit

    def _existing(self, obj: ObjectDef, raw_id: str) -> str:
        record_id = to_id18(raw_id)
        if record_id is None or record_id not in self.table(obj.name):
            raise KeyError(f"no {obj.name} with id {raw_id!r}")
        return record_id

    # ----- sessions ------------
    def issue_session(self, username: str | None = None) -> str:
        """A new session id for a configured user (the first one by default), as a login would return."""
        with self.lock:
            name = username if username is not None else next(iter(self.users))
            if name not in self.users:
                raise ValueError(f"unknown Salesforce user {name!r}")
            session_id = f"{self.org_id[:15]}!AQ{secrets.token_urlsafe(72)}"
            self._sessions[session_id] = Session(name, self.users[name], self.config.clock())
            return session_id

    def session(self, session_id: str | None) -> Session | None:
        """The live session for an id (None when unknown, expired, or past `salesforce_session_ttl_s`)."""
        if session_id is None:
            return None
        with self.lock:
            found = self._sessions.get(session_id)
            ttl = self.config.salesforce_session_ttl_s
            if found is not None and ttl is not None and self.config.clock() - found.issued_at >= ttl:
                del self._sessions[session_id]
                return None
            return found

    def today(self) -> str:
        """Today's date (UTC) on the sandbox clock."""
        return sf_date(self.now_ms())
