"""The org's object and field definitions: the standard objects the sandbox serves, plus custom fields.

Field names are matched case-insensitively (as SOQL and the REST API do) and always answered in their
canonical spelling. Lead `Status` draws its values from the org's LeadStatus rows (see org.py).
Relationship names make parent fields readable in SOQL: Contact.AccountId is `Account` (Account.Industry),
Lead.ConvertedAccountId `ConvertedAccount`, Lead.ConvertedContactId `ConvertedContact`, CampaignMember's `Campaign`,
`Lead`, `Contact`.
"""

from __future__ import annotations

from dataclasses import dataclass

from leadstage.sandbox.salesforce.ids import KEY_PREFIXES

# field types (the describe `type` values)
ID, REFERENCE, STRING, EMAIL, PHONE, PICKLIST, TEXTAREA, COMBOBOX, URL = (
    "id",
    "reference",
    "string",
    "email",
    "phone",
    "picklist",
    "textarea",
    "combobox",
    "url",
)
BOOLEAN, INT, DOUBLE, CURRENCY, DATE, DATETIME = "boolean", "int", "double", "currency", "date", "datetime"
TEXT_TYPES = frozenset({STRING, EMAIL, PHONE, PICKLIST, TEXTAREA, COMBOBOX, URL})
ID_TYPES = frozenset({ID, REFERENCE})
NUMBER_TYPES = frozenset({INT, DOUBLE, CURRENCY})
SOAP_TYPES = {
    ID: "tns:ID",
    REFERENCE: "tns:ID",
    BOOLEAN: "xsd:boolean",
    INT: "xsd:int",
    DOUBLE: "xsd:double",
    CURRENCY: "xsd:double",
    DATE: "xsd:date",
    DATETIME: "xsd:dateTime",
}
CUSTOM_DOUBLE_PRECISION, CUSTOM_DOUBLE_SCALE = 18, 2
LEAD_STATUS_VALUES = "LeadStatus"  # marker: the picklist values come from the LeadStatus rows
READ_ONLY_SYSTEM_FIELDS = ("Id", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate", "SystemModstamp")
NAME_PARTS = ("FirstName", "LastName")


@dataclass(frozen=True)
class FieldDef:
    """One field as describe() reports it, plus what the sandbox needs to validate writes."""

    name: str
    type: str
    label: str
    custom: bool = False
    updateable: bool = True
    nillable: bool = True
    length: int = 0
    picklist: tuple[str, ...] = ()
    restricted: bool = False
    reference_to: tuple[str, ...] = ()
    relationship: str | None = None
    computed: bool = False  # derived from other fields (Name)
    values_from: str | None = None  # LEAD_STATUS_VALUES for Lead.Status

    @property
    def is_text(self) -> bool:
        """Compared case-insensitively in SOQL."""
        return self.type in TEXT_TYPES

    @property
    def is_polymorphic(self) -> bool:
        """A reference that can point to several objects (Task.WhoId)."""
        return len(self.reference_to) > 1


class ObjectDef:
    """One sObject's definition (mutable only through `add_field`)."""

    def __init__(self, name: str, label: str, plural: str, fields: list[FieldDef], updateable: bool = True) -> None:
        self.name = name
        self.label = label
        self.plural = plural
        self.prefix = KEY_PREFIXES[name]
        self.updateable = updateable
        self.fields: dict[str, FieldDef] = {}
        self._by_lower: dict[str, str] = {}
        self._relationships: dict[str, FieldDef] = {}
        for definition in fields:
            self.add_field(definition)

    def add_field(self, definition: FieldDef) -> None:
        """Add (or replace) a field."""
        self.fields[definition.name] = definition
        self._by_lower[definition.name.lower()] = definition.name
        if definition.relationship:
            self._relationships[definition.relationship.lower()] = definition

    def field(self, name: str) -> FieldDef | None:
        """A field by case-insensitive name."""
        canonical = self._by_lower.get(name.lower())
        return self.fields[canonical] if canonical else None

    def relationship(self, name: str) -> FieldDef | None:
        """The reference field behind a relationship name ("Campaign" -> CampaignId)."""
        return self._relationships.get(name.lower())


def _f(name: str, type_: str, label: str | None = None, **kwargs: object) -> FieldDef:
    return FieldDef(name, type_, label or name, **kwargs)  # type: ignore[arg-type]


def _ro(name: str, type_: str, label: str | None = None, **kwargs: object) -> FieldDef:
    return _f(name, type_, label, updateable=False, **kwargs)


def _system_fields() -> list[FieldDef]:
    return [
        _ro("Id", ID, "Record ID", nillable=False, length=18),
        _ro("IsDeleted", BOOLEAN, "Deleted", nillable=False),
        _ro("CreatedDate", DATETIME, "Created Date", nillable=False),
        _ro("CreatedById", REFERENCE, "Created By ID", nillable=False, length=18, reference_to=("User",)),
        _ro("LastModifiedDate", DATETIME, "Last Modified Date", nillable=False),
        _ro("SystemModstamp", DATETIME, "System Modstamp", nillable=False),
    ]


def _owner() -> FieldDef:
    return _f("OwnerId", REFERENCE, "Owner ID", nillable=False, length=18, reference_to=("User",))


def _name_fields() -> list[FieldDef]:
    return [
        _f("FirstName", STRING, "First Name", length=40),
        _f("LastName", STRING, "Last Name", length=80, nillable=False),
        _ro("Name", STRING, "Full Name", length=121, computed=True),
    ]


LEAD_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
RATINGS = ("Hot", "Warm", "Cold")
INDUSTRY_VALUES = (
    "Agriculture",
    "Apparel",
    "Banking",
    "Biotechnology",
    "Chemicals",
    "Communications",
    "Construction",
    "Consulting",
    "Education",
    "Electronics",
    "Energy",
    "Engineering",
    "Entertainment",
    "Environmental",
    "Finance",
    "Food",
    "Government",
    "Healthcare",
    "Hospitality",
    "Insurance",
    "Machinery",
    "Manufacturing",
    "Media",
    "Not-For-Profit",
    "Recreation",
    "Retail",
    "Shipping",
    "Technology",
    "Telecommunications",
    "Transportation",
    "Utilities",
    "Other",
)
TASK_TYPES = ("Call", "Email", "Meeting", "Other")
TASK_SUBTYPES = ("Task", "Email", "Call", "ListEmail", "Cadence")
TASK_STATUSES = ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred")
CAMPAIGN_TYPES = ("Webinar", "Email", "Content", "Web Form", "Event", "Advertisement", "Partners", "Other")
CAMPAIGN_STATUSES = ("Planned", "In Progress", "Completed", "Aborted")
MEMBER_STATUSES = ("Sent", "Responded", "Attended", "Registered", "Downloaded", "Submitted")
RESPONDED_STATUSES = frozenset({"Responded", "Attended", "Downloaded", "Submitted"})


def _lead() -> ObjectDef:
    return ObjectDef(
        "Lead",
        "Lead",
        "Leads",
        [
            *_system_fields(),
            *_name_fields(),
            _f("Title", STRING, length=128),
            _f("Company", STRING, nillable=False, length=255),
            _f("Email", EMAIL, length=80),
            _f("Phone", PHONE, length=40),
            _f("Industry", PICKLIST, picklist=INDUSTRY_VALUES, length=255),
            _f("NumberOfEmployees", INT, "Employees"),
            _f("AnnualRevenue", CURRENCY, "Annual Revenue"),
            _f("Street", TEXTAREA, length=255),
            _f("City", STRING, length=40),
            _f("State", STRING, "State/Province", length=80),
            _f("PostalCode", STRING, "Zip/Postal Code", length=20),
            _f("Country", STRING, length=80),
            _f("LeadSource", PICKLIST, "Lead Source", picklist=LEAD_SOURCES, length=255),
            _f("Status", PICKLIST, nillable=False, restricted=True, length=255, values_from=LEAD_STATUS_VALUES),
            _f("Rating", PICKLIST, picklist=RATINGS, length=255),
            _owner(),
            _f("HasOptedOutOfEmail", BOOLEAN, "Email Opt Out", nillable=False),
            _ro("IsConverted", BOOLEAN, "Converted", nillable=False),
            _ro("ConvertedDate", DATE, "Converted Date"),
            _ro(
                "ConvertedContactId",
                REFERENCE,
                "Converted Contact ID",
                length=18,
                reference_to=("Contact",),
                relationship="ConvertedContact",
            ),
            _ro(
                "ConvertedAccountId",
                REFERENCE,
                "Converted Account ID",
                length=18,
                reference_to=("Account",),
                relationship="ConvertedAccount",
            ),
        ],
    )


def _contact() -> ObjectDef:
    return ObjectDef(
        "Contact",
        "Contact",
        "Contacts",
        [
            *_system_fields(),
            _f("AccountId", REFERENCE, "Account ID", length=18, reference_to=("Account",), relationship="Account"),
            *_name_fields(),
            _f("Title", STRING, length=128),
            _f("Department", STRING, length=80),
            _f("Email", EMAIL, length=80),
            _f("Phone", PHONE, "Business Phone", length=40),
            _f("LeadSource", PICKLIST, "Lead Source", picklist=LEAD_SOURCES, length=255),
            _f("HasOptedOutOfEmail", BOOLEAN, "Email Opt Out", nillable=False),
            _f("MailingStreet", TEXTAREA, "Mailing Street", length=255),
            _f("MailingCity", STRING, "Mailing City", length=40),
            _f("MailingState", STRING, "Mailing State/Province", length=80),
            _f("MailingPostalCode", STRING, "Mailing Zip/Postal Code", length=20),
            _f("MailingCountry", STRING, "Mailing Country", length=80),
            _owner(),
        ],
    )


def _account() -> ObjectDef:
    return ObjectDef(
        "Account",
        "Account",
        "Accounts",
        [
            *_system_fields(),
            _f("Name", STRING, "Account Name", nillable=False, length=255),
            _f("Industry", PICKLIST, picklist=INDUSTRY_VALUES, length=255),
            _f("NumberOfEmployees", INT, "Employees"),
            _f("AnnualRevenue", CURRENCY, "Annual Revenue"),
            _f("Phone", PHONE, "Account Phone", length=40),
            _f("Website", URL, length=255),
            _f("BillingStreet", TEXTAREA, "Billing Street", length=255),
            _f("BillingCity", STRING, "Billing City", length=40),
            _f("BillingState", STRING, "Billing State/Province", length=80),
            _f("BillingPostalCode", STRING, "Billing Zip/Postal Code", length=20),
            _f("BillingCountry", STRING, "Billing Country", length=80),
            _owner(),
        ],
    )


def _who() -> FieldDef:
    return _f("WhoId", REFERENCE, "Name ID", length=18, reference_to=("Contact", "Lead"), relationship="Who")


def _task() -> ObjectDef:
    return ObjectDef(
        "Task",
        "Task",
        "Tasks",
        [
            *_system_fields(),
            _who(),
            _f("Subject", COMBOBOX, length=255),
            _f("Type", PICKLIST, picklist=TASK_TYPES, length=255),
            _ro("TaskSubtype", PICKLIST, "Task Subtype", picklist=TASK_SUBTYPES, length=255),
            _f("Status", PICKLIST, nillable=False, picklist=TASK_STATUSES, length=255),
            _f("Priority", PICKLIST, nillable=False, picklist=("High", "Normal", "Low"), length=255),
            _f("ActivityDate", DATE, "Due Date Only"),
            _ro("IsClosed", BOOLEAN, "Closed", nillable=False),
            _f("CallDurationInSeconds", INT, "Call Duration"),
            _f("CallType", PICKLIST, "Call Type", picklist=("Internal", "Inbound", "Outbound"), length=255),
            _owner(),
        ],
    )


def _event() -> ObjectDef:
    return ObjectDef(
        "Event",
        "Event",
        "Events",
        [
            *_system_fields(),
            _who(),
            _f("Subject", COMBOBOX, length=255),
            _f("Type", PICKLIST, picklist=TASK_TYPES, length=255),
            _f("StartDateTime", DATETIME, "Start Date Time"),
            _f("EndDateTime", DATETIME, "End Date Time"),
            _f("ActivityDateTime", DATETIME, "Due Date Time"),
            _f("ActivityDate", DATE, "Due Date Only"),
            _f("DurationInMinutes", INT, "Duration"),
            _owner(),
        ],
    )


def _campaign() -> ObjectDef:
    return ObjectDef(
        "Campaign",
        "Campaign",
        "Campaigns",
        [
            *_system_fields(),
            _f("Name", STRING, "Name", nillable=False, length=80),
            _f("Type", PICKLIST, picklist=CAMPAIGN_TYPES, length=255),
            _f("Status", PICKLIST, picklist=CAMPAIGN_STATUSES, length=255),
            _f("StartDate", DATE, "Start Date"),
            _f("EndDate", DATE, "End Date"),
            _f("IsActive", BOOLEAN, "Active", nillable=False),
        ],
    )


def _campaign_member() -> ObjectDef:
    def ref(name: str, target: str, label: str, **kwargs: object) -> FieldDef:
        return _f(name, REFERENCE, label, length=18, reference_to=(target,), relationship=target, **kwargs)

    return ObjectDef(
        "CampaignMember",
        "Campaign Member",
        "Campaign Members",
        [
            *_system_fields(),
            ref("CampaignId", "Campaign", "Campaign ID", updateable=False, nillable=False),
            ref("LeadId", "Lead", "Lead ID", updateable=False),
            ref("ContactId", "Contact", "Contact ID", updateable=False),
            _f("Status", PICKLIST, picklist=MEMBER_STATUSES, length=40),
            _ro("HasResponded", BOOLEAN, "Responded", nillable=False),
            _ro("FirstRespondedDate", DATE, "First Responded Date"),
        ],
    )


def _lead_status() -> ObjectDef:
    return ObjectDef(
        "LeadStatus",
        "Lead Status Value",
        "Lead Status Values",
        [
            *_system_fields(),
            _ro("MasterLabel", STRING, "Master Label", nillable=False, length=255),
            _ro("ApiName", STRING, "Api Name", nillable=False, length=255),
            _ro("SortOrder", INT, "Sort Order"),
            _ro("IsDefault", BOOLEAN, "Is Default", nillable=False),
            _ro("IsConverted", BOOLEAN, "Is Converted", nillable=False),
        ],
        updateable=False,
    )


def standard_objects() -> dict[str, ObjectDef]:
    """Fresh definitions of every object the sandbox serves, by canonical name."""
    objects = [_lead(), _contact(), _account(), _task(), _event(), _campaign(), _campaign_member(), _lead_status()]
    return {obj.name: obj for obj in objects}
