"""Contact property definitions (the standard ones a portal starts with) and value validation (of company
properties too: their definitions are in company_properties.py).

Values are validated and normalised the way HubSpot stores them: every value is a string; numbers as
written, booleans "true"/"false", datetimes "YYYY-MM-DDTHH:MM:SS.mmmZ", dates "YYYY-MM-DD".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from leadstage.sandbox.timeutil import iso_ms, parse_date, parse_instant

TYPE_STRING = "string"
TYPE_NUMBER = "number"
TYPE_ENUMERATION = "enumeration"
TYPE_DATETIME = "datetime"
TYPE_DATE = "date"
TYPE_BOOL = "bool"
PROPERTY_TYPES = (TYPE_STRING, TYPE_NUMBER, TYPE_ENUMERATION, TYPE_DATETIME, TYPE_DATE, TYPE_BOOL)
FIELD_TYPES = (
    "textarea",
    "text",
    "date",
    "file",
    "number",
    "select",
    "radio",
    "checkbox",
    "booleancheckbox",
    "calculation_equation",
    "phonenumber",
)
PROPERTY_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")

CODE_INVALID_OPTION = "INVALID_OPTION"
CODE_INVALID_INTEGER = "INVALID_INTEGER"
CODE_INVALID_DATE = "INVALID_DATE"
CODE_INVALID_BOOLEAN = "INVALID_BOOLEAN"
CODE_DOESNT_EXIST = "PROPERTY_DOESNT_EXIST"
CODE_READ_ONLY = "READ_ONLY_VALUE"

LIFECYCLE_STAGES = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)
LIFECYCLE_LABELS = (
    "Subscriber",
    "Lead",
    "Marketing Qualified Lead",
    "Sales Qualified Lead",
    "Opportunity",
    "Customer",
    "Evangelist",
    "Other",
)
LEAD_STATUSES = (
    "NEW",
    "OPEN",
    "IN_PROGRESS",
    "OPEN_DEAL",
    "UNQUALIFIED",
    "ATTEMPTED_TO_CONTACT",
    "CONNECTED",
    "BAD_TIMING",
)
ANALYTICS_SOURCES = (
    "ORGANIC_SEARCH",
    "PAID_SEARCH",
    "EMAIL_MARKETING",
    "SOCIAL_MEDIA",
    "REFERRALS",
    "OTHER_CAMPAIGNS",
    "DIRECT_TRAFFIC",
    "OFFLINE",
    "PAID_SOCIAL",
)
EMPLOYEE_BANDS = ("1-5", "5-25", "25-50", "50-100", "100-500", "500-1000", "1000+")
OWNERS = (
    ("41230001", "Alex Morgan"),
    ("41230002", "Priya Shah"),
    ("41230003", "Jonas Weber"),
    ("41230004", "Camille Laurent"),
    ("41230005", "Diego Alvarez"),
    ("41230006", "Hannah Kim"),
)

GROUP_CONTACT = "contactinformation"
GROUP_ANALYTICS = "analyticsinformation"
GROUP_SALES = "sales_properties"
STANDARD_GROUPS = (
    (GROUP_CONTACT, "Contact information"),
    (GROUP_ANALYTICS, "Web analytics history"),
    (GROUP_SALES, "Sales properties"),
)
READ_ONLY_CORE = ("hs_object_id", "createdate", "lastmodifieddate")


def lifecycle_date_property(stage: str) -> str:
    """The property that records when a contact entered `stage`."""
    return f"hs_lifecyclestage_{stage}_date"


def make_options(
    values: list[str] | tuple[str, ...], labels: list[str] | tuple[str, ...] | None = None
) -> list[dict[str, Any]]:
    """API option dicts for enumeration values (label defaults to the value made readable)."""
    out = []
    for index, value in enumerate(values):
        label = labels[index] if labels else value.replace("_", " ").capitalize()
        out.append({"label": label, "value": value, "displayOrder": index, "hidden": False, "description": ""})
    return out


@dataclass
class PropertyDefinition:
    """One property definition, kept in the API's own shape for options."""

    name: str
    label: str
    type: str
    field_type: str
    group_name: str
    created_at: str
    description: str = ""
    options: list[dict[str, Any]] = field(default_factory=list)
    read_only: bool = False
    calculated: bool = False
    hubspot_defined: bool = True
    updated_at: str = ""
    display_order: int = -1

    def option_values(self) -> list[str]:
        """The allowed enumeration values, in display order."""
        return [str(option["value"]) for option in self.options]

    def to_api(self) -> dict[str, Any]:
        """The definition as GET /crm/v3/properties/contacts/{name} answers it."""
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "groupName": self.group_name,
            "description": self.description,
            "options": [dict(option) for option in self.options],
            "displayOrder": self.display_order,
            "calculated": self.calculated,
            "externalOptions": False,
            "hasUniqueValue": False,
            "hidden": False,
            "hubspotDefined": self.hubspot_defined,
            "formField": not self.read_only,
            "archived": False,
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.read_only,
                "readOnlyOptions": self.read_only,
            },
            "createdAt": self.created_at,
            "updatedAt": self.updated_at or self.created_at,
        }


