"""CRM search (POST /crm/v3/objects/{contacts,companies}/search): request validation, filters, sorting, paging.

Values compare by the property's type: numbers numerically, datetimes as instants (filter values may be
epoch milliseconds or ISO strings), dates as days, everything else as case-insensitive text.
Choices where HubSpot's behaviour is not documented (unconfirmed):
- NEQ and NOT_IN also match records without a value;
- records without a value for the sort property come last in both directions;
- filtering on a property that has no definition answers 400.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from leadstage.sandbox.config import (
    SEARCH_BODY_MAX_CHARS,
    SEARCH_LIMIT_DEFAULT,
    SEARCH_LIMIT_MAX,
    SEARCH_MAX_FILTER_GROUPS,
    SEARCH_MAX_FILTERS,
    SEARCH_MAX_FILTERS_PER_GROUP,
    SEARCH_MAX_SORTS,
)
from leadstage.sandbox.http import ApiError
from leadstage.sandbox.hubspot.properties import TYPE_DATE, TYPE_DATETIME, TYPE_NUMBER, PropertyDefinition
from leadstage.sandbox.timeutil import iso_date, iso_ms, parse_instant

OPERATORS = (
    "EQ",
    "NEQ",
    "LT",
    "LTE",
    "GT",
    "GTE",
    "BETWEEN",
    "IN",
    "NOT_IN",
    "HAS_PROPERTY",
    "NOT_HAS_PROPERTY",
    "CONTAINS_TOKEN",
    "NOT_CONTAINS_TOKEN",
)
NO_VALUE_OPERATORS = ("HAS_PROPERTY", "NOT_HAS_PROPERTY")
LIST_OPERATORS = ("IN", "NOT_IN")
QUERY_PROPERTIES = ("firstname", "lastname", "email", "phone", "company")
_TOKEN_SPLIT = re.compile(r"[^0-9a-z]+")

RANGE_OPERATORS = ("EQ", "LT", "LTE", "GT", "GTE", "BETWEEN")

Record = dict[str, str]
Predicate = Callable[[Record], bool]
# (low, low inclusive, high, high inclusive); None: unbounded on that side
Bounds = tuple[Any, bool, Any, bool]


@dataclass(frozen=True)
class Filter:
    """One parsed filter: its predicate, a hashable signature, and its bounds when it is a range on one value."""

    name: str
    signature: tuple[Any, ...]
    test: Predicate
    bounds: Bounds | None


@dataclass(frozen=True)
class SearchRequest:
    """A validated search body."""

    groups: list[list[Filter]]
    sort_property: str | None
    descending: bool
    properties: list[str] | None
    limit: int
    after: int
    query: str | None
    query_properties: tuple[str, ...] = QUERY_PROPERTIES  # what the free-text query reads (the object's own)


def _bad(message: str) -> ApiError:
    return ApiError(400, message, "VALIDATION_ERROR")


def _comparable(definition: PropertyDefinition, raw: Any) -> Any:
    """A filter value in the form stored values compare against (ISO strings for instants)."""
    if definition.type == TYPE_NUMBER or definition.name == "hs_object_id":
        try:
            return float(str(raw))
        except ValueError as exc:
            raise _bad(f"{raw} is not a valid number for property {definition.name}") from exc
    if definition.type in (TYPE_DATETIME, TYPE_DATE):
        ms = parse_instant(raw)
        if ms is None:
            raise _bad(f"{raw} is not a valid date for property {definition.name}")
        return iso_ms(ms) if definition.type == TYPE_DATETIME else iso_date(ms)
    return str(raw).lower()


def _stored(definition: PropertyDefinition, value: str) -> Any:
    if definition.type == TYPE_NUMBER:
        try:
            return float(value)
        except ValueError:
            return None
    if definition.type in (TYPE_DATETIME, TYPE_DATE):
        return value
    return value.lower()


def _tokens(value: str) -> list[str]:
    return [token for token in _TOKEN_SPLIT.split(value.lower()) if token]


def _contains_token(value: str, wanted: str) -> bool:
    wanted = wanted.lower()
    if "*" in wanted:
        return fnmatch.fnmatchcase(value.lower(), wanted) or any(fnmatch.fnmatchcase(t, wanted) for t in _tokens(value))
    return wanted in _tokens(value) or value.lower() == wanted


def build_predicate(definition: PropertyDefinition, spec: dict[str, Any]) -> Predicate:
    """One filter as a predicate over a contact's property dict."""
    name, operator = definition.name, str(spec.get("operator", "")).upper()
    if operator not in OPERATORS:
        raise _bad(f"Invalid operator {operator!r} for property {name}; use one of {', '.join(OPERATORS)}")
    if operator == "HAS_PROPERTY":
        return lambda r: bool(r.get(name))
    if operator == "NOT_HAS_PROPERTY":
        return lambda r: not r.get(name)
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        wanted = str(spec.get("value", ""))
        negate = operator == "NOT_CONTAINS_TOKEN"
        return lambda r: _contains_token(r.get(name, ""), wanted) != negate
    if operator in LIST_OPERATORS:
        values = spec.get("values")
        if not isinstance(values, list) or not values:
            raise _bad(f"Operator {operator} on {name} needs a non-empty 'values' list")
        wanted_set = {_comparable(definition, v) for v in values}
        if operator == "IN":
            return lambda r: bool(r.get(name)) and _stored(definition, r[name]) in wanted_set
        return lambda r: not r.get(name) or _stored(definition, r[name]) not in wanted_set
    if "value" not in spec:
        raise _bad(f"Operator {operator} on {name} needs a 'value'")
    low = _comparable(definition, spec["value"])
    if operator == "BETWEEN":
        if "highValue" not in spec:
            raise _bad(f"Operator BETWEEN on {name} needs a 'highValue'")
        high = _comparable(definition, spec["highValue"])
        return _guarded(definition, lambda v: low <= v <= high)
    compare: dict[str, Callable[[Any], bool]] = {
        "EQ": lambda v: v == low,
        "LT": lambda v: v < low,
        "LTE": lambda v: v <= low,
        "GT": lambda v: v > low,
        "GTE": lambda v: v >= low,
    }
    if operator == "NEQ":
        return lambda r: not r.get(name) or _stored(definition, r[name]) != low
    return _guarded(definition, compare[operator])


