"""The WHERE clause as a predicate, with SOQL's semantics: text compares case-insensitively, `!=` matches
nulls, `<` `<=` `>` `>=` never match a null, a checkbox is never null; and the index plan for `Id` /
reference fields pinned with `=` or `IN`."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from leadstage.sandbox.salesforce.ids import to_id18
from leadstage.sandbox.salesforce.query_bind import Binder, Record, comparable
from leadstage.sandbox.salesforce.schema import (
    BOOLEAN,
    DATE,
    DATETIME,
    ID_TYPES,
    INT,
    NUMBER_TYPES,
    FieldDef,
    ObjectDef,
)
from leadstage.sandbox.salesforce.soql import (
    INVALID_FIELD,
    INVALID_FILTER,
    Comparison,
    Condition,
    Junction,
    Literal,
    SoqlError,
)

if TYPE_CHECKING:
    from leadstage.sandbox.salesforce.org import SalesforceOrg

Predicate = Callable[[Record], bool]
TYPE_WORDS = {BOOLEAN: "boolean", INT: "integer", DATE: "date", DATETIME: "dateTime"}
_ORDER_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _type_error(definition: FieldDef, literal: Literal, quoted: bool) -> SoqlError:
    word = TYPE_WORDS.get(definition.type, "double" if definition.type in NUMBER_TYPES else "string")
    hint = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
    detail = f"value of filter criterion for field '{definition.name}' must be of type {word} and {hint}"
    return SoqlError(INVALID_FIELD, detail, literal.pos)


def literal_key(definition: FieldDef, literal: Literal) -> Any:
    """A literal as the comparable key of this field's values (None for null)."""
    kind, value = literal.kind, literal.value
    if kind == "null":
        return None
    ftype = definition.type
    if definition.is_text:
        if kind != "string":
            raise _type_error(definition, literal, quoted=True)
        return value.lower()
    if ftype in ID_TYPES:
        record_id = to_id18(value) if kind == "string" else None
        if record_id is None:
            raise SoqlError(INVALID_FILTER, f"invalid ID field: {literal.text.strip(chr(39))}", literal.pos)
        return record_id
    expected = {BOOLEAN: "boolean", DATE: "date", DATETIME: "datetime"}.get(ftype, "number")
    if kind != expected or (ftype == INT and isinstance(value, float) and not value.is_integer()):
        raise _type_error(definition, literal, quoted=False)
    return value


def compile_comparison(binder: Binder, comparison: Comparison) -> Predicate:
    """One comparison as a predicate over records."""
    column = binder.column(comparison.field)
    definition, op, values = column.definition, comparison.op, comparison.values
    read = comparable(column)
    if op in ("IN", "=", "!="):
        wanted = {literal_key(definition, literal) for literal in values}
        if definition.type == BOOLEAN and None in wanted:
            wanted.discard(None)  # a checkbox is never null
        if op == "!=":
            return lambda r: read(r) not in wanted
        return lambda r: read(r) in wanted
    bound = literal_key(definition, values[0])
    if bound is None or definition.type == BOOLEAN:
        raise SoqlError(INVALID_FILTER, f"invalid operator on field '{definition.name}': {op}", comparison.pos)
    check = _ORDER_OPS[op]
    return lambda r: (v := read(r)) is not None and check(v, bound)


def compile_condition(binder: Binder, condition: Condition) -> Predicate:
    """A WHERE tree as one predicate."""
    if isinstance(condition, Comparison):
        return compile_comparison(binder, condition)
    parts = [compile_condition(binder, part) for part in condition.parts]
    if condition.op == "AND":
        return lambda r: all(part(r) for part in parts)
    return lambda r: any(part(r) for part in parts)


def indexed_ids(org: SalesforceOrg, obj: ObjectDef, condition: Condition | None) -> Callable[[], list[str]] | None:
    """When the WHERE clause pins an id or reference field with = or IN, the candidate ids (Id order)."""
    parts: Iterable[Condition] = []
    if isinstance(condition, Comparison):
        parts = [condition]
    elif isinstance(condition, Junction) and condition.op == "AND":
        parts = condition.parts
    for part in parts:
        if not isinstance(part, Comparison) or part.op not in ("=", "IN"):
            continue
        path = part.field.parts
        definition = obj.field(path[0]) if len(path) == 1 else None
        if definition is None or definition.type not in ID_TYPES:
            continue
        ids = {to_id18(literal.value) for literal in part.values if literal.kind == "string"}
        if None in ids or len(ids) != len(part.values):
            continue
        name = definition.name

        def candidates(ids: set[Any] = ids, name: str = name) -> list[str]:
            if name == "Id":
                table = org.table(obj.name)
                return sorted(i for i in ids if i in table)
            index = org.index(obj.name, name)
            return sorted({found for i in ids for found in index.get(i, ())})

        return candidates
    return None
