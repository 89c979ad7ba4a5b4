"""Custom fields as an admin creates them in Setup, and the LeadStage_*__c fields the seed adds."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from leadstage.sandbox.salesforce.schema import BOOLEAN, DATETIME, DOUBLE, PICKLIST, STRING, FieldDef

CUSTOM_TYPES = {"double": DOUBLE, "string": STRING, "picklist": PICKLIST, "datetime": DATETIME, "boolean": BOOLEAN}
CUSTOM_STRING_LENGTH = 255
MAX_TEXT_LENGTH = 131_072


@dataclass(frozen=True)
class CustomFieldSpec:
    """A custom field as an admin creates it in Setup."""

    name: str
    type: str
    length: int = CUSTOM_STRING_LENGTH
    values: tuple[str, ...] = field(default_factory=tuple)

    def definition(self) -> FieldDef:
        """The field definition (custom picklists are restricted, Setup's default)."""
        label = self.name.removesuffix("__c").replace("_", " ")
        kind = CUSTOM_TYPES[self.type]
        base = FieldDef(self.name, kind, label, custom=True, nillable=kind != BOOLEAN)
        if kind in (STRING, PICKLIST):
            base = replace(base, length=self.length)
        if kind == PICKLIST:
            base = replace(base, picklist=self.values, restricted=True)
        return base


def custom_field_spec(name: str, spec: str | tuple[str, object]) -> CustomFieldSpec:
    """Read one `add_custom_fields` entry: "double", ("string", 500) or ("picklist", ["A", "B"])."""
    if not name.endswith("__c") or not name[:-3].replace("_", "").isalnum():
        raise ValueError(f"custom field name {name!r} must be an API name ending in __c (e.g. Score__c)")
    kind, arg = (spec, None) if isinstance(spec, str) else spec
    if kind not in CUSTOM_TYPES:
        raise ValueError(f"custom field {name}: unknown type {kind!r}; use one of {', '.join(CUSTOM_TYPES)}")
    if kind == "picklist":
        values = tuple(str(v) for v in arg) if isinstance(arg, list | tuple) else ()
        return CustomFieldSpec(name, kind, values=values)
    if kind == "string" and arg is not None:
        if not isinstance(arg, int) or not 0 < arg <= MAX_TEXT_LENGTH:
            raise ValueError(f"custom field {name}: string length must be an int in 1..{MAX_TEXT_LENGTH}, got {arg!r}")
        return CustomFieldSpec(name, kind, length=arg)
    return CustomFieldSpec(name, kind)


LEADSTAGE_FIELDS: dict[str, str | tuple[str, object]] = {
    "LeadStage_Score__c": "double",
    "LeadStage_Fit_Score__c": "double",
    "LeadStage_Engagement_Score__c": "double",
    "LeadStage_Grade__c": "string",
    "LeadStage_Temperature__c": "string",
    "LeadStage_Funnel_Stage__c": "string",
    "LeadStage_MQL_Date__c": "datetime",
    "LeadStage_SAL_Date__c": "datetime",
    "LeadStage_SQL_Date__c": "datetime",
    "LeadStage_Recycled_Date__c": "datetime",
    "LeadStage_SLA_Breached__c": "boolean",
    "LeadStage_Score_Reason__c": ("string", 500),
}
