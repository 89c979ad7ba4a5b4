"""SOQL names bound to the org's schema: fields, relationship paths (Campaign.Name, the polymorphic Who.Type),
and how each is read from a record, as a value or as a comparison key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from leadstage.sandbox.salesforce.schema import BOOLEAN, WHO_FIELDS, FieldDef, ObjectDef
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
        if len(parts) > 1 and parts[0].lower() == self.obj.name.lower():
            parts = parts[1:]
        if len(parts) == 1:
            definition = self.obj.field(parts[0])
            if definition is None:
                raise SoqlError(INVALID_FIELD, NO_COLUMN.format(field=parts[0], entity=self.obj.name), path.pos)
            return Column((definition.name,), definition, _direct_getter(definition))
        reference = self.obj.relationship(parts[0]) if len(parts) == 2 else None
        if reference is None or reference.relationship is None:
            raise SoqlError(INVALID_FIELD, NO_RELATIONSHIP.format(name=parts[0]), path.pos)
        return self._related(reference, parts[1], path)

    def _related(self, reference: FieldDef, name: str, path: FieldPath) -> Column:
        tables = {self.org.objects[t].prefix: (t, self.org.table(t)) for t in reference.reference_to}
        ref_name = reference.name
        if reference.is_polymorphic:
            inner = WHO_FIELDS.get(name.lower())
            entity = "Name"
        else:
            inner = self.org.objects[reference.reference_to[0]].field(name)
            entity = reference.reference_to[0]
        if inner is None:
            raise SoqlError(INVALID_FIELD, NO_COLUMN.format(field=name, entity=entity), path.pos)

        def related(record: Record) -> tuple[str, str] | None:
            target_id = record.get(ref_name)
            found = tables.get(target_id[:3]) if target_id else None
            if found is None or target_id not in found[1]:
                return None
            return found[0], target_id

        read = _direct_getter(inner)
        is_type = reference.is_polymorphic and inner.name == "Type"

        def getter(record: Record) -> Any:
            target = related(record)
            if target is None:
                return None
            return target[0] if is_type else read(tables[target[1][:3]][1][target[1]])

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
