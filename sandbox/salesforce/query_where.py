"""The WHERE clause as a predicate, with SOQL's semantics: text compares case-insensitively, `!=` and
`NOT IN` match nulls, `<` `>` and LIKE never match a null, relative dates are [start, end) day ranges in
the org's time zone (UTC); and the index plan for `Id` / reference fields pinned with `=` or `IN`."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from leadstage.sandbox.salesforce.ids import to_id18
from leadstage.sandbox.salesforce.query_bind import Binder, Getter, Record, comparable
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
from leadstage.sandbox.salesforce.values import sf_date, sf_datetime
from leadstage.sandbox.timeutil import MS_PER_DAY

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


def relative_range(org: SalesforceOrg, definition: FieldDef, literal: Literal) -> tuple[str, str]:
    """[start, end) of TODAY, LAST_N_DAYS:n, ... in the field's stored form (org time zone: UTC)."""
    if definition.type not in (DATE, DATETIME):
        raise _type_error(definition, literal, quoted=definition.is_text)
    word, n = literal.value
    today = org.now_ms() // MS_PER_DAY
    start, end = {
        "TODAY": (today, today + 1),
        "YESTERDAY": (today - 1, today),
        "TOMORROW": (today + 1, today + 2),
        "LAST_N_DAYS": (today - n, today + 1),
        "NEXT_N_DAYS": (today + 1, today + n + 1),
        "N_DAYS_AGO": (today - n, today - n + 1),
    }[word]
    form = sf_datetime if definition.type == DATETIME else sf_date
    return form(start * MS_PER_DAY), form(end * MS_PER_DAY)


def _range_predicate(get: Getter, op: str, low: str, high: str) -> Predicate:
    if op == "=":
        return lambda r: (v := get(r)) is not None and low <= v < high
    if op == "!=":
        return lambda r: (v := get(r)) is None or not low <= v < high
    bound, compare = {"<": (low, "<"), "<=": (high, "<"), ">": (high, ">="), ">=": (low, ">=")}[op]
    check = _ORDER_OPS[compare]
    return lambda r: (v := get(r)) is not None and check(v, bound)


def like_regex(literal: Literal) -> re.Pattern[str]:
    """A LIKE pattern ('%' any run, '_' one character, escaped ones literal) as a case-insensitive regex."""
    out = []
    for position, char in enumerate(literal.value):
        if position in literal.literal_wildcards:
            out.append(re.escape(char))
        elif char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def compile_comparison(binder: Binder, comparison: Comparison) -> Predicate:
    """One comparison as a predicate over records."""
    column = binder.column(comparison.field)
    definition, op, values = column.definition, comparison.op, comparison.values
    read = comparable(column)
    if op == "LIKE":
        if not definition.is_text or values[0].kind != "string":
            raise SoqlError(INVALID_FILTER, f"invalid operator on field '{definition.name}': LIKE", comparison.pos)
        matcher = like_regex(values[0]).fullmatch
        return lambda r: (v := read(r)) is not None and matcher(v) is not None
    if values[0].kind == "relative" and op not in ("IN", "NOT IN"):
        return _range_predicate(read, op, *relative_range(binder.org, definition, values[0]))
    if op in ("IN", "NOT IN", "=", "!="):
        wanted = {literal_key(definition, literal) for literal in values}
        if definition.type == BOOLEAN and None in wanted:
            wanted.discard(None)  # a checkbox is never null
        if op in ("=", "IN"):
            return lambda r: read(r) in wanted
        return lambda r: read(r) not in wanted
    bound = literal_key(definition, values[0])
    if bound is None or definition.type == BOOLEAN:
        raise SoqlError(INVALID_FILTER, f"invalid operator on field '{definition.name}': {op}", comparison.pos)
    check = _ORDER_OPS[op]
    return lambda r: (v := read(r)) is not None and check(v, bound)


def compile_condition(binder: Binder, condition: Condition) -> Predicate:
    """A WHERE tree as one predicate."""
    if isinstance(condition, Comparison):
        return compile_comparison(binder, condition)
    if isinstance(condition, Junction):
        parts = [compile_condition(binder, part) for part in condition.parts]
        if condition.op == "AND":
            return lambda r: all(part(r) for part in parts)
        return lambda r: any(part(r) for part in parts)
    inner = compile_condition(binder, condition.part)
    return lambda r: not inner(r)


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
        path = part.field.parts[1:] if part.field.parts[0].lower() == obj.name.lower() else part.field.parts
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
