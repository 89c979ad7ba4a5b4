"""Everything leadstage knows about Salesforce's limits and names, in one place (sources: docs/crm-notes.md)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from leadstage.mapping.model import Stage

DEFAULT_LOGIN_URL = "https://login.salesforce.com"
DEFAULT_API_VERSION = "59.0"

COLLECTION_LIMIT = 200  # records per sObject Collections request
QUERY_PAGE_LIMIT = 2_000  # records per keyset-paged SOQL page
IN_LIST_CHUNK = 200  # ids per IN (...) list: 200 x ~21 characters stays far below the ~16 KB URI limit
LOCK_RETRIES = 3  # UNABLE_TO_LOCK_ROW: another transaction holds the record; try again a few times
DEFAULT_BULK_THRESHOLD = 10_000

CREATED_FIELD = "CreatedDate"
CONVERTED_DATE_FIELD = "ConvertedDate"  # Lead only: the day it was converted
CONVERTED_FIELD = "IsConverted"

ID_PATTERN = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")

# Lead field -> canonical field.
LEAD_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "Email": "email",
        "FirstName": "first_name",
        "LastName": "last_name",
        "Phone": "phone",
        "Company": "company",
        "Title": "job_title",
        "Industry": "industry",
        "NumberOfEmployees": "employees",
        "AnnualRevenue": "annual_revenue",
        "Country": "country",
        "City": "city",
        "LeadSource": "lead_source",
        "OwnerId": "owner_id",
        "HasOptedOutOfEmail": "unsubscribed",
        "Status": "lead_status",
        "IsConverted": "converted",
        "Rating": "rating",
    }
)

# Contact field -> canonical field.
CONTACT_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "Email": "email",
        "FirstName": "first_name",
        "LastName": "last_name",
        "Phone": "phone",
        "Title": "job_title",
        "Department": "department",
        "MailingCountry": "country",
        "MailingCity": "city",
        "LeadSource": "lead_source",
        "OwnerId": "owner_id",
        "HasOptedOutOfEmail": "unsubscribed",
        "AccountId": "company_id",
    }
)

# Where a record's company fields come from (canonical ``company.`` + the name): a Lead carries its company's on
# itself; a Contact's are its Account's, read through the ``Account`` relationship in the same query.
ACCOUNT_OBJECT = "Account"
ACCOUNT_RELATIONSHIP = "Account"
LEAD_COMPANY_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "Company": "name",
        "Industry": "industry",
        "NumberOfEmployees": "employees",
        "AnnualRevenue": "annual_revenue",
        "Country": "country",
        "City": "city",
    }
)
ACCOUNT_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "Name": "name",
        "Website": "domain",
        "Industry": "industry",
        "NumberOfEmployees": "employees",
        "AnnualRevenue": "annual_revenue",
        "BillingCountry": "country",
        "BillingCity": "city",
    }
)
DEFAULT_COMPANY_FIELDS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {"Lead": LEAD_COMPANY_FIELDS, "Contact": ACCOUNT_FIELDS}
)

DEFAULT_FIELDS: Mapping[str, Mapping[str, str]] = MappingProxyType({"Lead": LEAD_FIELDS, "Contact": CONTACT_FIELDS})

# Campaign type -> activity kind, for campaign members who responded.
DEFAULT_CAMPAIGN_KINDS: Mapping[str, str] = MappingProxyType(
    {
        "Webinar": "webinar",
        "Content": "content_download",
        "Web Form": "form_submission",
        "Email": "email_click",
        "Event": "webinar",
    }
)

# Our outputs' Salesforce kinds: how a canonical string value is sent (JSON number, boolean, string).
ACRONYMS = frozenset({"mql", "sal", "sql", "sla"})


def custom_field_name(prefix: str, output: str) -> str:
    """Canonical output name -> the custom field's API name: ``mql_date`` -> ``LeadStage_MQL_Date__c``."""
    parts = [part.upper() if part in ACRONYMS else part.capitalize() for part in output.split("_")]
    return f"{prefix}{'_'.join(parts)}__c"


@dataclass(frozen=True, slots=True)
class SalesforceSettings:
    """The per-portal Salesforce settings, built from the config file."""

    object_name: str = "Lead"
    api_version: str = DEFAULT_API_VERSION
    field_prefix: str = "LeadStage_"
    field_map: Mapping[str, str] = field(default_factory=lambda: dict(LEAD_FIELDS))
    campaign_kinds: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_CAMPAIGN_KINDS))
    quota_share: float = 0.8
    bulk_threshold: int = DEFAULT_BULK_THRESHOLD
    page_limit: int = QUERY_PAGE_LIMIT
    # Per stage, the date fields that say when a record entered it (the first holding a date wins).
    stage_dates: Mapping[Stage, tuple[str, ...]] = field(default_factory=dict)
    # Company field -> canonical company field name (without ``company.``): the Lead's own fields, or the Account's.
    company_fields: Mapping[str, str] = field(default_factory=lambda: dict(LEAD_COMPANY_FIELDS))
