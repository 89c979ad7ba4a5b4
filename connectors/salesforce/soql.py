"""SOQL built safely: ids validated, strings escaped, datetimes formatted. SOQL is text; nothing from a record
or a config file is ever pasted into it unescaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from leadstage.connectors.salesforce.settings import ID_PATTERN

# Salesforce's escape sequences for string literals in SOQL.
_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}


class UnsafeValue(ValueError):
    """A value that cannot be used in SOQL (an id of the wrong shape, a field name with odd characters)."""


def quote(value: str) -> str:
    """A SOQL string literal for ``value``, every special character escaped."""
    return "'" + "".join(_ESCAPES.get(char, char) for char in value) + "'"


def record_id(value: str) -> str:
    """``value`` if it is a Salesforce id (15 or 18 letters and digits), else UnsafeValue."""
    if not ID_PATTERN.match(value):
        raise UnsafeValue(f"{value[:40]!r} is not a Salesforce id")
    return value


def id_list(ids: Iterable[str]) -> str:
    """``('id1','id2')`` for an IN clause; every id validated."""
    checked = [quote(record_id(value)) for value in ids]
    if not checked:
        raise UnsafeValue("an IN list needs at least one id")
    return "(" + ",".join(checked) + ")"


def field_name(value: str) -> str:
    """A field or object API name (letters, digits, underscores, dots for relationships)."""
    if not value or not all(char.isalnum() or char in "_." for char in value) or not value[0].isalpha():
        raise UnsafeValue(f"{value[:40]!r} is not a field name")
    return value


def datetime_literal(moment: datetime) -> str:
    """A SOQL datetime literal (UTC, unquoted)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def select(
    fields: Sequence[str], object_name: str, where: str = "", order_by: str = "", limit: int | None = None
) -> str:
    """A SELECT statement from validated names and an already-safe WHERE clause."""
    statement = f"SELECT {', '.join(field_name(f) for f in fields)} FROM {field_name(object_name)}"
    if where:
        statement += f" WHERE {where}"
    if order_by:
        statement += f" ORDER BY {field_name(order_by)}"
    if limit is not None:
        statement += f" LIMIT {int(limit)}"
    return statement
