"""Runs parsed SOQL against the org: compiles a query (names bound by query_bind, the WHERE
clause by query_where), plans the scan, orders, and renders records as the REST API (JSON)
and the Bulk API (CSV) answer them.

Planning keeps 100k-row tables fast: `Id = / IN` and `<reference> = / IN` read an index instead of
scanning, and without an ORDER BY (or ORDER BY Id) a LIMIT stops the scan early, since tables are kept
in Id order.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from leadstage.sandbox.salesforce.query_bind import Binder, Column, Getter, Record, comparable
from leadstage.sandbox.salesforce.query_where import Predicate, compile_condition, indexed_ids
from leadstage.sandbox.salesforce.schema import ObjectDef
from leadstage.sandbox.salesforce.soql import INVALID_FIELD, INVALID_TYPE, MALFORMED_QUERY, Query, SoqlError, parse
from leadstage.sandbox.salesforce.values import csv_value, json_value

if TYPE_CHECKING:
    from leadstage.sandbox.salesforce.org import SalesforceOrg

NO_OBJECT = (
    "sObject type '{name}' is not supported. If you are attempting to use a custom object, be sure to append the "
    "'__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."
)


@dataclass
class CompiledQuery:
    """A query bound to the org's schema, ready to run."""

    text: str
    obj: ObjectDef
    columns: list[Column]
    predicate: Predicate | None
    candidates: Callable[[], list[str]] | None
    order: list[tuple[Getter, bool]] = field(default_factory=list)  # (key, descending)
    id_order: bool | None = None  # False/True: ORDER BY Id ASC/DESC only (scan order); None: sort needed
    limit: int | None = None
    count: bool = False  # SELECT COUNT()


# ----- compile and run ------------
def compile_query(org: SalesforceOrg, text: str) -> CompiledQuery:
    """Parse and bind a query (SoqlError when it is malformed or names unknown objects or fields)."""
    query = parse(text)
    obj = org.sobject(query.object_name)
    if obj is None:
        raise SoqlError(INVALID_TYPE, NO_OBJECT.format(name=query.object_name), query.object_pos)
    binder = Binder(org, obj)
    columns = _columns(binder, query)
    compiled = CompiledQuery(
        text,
        obj,
        columns,
        compile_condition(binder, query.where) if query.where is not None else None,
        indexed_ids(org, obj, query.where),
        limit=query.limit,
        count=query.count is not None,
    )
    order = list(query.order)
    if len(order) > 1 and binder.column(order[-1].field).path == ("Id",) and not order[-1].descending:
        order.pop()  # a trailing "Id ASC" is implied: matches are collected in Id order and sorts are stable
    for item in order:
        compiled.order.append((comparable(binder.column(item.field)), item.descending))
    if len(order) == 1 and binder.column(order[0].field).path == ("Id",):
        compiled.id_order = order[0].descending
    elif not order:
        compiled.id_order = False
    return compiled


def _columns(binder: Binder, query: Query) -> list[Column]:
    columns: list[Column] = []
    seen: set[tuple[str, ...]] = set()
    for path in query.fields:
        column = binder.column(path)
        lowered = tuple(part.lower() for part in column.path)
        if lowered in seen:
            raise SoqlError(INVALID_FIELD, f"duplicate field selected: {'.'.join(column.path)}", path.pos)
        seen.add(lowered)
        columns.append(column)
    return columns


def select_ids(org: SalesforceOrg, query: CompiledQuery, include_deleted: bool) -> list[str]:
    """The ids of the matching records, ordered, up to LIMIT (caller holds org.lock)."""
    table = org.table(query.obj.name)
    if query.candidates is not None:
        ids = query.candidates()
        rows: Iterable[tuple[str, Record]] = [(record_id, table[record_id]) for record_id in ids]
    else:
        rows = table.items()
    if query.id_order:
        rows = reversed(list(rows) if query.candidates is not None else table.items())
    wanted = query.limit if query.id_order is not None else None
    predicate = query.predicate
    matched: list[str] = []
    for record_id, record in rows:
        if (include_deleted or not record.get("IsDeleted")) and (predicate is None or predicate(record)):
            matched.append(record_id)
            if wanted is not None and len(matched) >= wanted:
                break
    if query.id_order is None:
        for key, descending in reversed(query.order):
            matched = _sorted(matched, table, key, descending)
    return matched[: query.limit]


def _sorted(ids: list[str], table: dict[str, Record], key: Getter, descending: bool) -> list[str]:
    """A stable sort of ids by one key, nulls first (ASC) or last (DESC), as SOQL sorts them by default."""
    keyed, nulls = [], []
    for record_id in ids:
        value = key(table[record_id])
        if value is None:
            nulls.append(record_id)
        else:
            keyed.append((value, record_id))
    keyed.sort(key=operator.itemgetter(0), reverse=descending)
    ordered = [record_id for _, record_id in keyed]
    return ordered + nulls if descending else nulls + ordered


# ----- rendering ------------
def render_json(org: SalesforceOrg, query: CompiledQuery, record_id: str, version: str) -> dict[str, Any]:
    """One record as the REST query answer shows it (relationship fields nested under their relationship)."""
    record = org.table(query.obj.name)[record_id]
    out: dict[str, Any] = {"attributes": attributes(query.obj.name, record_id, version)}
    for column in query.columns:
        if column.relationship is None:
            out[column.path[0]] = json_value(column.definition, column.getter(record))
            continue
        assert column.related is not None
        target = column.related(record)
        if target is None:
            out[column.relationship] = None
            continue
        nested = out.get(column.relationship)
        if nested is None:
            nested = out[column.relationship] = {"attributes": attributes(target[0], target[1], version)}
        nested[column.path[1]] = json_value(column.definition, column.getter(record))
    return out


def attributes(type_name: str, record_id: str, version: str) -> dict[str, str]:
    """A record's `attributes` block."""
    return {"type": type_name, "url": f"/services/data/{version}/sobjects/{type_name}/{record_id}"}


def csv_header(query: CompiledQuery) -> list[str]:
    """The Bulk API CSV header: the selected field paths."""
    return [".".join(column.path) for column in query.columns]


def csv_row(org: SalesforceOrg, query: CompiledQuery, record_id: str) -> list[str]:
    """One record as Bulk API CSV cells."""
    record = org.table(query.obj.name)[record_id]
    return [csv_value(column.definition, column.getter(record)) for column in query.columns]


def require_selection(query: CompiledQuery) -> None:
    """Bulk and REST queries need fields or COUNT()."""
    if not query.columns and not query.count:
        raise SoqlError(MALFORMED_QUERY, "unexpected token: FROM", 0)