@dataclass(frozen=True)
class ValueError_:
    """Why one property value was refused (HubSpot's per-property error)."""

    name: str
    code: str
    message: str


def _p(name: str, label: str, ptype: str, ftype: str, group: str, **kw: Any) -> dict[str, Any]:
    return {"name": name, "label": label, "type": ptype, "field_type": ftype, "group_name": group, **kw}


def _standard_specs() -> list[dict[str, Any]]:
    c, a, s = GROUP_CONTACT, GROUP_ANALYTICS, GROUP_SALES
    text, num, dt = TYPE_STRING, TYPE_NUMBER, TYPE_DATETIME
    enum = TYPE_ENUMERATION
    specs = [
        _p("firstname", "First Name", text, "text", c),
        _p("lastname", "Last Name", text, "text", c),
        _p("email", "Email", text, "text", c),
        _p("phone", "Phone Number", text, "phonenumber", c),
        _p("company", "Company Name", text, "text", c),
        _p("jobtitle", "Job Title", text, "text", c),
        _p("industry", "Industry", text, "text", c),
        _p("numemployees", "Number of Employees", enum, "select", c, options=make_options(EMPLOYEE_BANDS)),
        _p("annualrevenue", "Annual Revenue", num, "number", c),
        _p("country", "Country/Region", text, "text", c),
        _p("city", "City", text, "text", c),
        _p(
            "lifecyclestage",
            "Lifecycle Stage",
            enum,
            "radio",
            c,
            options=make_options(LIFECYCLE_STAGES, LIFECYCLE_LABELS),
        ),
        _p("hs_lead_status", "Lead Status", enum, "radio", s, options=make_options(LEAD_STATUSES)),
        _p(
            "hs_analytics_source",
            "Original Source",
            enum,
            "select",
            a,
            options=make_options(ANALYTICS_SOURCES),
            read_only=True,
        ),
        _p(
            "hubspot_owner_id",
            "Contact owner",
            enum,
            "select",
            s,
            options=make_options([o[0] for o in OWNERS], [o[1] for o in OWNERS]),
        ),
        _p(
            "hs_email_optout",
            "Unsubscribed from all email",
            TYPE_BOOL,
            "booleancheckbox",
            c,
            options=make_options(["true", "false"], ["Yes", "No"]),
        ),
        _p("createdate", "Create Date", dt, "date", c, read_only=True),
        _p("lastmodifieddate", "Last Modified Date", dt, "date", c, read_only=True),
        _p("hs_object_id", "Record ID", num, "number", c, read_only=True),
        _p("hs_merged_object_ids", "Merged Contact IDs", enum, "checkbox", c, read_only=True),
        _p("hs_analytics_num_page_views", "Number of Pageviews", num, "number", a, read_only=True),
        _p("hs_analytics_num_visits", "Number of Sessions", num, "number", a, read_only=True),
        _p("hs_analytics_last_visit_timestamp", "Time of Last Session", dt, "date", a, read_only=True),
        _p("num_conversion_events", "Number of Form Submissions", num, "number", c, read_only=True),
        _p("recent_conversion_event_name", "Recent Conversion", text, "text", c, read_only=True),
        _p("recent_conversion_date", "Recent Conversion Date", dt, "date", c, read_only=True),
        _p("hs_email_open", "Marketing emails opened", num, "number", c, read_only=True),
        _p("hs_email_click", "Marketing emails clicked", num, "number", c, read_only=True),
        _p("hs_email_last_open_date", "Last marketing email open date", dt, "date", c, read_only=True),
        _p("notes_last_contacted", "Last Contacted", dt, "date", s, read_only=True),
        _p("notes_last_updated", "Last Activity Date", dt, "date", s, read_only=True),
        _p("num_contacted_notes", "Number of times contacted", num, "number", s, read_only=True),
        _p("hs_last_sales_activity_timestamp", "Last Engagement Date", dt, "date", s, read_only=True),
        _p("num_associated_deals", "Number of Associated Deals", num, "number", s, read_only=True),
        _p("associatedcompanyid", "Primary Associated Company ID", num, "number", c, read_only=True),
    ]
    for stage, label in zip(LIFECYCLE_STAGES, LIFECYCLE_LABELS, strict=True):
        specs.append(_p(lifecycle_date_property(stage), f"Became a {label} Date", dt, "date", c, read_only=True))
    return specs


