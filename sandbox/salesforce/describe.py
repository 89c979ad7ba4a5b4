"""describe() answers: the sObject and field metadata the REST API reports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from leadstage.sandbox.salesforce.schema import (
    BOOLEAN,
    CURRENCY,
    CUSTOM_DOUBLE_PRECISION,
    CUSTOM_DOUBLE_SCALE,
    DOUBLE,
    INT,
    LEAD_STATUS_VALUES,
    SOAP_TYPES,
    FieldDef,
    ObjectDef,
)

if TYPE_CHECKING:
    from leadstage.sandbox.salesforce.org import SalesforceOrg

INT_DIGITS = 8


def picklist_entries(org: SalesforceOrg, definition: FieldDef) -> list[dict[str, Any]]:
    """A picklist's `picklistValues` (Lead.Status: from the LeadStatus rows, default flagged)."""
    defaults: set[str] = set()
    if definition.values_from == LEAD_STATUS_VALUES:
        defaults = {status.api_name for status in org.lead_statuses if status.is_default}
    labels = {status.api_name: status.label or status.api_name for status in org.lead_statuses}
    return [
        {
            "active": True,
            "defaultValue": value in defaults,
            "label": labels.get(value, value) if definition.values_from else value,
            "validFor": None,
            "value": value,
        }
        for value in org.picklist_values(definition)
    ]


def describe_field(org: SalesforceOrg, definition: FieldDef) -> dict[str, Any]:
    """One entry of `fields`."""
    numeric = definition.type in (DOUBLE, CURRENCY)
    return {
        "name": definition.name,
        "label": definition.label,
        "type": definition.type,
        "soapType": SOAP_TYPES.get(definition.type, "xsd:string"),
        "custom": definition.custom,
        "calculated": definition.computed,
        "createable": definition.updateable or definition.name in ("CampaignId", "LeadId", "ContactId"),
        "updateable": definition.updateable,
        "nillable": definition.nillable and definition.type != BOOLEAN,
        "defaultedOnCreate": definition.type == BOOLEAN or definition.name in ("OwnerId", "Id"),
        "length": definition.length,
        "byteLength": definition.length * 3,
        "digits": INT_DIGITS if definition.type == INT else 0,
        "precision": CUSTOM_DOUBLE_PRECISION if numeric else 0,
        "scale": CUSTOM_DOUBLE_SCALE if numeric else 0,
        "picklistValues": picklist_entries(org, definition),
        "restrictedPicklist": definition.restricted,
        "referenceTo": list(definition.reference_to),
        "relationshipName": definition.relationship,
        "polymorphicForeignKey": definition.is_polymorphic,
        "externalId": False,
        "unique": False,
        "filterable": True,
        "sortable": True,
        "groupable": definition.type not in (DOUBLE, CURRENCY),
        "nameField": definition.name == "Name",
    }


def describe_object(org: SalesforceOrg, obj: ObjectDef, version: str) -> dict[str, Any]:
    """GET /sobjects/{Object}/describe."""
    return {
        **global_entry(obj, version),
        "fields": [describe_field(org, definition) for definition in obj.fields.values()],
        "childRelationships": [],
        "recordTypeInfos": [],
    }


def global_entry(obj: ObjectDef, version: str) -> dict[str, Any]:
    """One entry of GET /sobjects (describe global)."""
    base = f"/services/data/{version}/sobjects/{obj.name}"
    return {
        "name": obj.name,
        "label": obj.label,
        "labelPlural": obj.plural,
        "keyPrefix": obj.prefix,
        "custom": False,
        "createable": obj.updateable,
        "updateable": obj.updateable,
        "deletable": obj.updateable,
        "queryable": True,
        "retrieveable": True,
        "searchable": obj.updateable,
        "replicateable": True,
        "urls": {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"},
    }