def build_filter(definition: PropertyDefinition, spec: dict[str, Any]) -> Filter:
    """One filter with what a search view needs to answer it from an ordered index (see search_views.py)."""
    test = build_predicate(definition, spec)
    operator = str(spec.get("operator", "")).upper()
    bounds: Bounds | None = None
    values: Any = None
    if operator in RANGE_OPERATORS:
        low = _comparable(definition, spec["value"])
        high = _comparable(definition, spec["highValue"]) if operator == "BETWEEN" else low
        bounds = {
            "EQ": (low, True, low, True),
            "LT": (None, False, low, False),
            "LTE": (None, False, low, True),
            "GT": (low, False, None, False),
            "GTE": (low, True, None, False),
            "BETWEEN": (low, True, high, True),
        }[operator]
        values = bounds
    elif operator in LIST_OPERATORS:
        values = frozenset(_comparable(definition, v) for v in spec["values"])
    elif operator not in NO_VALUE_OPERATORS:
        values = str(spec.get("value", ""))
    return Filter(definition.name, (definition.name, definition.type, operator, values), test, bounds)


def _guarded(definition: PropertyDefinition, test: Callable[[Any], bool]) -> Predicate:
    name = definition.name

    def predicate(record: Record) -> bool:
        value = record.get(name)
        if not value:
            return False
        stored = _stored(definition, value)
        return stored is not None and test(stored)

    return predicate


def parse_search(
    body_text: str,
    definitions: dict[str, PropertyDefinition],
    search_cap: int,
    query_properties: tuple[str, ...] = QUERY_PROPERTIES,
) -> SearchRequest:
    """Validate a raw search body against HubSpot's limits; a 400 ApiError on any violation."""
    if len(body_text) > SEARCH_BODY_MAX_CHARS:
        raise _bad(
            f"Request body is {len(body_text)} characters; search requests are limited to "
            f"{SEARCH_BODY_MAX_CHARS} characters"
        )
    try:
        body = json.loads(body_text or "{}")
    except json.JSONDecodeError as exc:
        raise _bad(f"Invalid input JSON on line 1: {exc}") from exc
    if not isinstance(body, dict):
        raise _bad("Invalid input JSON: expected an object")
    limit = _int_field(body, "limit", SEARCH_LIMIT_DEFAULT)
    if limit < 0 or limit > SEARCH_LIMIT_MAX:
        raise _bad(f"limit must be between 0 and {SEARCH_LIMIT_MAX}, got {limit}")
    after = _int_field(body, "after", 0)
    if after >= search_cap:
        raise _bad(
            f"Search results are limited to {search_cap} records per query; 'after' {after} is past that "
            f"limit. Narrow the query (for example hs_object_id GT the last id) instead of paging further."
        )
    groups = _parse_groups(body.get("filterGroups") or [], definitions)
    sort_property, descending = _parse_sort(body.get("sorts") or [], definitions)
    properties = body.get("properties")
    if properties is not None and not isinstance(properties, list):
        raise _bad("'properties' must be a list of property names")
    query = body.get("query")
    return SearchRequest(
        groups,
        sort_property,
        descending,
        properties or None,
        limit,
        after,
        str(query) if query else None,
        query_properties,
    )


