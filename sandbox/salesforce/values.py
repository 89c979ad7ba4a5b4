"""Field values: how the org stores them, how the API writes them out, and how writes are validated.

Stored forms: text as str, numbers as int/float, booleans as bool, dates as "YYYY-MM-DD" and datetimes
as "YYYY-MM-DDTHH:MM:SS.mmm+0000" (UTC, fixed width, so stored datetimes compare as plain strings).
A null is an absent key; an absent boolean reads as false.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from typing import Any

from leadstage.sandbox.salesforce.ids import to_id18
from leadstage.sandbox.salesforce.schema import (
    BOOLEAN,
    DATE,
    DATETIME,
    EMAIL,
    ID_TYPES,
    INT,
    NUMBER_TYPES,
    PICKLIST,
    FieldDef,
)
from leadstage.sandbox.timeutil import datetime_to_ms, iso_ms

BULK_NULL = "#N/A"  # Bulk API CSV: set the field to null (an empty cell leaves it unchanged)
_DATETIME_INPUT = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$")
_DATE_INPUT = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TRUE, _FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no"})


def sf_datetime(ms: int) -> str:
    """Epoch milliseconds -> the stored (and REST) datetime form "2026-05-01T10:00:00.000+0000"."""
    return iso_ms(ms)[:-1] + "+0000"


def sf_date(ms: int) -> str:
    """Epoch milliseconds -> "YYYY-MM-DD" (UTC)."""
    return iso_ms(ms)[:10]


def csv_datetime(stored: str) -> str:
    """The Bulk API CSV form of a stored datetime ("...000Z")."""
    return stored[:-5] + "Z"


def parse_datetime_text(text: str) -> str | None:
    """An ISO 8601 date or datetime (Z, +hh:mm or +hhmm; no zone = UTC) -> stored datetime form, else None."""
    text = text.strip()
    if not _DATETIME_INPUT.match(text):
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return sf_datetime(datetime_to_ms(parsed))


def parse_date_text(text: str) -> str | None:
    """ "YYYY-MM-DD" (or a datetime, whose UTC day is taken) -> "YYYY-MM-DD", else None."""
    text = text.strip()
    if _DATE_INPUT.match(text):
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            return None
    stored = parse_datetime_text(text)
    return stored[:10] if stored else None


class ValueProblem(Exception):
    """Why a value can't be written to a field (a per-record error of a save)."""

    def __init__(self, code: str, message: str, field: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.field = field


def _type_problem(definition: FieldDef, value: object) -> ValueProblem:
    return ValueProblem(
        "INVALID_TYPE_ON_FIELD_IN_RECORD",
        f"{definition.label}: value not of required type: {value}",
        definition.name,
    )


def coerce(definition: FieldDef, value: object, picklist: tuple[str, ...] | None = None) -> Any:
    """A written value (JSON, CSV text or Python) in stored form; raises ValueProblem when it can't be."""
    if value is None or value == "":
        if definition.type == BOOLEAN:
            return False
        if not definition.nillable:
            raise ValueProblem(
                "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{definition.name}]", definition.name
            )
        return None
    kind = definition.type
    if kind == BOOLEAN:
        return _boolean(definition, value)
    if kind in NUMBER_TYPES:
        return _number(definition, value)
    if kind == DATETIME:
        return _datetime(definition, value)
    if kind == DATE:
        return _date(definition, value)
    if kind in ID_TYPES:
        record_id = to_id18(value)
        if record_id is None:
            raise ValueProblem(
                "MALFORMED_ID", f"{definition.label}: id value of incorrect type: {value}", definition.name
            )
        return record_id
    return _text(definition, value, picklist)


def _boolean(definition: FieldDef, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _type_problem(definition, value)


def _number(definition: FieldDef, value: object) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _type_problem(definition, value)
    try:
        number = float(value) if isinstance(value, str) else value
    except ValueError:
        raise _type_problem(definition, value) from None
    if isinstance(number, float) and not math.isfinite(number):
        raise _type_problem(definition, value)
    if definition.type == INT:
        if float(number) != int(number):
            raise _type_problem(definition, value)
        return int(number)
    return float(number)


def _datetime(definition: FieldDef, value: object) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise _type_problem(definition, value)
        return sf_datetime(datetime_to_ms(value))
    stored = parse_datetime_text(value) if isinstance(value, str) else None
    if stored is None:
        raise _type_problem(definition, value)
    return stored


def _date(definition: FieldDef, value: object) -> str:
    if isinstance(value, datetime):
        return _datetime(definition, value)[:10]
    if isinstance(value, date):
        return value.isoformat()
    stored = parse_date_text(value) if isinstance(value, str) else None
    if stored is None:
        raise _type_problem(definition, value)
    return stored


def _text(definition: FieldDef, value: object, picklist: tuple[str, ...] | None) -> str:
    if isinstance(value, dict | list):
        raise _type_problem(definition, value)
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    if definition.length and len(text) > definition.length:
        message = f"{definition.label}: data value too large: {text[:40]} (max length={definition.length})"
        raise ValueProblem("STRING_TOO_LONG", message, definition.name)
    if definition.type == EMAIL and not _EMAIL.match(text):
        raise ValueProblem(
            "INVALID_EMAIL_ADDRESS", f"{definition.label}: invalid email address: {text}", definition.name
        )
    if definition.type == PICKLIST and definition.restricted and picklist is not None and text not in picklist:
        message = f"{definition.label}: bad value for restricted picklist field: {text}"
        raise ValueProblem("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", message, definition.name)
    return text


def json_value(definition: FieldDef, stored: Any) -> Any:
    """A stored value as the REST API answers it (JSON types; null booleans read as false)."""
    if stored is None and definition.type == BOOLEAN:
        return False
    return stored


def csv_value(definition: FieldDef, stored: Any) -> str:
    """A stored value as a Bulk API 2.0 CSV cell."""
    if stored is None:
        return "false" if definition.type == BOOLEAN else ""
    if isinstance(stored, bool):
        return "true" if stored else "false"
    if definition.type == DATETIME:
        return csv_datetime(stored)
    return str(stored)
