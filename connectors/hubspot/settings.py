"""Everything leadstage knows about HubSpot's limits and names, in one place.

Limits are HubSpot's documented ones (docs/crm-notes.md says where each comes from); the field maps say which
HubSpot property feeds which canonical field. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from leadstage.mapping.model import Stage

DEFAULT_BASE_URL = "https://api.hubapi.com"

LIST_PAGE_LIMIT = 100
SEARCH_PAGE_LIMIT = 200
SEARCH_RESULT_CAP = 10_000
SEARCH_BODY_MAX_CHARS = 3_000
BATCH_READ_LIMIT = 100
BATCH_UPDATE_LIMIT = 100
ASSOCIATION_BATCH_LIMIT = 1_000
EVENTS_PAGE_LIMIT = 100
DEFAULT_PAGE_SIZE = ASSOCIATION_BATCH_LIMIT

# Private apps: 100 requests per 10 s (Free/Starter), 190 (Professional/Enterprise); search: 5 per second.
DEFAULT_RATE_LIMIT = 100
DEFAULT_RATE_INTERVAL_S = 10.0
SEARCH_RATE_PER_SECOND = 5

CONTACT_OBJECT = "contacts"
COMPANY_OBJECT = "companies"
COMPANY_MODIFIED_PROPERTY = "hs_lastmodifieddate"
CREATED_PROPERTY = "createdate"
MODIFIED_PROPERTY = "lastmodifieddate"
ID_PROPERTY = "hs_object_id"
LIFECYCLE_PROPERTY = "lifecyclestage"
MERGED_PROPERTY = "hs_merged_object_ids"

# HubSpot's lifecycle stages in the only direction the API moves them.
LIFECYCLE_ORDER = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)


def lifecycle_date_properties(value: str) -> tuple[str, str]:
    """Where HubSpot keeps when a contact entered a lifecycle stage: newer portals' "date entered" property (the
    latest entry), then the older "became a ... date" (the first); ``value`` is the stage's internal value."""
    return (f"hs_v2_date_entered_{value}", f"hs_lifecyclestage_{value}_date")


def is_standard(name: str) -> bool:
    """A property every portal has, or one of HubSpot's own stage dates (read only where the portal has it)."""
    return name == CREATED_PROPERTY or name.startswith(("hs_v2_date_entered_", "hs_lifecyclestage_"))


# HubSpot contact property -> canonical field name.
DEFAULT_FIELD_MAP: Mapping[str, str] = MappingProxyType(
    {
        "email": "email",
        "firstname": "first_name",
        "lastname": "last_name",
        "phone": "phone",
        "company": "company",
        "jobtitle": "job_title",
        "industry": "industry",
        "numemployees": "employees",
        "annualrevenue": "annual_revenue",
        "country": "country",
        "city": "city",
        "hs_analytics_source": "lead_source",
        "hubspot_owner_id": "owner_id",
        "hs_email_optout": "unsubscribed",
        "lifecyclestage": "lifecycle_stage",
        "hs_lead_status": "lead_status",
        "num_associated_deals": "deals",
        # The primary associated company (read-only, kept by HubSpot from the primary association): no extra call.
        "associatedcompanyid": "company_id",
    }
)

# HubSpot company property -> canonical company field (``company.`` + the name).
DEFAULT_COMPANY_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "name": "name",
        "domain": "domain",
        "industry": "industry",
        "numberofemployees": "employees",
        "annualrevenue": "annual_revenue",
        "country": "country",
        "city": "city",
    }
)

# Rollups HubSpot keeps on the contact that move when an engagement (email, call, meeting, note, task) is logged.
# They tell us, without any extra call, whether a contact's engagements need fetching again. The web analytics
# rollups (page views, visits, e-mail opens and clicks, form conversions) are left out on purpose: web events
# arrive through the event stream, and a page view must not cost an engagement fetch.
ACTIVITY_ROLLUPS = (
    "notes_last_contacted",
    "num_contacted_notes",
    "hs_last_sales_activity_timestamp",
    "notes_last_updated",
)

# Engagement objects and the properties we read from each.
ENGAGEMENT_PROPERTIES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "emails": ("hs_timestamp", "hs_email_direction", "hs_email_subject", "hs_email_status"),
        "calls": ("hs_timestamp", "hs_call_direction", "hs_call_status", "hs_call_duration", "hs_call_title"),
        "meetings": ("hs_timestamp", "hs_meeting_title", "hs_meeting_start_time", "hs_meeting_outcome"),
        "notes": ("hs_timestamp", "hs_note_body"),
        "tasks": ("hs_timestamp", "hs_task_subject", "hs_task_status", "hs_task_type"),
    }
)

# Web event type -> activity kind. Portals differ: `GET /events/v3/events/event-types` lists yours.
DEFAULT_WEB_EVENTS: Mapping[str, str] = MappingProxyType(
    {
        "e_visited_page": "page_view",
        "e_submitted_form": "form_submission",
        "e_opened_email": "email_open",
        "e_clicked_email": "email_click",
        "e_attended_webinar": "webinar",
        "e_downloaded_content": "content_download",
    }
)

# Event property -> activity attribute, for every event type.
EVENT_ATTRIBUTES: Mapping[str, str] = MappingProxyType(
    {
        "hs_url": "url",
        "hs_title": "title",
        "hs_form_title": "form",
        "hs_form_id": "form_id",
        "hs_email_campaign_name": "campaign",
        "hs_webinar_title": "title",
        "hs_content_title": "title",
    }
)

# HubSpot property types for our canonical output kinds.
PROPERTY_TYPES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "number": ("number", "number"),
        "enumeration": ("enumeration", "select"),
        "datetime": ("datetime", "date"),
        "bool": ("bool", "booleancheckbox"),
        "string": ("string", "textarea"),
    }
)


@dataclass(frozen=True, slots=True)
class HubSpotSettings:
    """The per-portal HubSpot settings, built from the config file."""

    base_url: str = DEFAULT_BASE_URL
    rate_limit: int = DEFAULT_RATE_LIMIT
    rate_interval_s: float = DEFAULT_RATE_INTERVAL_S
    rate_share: float = 0.9
    search_rate_per_second: float = SEARCH_RATE_PER_SECOND
    property_group: str = "leadstage"
    property_prefix: str = "leadstage_"
    field_map: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_FIELD_MAP))
    engagement_types: tuple[str, ...] = tuple(ENGAGEMENT_PROPERTIES)
    web_events: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_WEB_EVENTS))
    search_page_limit: int = SEARCH_PAGE_LIMIT
    list_page_limit: int = LIST_PAGE_LIMIT
    # Contacts per engine page: API pages are gathered up to this many, so associations (1,000 ids a call) and
    # activity reads (100 a call) are fetched for many contacts at once. Each page commits as one.
    page_size: int = DEFAULT_PAGE_SIZE
    # Per stage, the date properties that say when a contact entered it (the first holding a date wins).
    stage_dates: Mapping[Stage, tuple[str, ...]] = field(default_factory=dict)
    # HubSpot company property -> canonical company field name (without the ``company.`` prefix).
    company_fields: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_COMPANY_FIELDS))