def standard_definitions(created_at: str) -> dict[str, PropertyDefinition]:
    """A fresh set of the standard contact property definitions."""
    out: dict[str, PropertyDefinition] = {}
    for order, spec in enumerate(_standard_specs()):
        spec.setdefault("calculated", spec.get("read_only", False) and spec["name"] not in READ_ONLY_CORE)
        out[spec["name"]] = PropertyDefinition(created_at=created_at, display_order=order, **spec)
    return out


def stringify(raw: Any) -> str:
    """A JSON value written by a client as HubSpot's string form (null clears: "")."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def normalise_value(definition: PropertyDefinition | None, name: str, raw: Any) -> tuple[str, ValueError_ | None]:
    """Validate one written value: (normalised string, None) or ("", the error). "" always clears."""
    if definition is None:
        return "", ValueError_(name, CODE_DOESNT_EXIST, f'Property "{name}" does not exist')
    if definition.read_only:
        return "", ValueError_(name, CODE_READ_ONLY, f'"{name}" is a read only property; its value cannot be set.')
    text = stringify(raw)
    if text == "":
        return "", None
    kind = definition.type
    if kind == TYPE_NUMBER:
        try:
            float(text)
        except ValueError:
            return "", ValueError_(name, CODE_INVALID_INTEGER, f"{text} is not a valid number for {name}")
        return text.strip(), None
    if kind == TYPE_ENUMERATION:
        allowed = definition.option_values()
        if text not in allowed:
            return "", ValueError_(
                name,
                CODE_INVALID_OPTION,
                f"{text} was not one of the allowed options: [{', '.join(allowed)}]",
            )
        return text, None
    if kind == TYPE_BOOL:
        if text.lower() not in ("true", "false"):
            return "", ValueError_(name, CODE_INVALID_BOOLEAN, f"{text} is not a valid boolean for {name}")
        return text.lower(), None
    if kind == TYPE_DATETIME:
        ms = parse_instant(text)
        if ms is None:
            return "", ValueError_(name, CODE_INVALID_DATE, f"{text} is not a valid datetime for {name}")
        return iso_ms(ms), None
    if kind == TYPE_DATE:
        day = parse_date(text)
        if day is None:
            return "", ValueError_(name, CODE_INVALID_DATE, f"{text} is not a valid date for {name}")
        return day, None
    return text, None
