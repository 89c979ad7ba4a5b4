"""SOQL names bound to the org's schema: fields, parent relationship paths (Campaign.Name: one level, through a
reference to one object; polymorphic ones such as Task.Who are not answered), and how each is read from a
record, as a value or as a comparison key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from leadstage.sandbox.salesforce.schema import BOOLEAN, FieldDef, ObjectDef
from leadstage.sandbox.salesforce.soql import INVALID_FIELD, FieldPath, SoqlError

if TYPE_CHECKING:
    from leadstage.sandbox.salesforce.org import SalesforceOrg

Record = dict[str, Any]
Getter = Callable[[Record], Any]
NO_COLUMN = (
    "No such column '{field}' on entity '{entity}'. If you are attempting to use a custom field, be sure to append "
    "the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
)
NO_RELATIONSHIP = (
    "Didn't understand relationship '{name}' in field path. If you are attempting to use a custom relationship, be "
    "sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call "
    "for the appropriate names."
)


@dataclass(frozen=True)
class Column:
    """A selected or filtered field: its canonical path, definition and how to read it from a record."""

    path: tuple[str, ...]
    definition: FieldDef
    getter: Getter
    relationship: str | None = None  # canonical relationship name for Rel.Field
    related: Callable[[Record], tuple[str, str] | None] | None = None  # record -> (object, id) it points at


def _full_name(record: Record) -> str | None:
    parts = [record[name] for name in ("FirstName", "LastName") if record.get(name)]
    return " ".join(parts) if parts else None


def _direct_getter(definition: FieldDef) -> Getter:
    name = definition.name
    if definition.computed:
        return _full_name
    if definition.type == BOOLEAN:
        return lambda record: record.get(name, False)
    return lambda record: record.get(name)


class Binder:
    """Resolves field paths of one query against the org's schema."""

    def __init__(self, org: SalesforceOrg, obj: ObjectDef) -> None:
        self.org = org
        self.obj = obj

    def column(self, path: FieldPath) -> Column:
        parts = path.parts
        if len(parts) == 1:
            definition = self.obj.field(parts[0])
            if definition is None:
                raise SoqlError(INVALID_FIELD, NO_COLUMN.format(field=parts[0], entity=self.obj.name), path.pos)
            return Column((definition.name,), definition, _direct_getter(definition))
        reference = self.obj.relationship(parts[0]) if len(parts) == 2 else None
        if reference is None or reference.relationship is None or reference.is_polymorphic:
            raise SoqlError(INVALID_FIELD, NO_RELATIONSHIP.format(name=parts[0]), path.pos)
        return self._related(reference, parts[1], path)

    def _related(self, reference: FieldDef, name: str, path: FieldPath) -> Column:
        parent = self.org.objects[reference.reference_to[0]]
        inner = parent.field(name)
        if inner is None:
            raise SoqlError(INVALID_FIELD, NO_COLUMN.format(field=name, entity=parent.name), path.pos)
        table = self.org.table(parent.name)
        ref_name = reference.name

        def related(record: Record) -> tuple[str, str] | None:
            target_id = record.get(ref_name)
            return (parent.name, target_id) if target_id in table else None

        read = _direct_getter(inner)

        def getter(record: Record) -> Any:
            target_id = record.get(ref_name)
            return read(table[target_id]) if target_id in table else None

        return Column((reference.relationship or "", inner.name), inner, getter, reference.relationship, related)


def comparable(column: Column) -> Getter:
    """Reads a column as its comparison key: text lower-cased, absent booleans false, null as None."""
    definition = column.definition
    if column.relationship is None and not definition.computed:
        name = definition.name
        if definition.is_text:
            return lambda record: (value := record.get(name)) and value.lower()
        if definition.type == BOOLEAN:
            return lambda record: record.get(name, False)
        return lambda record: record.get(name)
    get = column.getter
    if definition.is_text:
        return lambda record: (value := get(record)) and value.lower()
    return get