def _int_field(body: dict[str, Any], name: str, default: int) -> int:
    raw = body.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise _bad(f"'{name}' must be an integer, got {raw!r}") from exc


def _parse_groups(raw_groups: Any, definitions: dict[str, PropertyDefinition]) -> list[list[Filter]]:
    if not isinstance(raw_groups, list):
        raise _bad("'filterGroups' must be a list")
    if len(raw_groups) > SEARCH_MAX_FILTER_GROUPS:
        raise _bad(f"Too many filter groups: {len(raw_groups)} (at most {SEARCH_MAX_FILTER_GROUPS})")
    total = sum(len(g.get("filters") or []) for g in raw_groups if isinstance(g, dict))
    if total > SEARCH_MAX_FILTERS:
        raise _bad(f"Too many filters: {total} (at most {SEARCH_MAX_FILTERS} across all filter groups)")
    groups = []
    for group in raw_groups:
        filters = group.get("filters") or [] if isinstance(group, dict) else None
        if not isinstance(filters, list):
            raise _bad("each filter group needs a 'filters' list")
        if len(filters) > SEARCH_MAX_FILTERS_PER_GROUP:
            raise _bad(f"Too many filters in one group: {len(filters)} (at most {SEARCH_MAX_FILTERS_PER_GROUP})")
        parsed = []
        for spec in filters:
            name = spec.get("propertyName") if isinstance(spec, dict) else None
            definition = definitions.get(str(name))
            if definition is None:
                raise _bad(f"Property {name!r} in a filter does not exist")
            parsed.append(build_filter(definition, spec))
        groups.append(parsed)
    return groups


def _parse_sort(raw_sorts: Any, definitions: dict[str, PropertyDefinition]) -> tuple[str | None, bool]:
    if not isinstance(raw_sorts, list):
        raise _bad("'sorts' must be a list")
    if len(raw_sorts) > SEARCH_MAX_SORTS:
        raise _bad(f"Only {SEARCH_MAX_SORTS} sort is allowed per search, got {len(raw_sorts)}")
    if not raw_sorts:
        return None, False
    sort = raw_sorts[0]
    if isinstance(sort, str):
        name, descending = sort.lstrip("-"), sort.startswith("-")
    elif isinstance(sort, dict):
        name = str(sort.get("propertyName", ""))
        direction = str(sort.get("direction", "ASCENDING")).upper()
        if direction not in ("ASCENDING", "DESCENDING"):
            raise _bad(f"Sort direction must be ASCENDING or DESCENDING, got {direction!r}")
        descending = direction == "DESCENDING"
    else:
        raise _bad("a sort is a property name or {propertyName, direction}")
    if name not in definitions:
        raise _bad(f"Property {name!r} in sorts does not exist")
    return name, descending


def matches(request: SearchRequest, record: Record) -> bool:
    """Whether a record satisfies the filter groups (OR of ANDs) and the free-text query."""
    if request.groups and not any(all(f.test(record) for f in group) for group in request.groups):
        return False
    if request.query:
        words = request.query.lower().split()
        haystack = [t for name in request.query_properties for t in _tokens(record.get(name, ""))]
        emails = record.get("email", "").lower()
        return all(any(t.startswith(w) for t in haystack) or w in emails for w in words)
    return True


def sort_value(definition: PropertyDefinition, contact_id: str, record: Record) -> Any:
    """The value a record sorts by on a property it has a value for (hs_object_id: the id as a number)."""
    if definition.name == "hs_object_id":
        return float(contact_id)
    value = _stored(definition, record[definition.name])
    if definition.type == TYPE_NUMBER and value is None:
        return float("-inf")
    return value


def order(
    ids: list[str],
    records: dict[str, Record],
    request: SearchRequest,
    definitions: dict[str, PropertyDefinition],
) -> list[str]:
    """Ids sorted by the requested property (ties and the default: id ascending); missing values last."""
    ids = sorted(ids, key=int)
    if request.sort_property is None:
        return ids
    definition = definitions[request.sort_property]
    name = request.sort_property
    present = [i for i in ids if records[i].get(name)]
    missing = [i for i in ids if not records[i].get(name)]
    # Python's sort is stable (also with reverse=True): ties keep their ascending id order
    present.sort(key=lambda i: sort_value(definition, i, records[i]), reverse=request.descending)
    return present + missing
