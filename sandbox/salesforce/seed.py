"""Deterministic, realistic Salesforce data: Leads (about 15% converted, with their Contacts), the Accounts of
the converted Leads' companies, Campaigns, and six months of activities (generated on first access, see
seed_activity.py).

Every Lead is a pure function of (seed, its number, now) plus the shared company pool, which reuses the
HubSpot seed's word lists (names, titles, industries, countries, companies). Leads keep their own Company,
Industry, NumberOfEmployees (drawn within the company's band) and AnnualRevenue, as people type them into forms.
An Account is the company as a record (sandbox/seed.py `firms`: the same head count, city and revenue the HubSpot
seed gives it): created by the first conversion of one of its Leads, numbered in the order of the Leads; every
converted Lead's Contact belongs to it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from leadstage.sandbox import seed_data as data
from leadstage.sandbox.salesforce.ids import KEY_PREFIXES, make_id
from leadstage.sandbox.salesforce.seed_activity import ActivityPlan, LeadProfile, campaigns
from leadstage.sandbox.salesforce.values import sf_date, sf_datetime
from leadstage.sandbox.seed import Firm, Weighted, companies, firms, job_title
from leadstage.sandbox.timeutil import MS_PER_DAY

Table = dict[str, dict[str, Any]]
CREATED_WINDOW_DAYS = 548  # CreatedDate spreads over the 18 months before now
ORG_SETUP_LEAD_DAYS = 30  # the org (and its LeadStatus rows) existed a month before the first Lead
MIN_COMPANIES = 40
LEADS_PER_COMPANY = 3
BIG_ACCOUNT_SHARE = 0.3
COMPETITOR_SHARE, STUDENT_SHARE, FREE_MAIL_SHARE = 0.02, 0.03, 0.12
PHONE_SHARE, OPT_OUT_SHARE, REVENUE_SHARE = 0.6, 0.04, 0.7
AUTOMATED_TOUCH_SHARE = 0.3  # records whose SystemModstamp moved after their LastModifiedDate (automation)
CONVERTED = "Closed - Converted"
STATUSES = Weighted(
    [
        ("Open - Not Contacted", 35.0),
        ("Working - Contacted", 25.0),
        ("Nurturing", 12.0),
        ("Closed - Not Converted", 13.0),
        (CONVERTED, 15.0),
    ]
)
LEAD_SOURCES: Weighted[str | None] = Weighted(
    [
        ("Web", 45.0),
        ("Phone Inquiry", 8.0),
        ("Partner Referral", 12.0),
        ("Purchased List", 12.0),
        ("Other", 13.0),
        (None, 10.0),
    ]
)
_RATING_WEIGHTS: dict[str, list[tuple[str | None, float]]] = {
    "Open - Not Contacted": [("Cold", 40.0), ("Warm", 20.0), ("Hot", 5.0), (None, 35.0)],
    "Working - Contacted": [("Warm", 45.0), ("Hot", 25.0), ("Cold", 20.0), (None, 10.0)],
    "Nurturing": [("Cold", 45.0), ("Warm", 40.0), ("Hot", 5.0), (None, 10.0)],
    "Closed - Not Converted": [("Cold", 70.0), ("Warm", 15.0), (None, 15.0)],
    CONVERTED: [("Hot", 55.0), ("Warm", 40.0), ("Cold", 5.0)],
}
RATINGS = {status: Weighted(weights) for status, weights in _RATING_WEIGHTS.items()}
INDUSTRY_PICKLIST = {
    "Software": "Technology",
    "Financial Services": "Finance",
    "Professional Services": "Consulting",
    "Logistics": "Transportation",
}
PHONE_PREFIXES = {country[0]: country[3] for country in data.COUNTRIES}
CITIES = {country[0]: country[4] for country in data.COUNTRIES}
EMPLOYEES_BY_BAND = data.EMPLOYEES_BY_BAND


@dataclass(frozen=True)
class SeededOrg:
    """What `seed_org` made: the tables to install, the activity generator, and when the org was set up (before
    its oldest record)."""

    tables: dict[str, Table]
    activities: Callable[[], dict[str, Table]]
    created_ms: int


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _email(rng: random.Random, first: str, last: str, domain: str) -> str:
    f, l_ = _slug(first), _slug(last)
    local = (f"{f}.{l_}", f"{f[0]}{l_}", f, f"{f}{l_[0]}")[rng.randrange(4)]
    return f"{local}@{domain}"


def _stamps(rng: random.Random, created_ms: int, earliest_change_ms: int, now_ms: int) -> tuple[str, str]:
    """(LastModifiedDate, SystemModstamp): a last user edit, and sometimes a later automated change."""
    start = max(created_ms, earliest_change_ms)
    modified = start + int((now_ms - start) * rng.random() ** 2)
    stamp = modified + int((now_ms - modified) * rng.random()) if rng.random() < AUTOMATED_TOUCH_SHARE else modified
    return sf_datetime(modified), sf_datetime(stamp)


class LeadFactory:
    """Builds seeded Leads (and the Contacts of converted ones) for one (seed, now)."""

    def __init__(self, seed: int, n_leads: int, now_ms: int, owners: list[str]) -> None:
        self.seed = seed
        self.now_ms = now_ms
        self.owners = owners
        self.companies = companies(seed, max(MIN_COMPANIES, n_leads // LEADS_PER_COMPANY))
        self.firms = {firm.name.lower(): firm for firm in firms(seed, self.companies)}
        self.accounts: dict[str, str] = {}

    def account(self, company: str) -> str:
        """One Account id per company name."""
        key = company.lower()
        if key not in self.accounts:
            self.accounts[key] = make_id(KEY_PREFIXES["Account"], len(self.accounts) + 1)
        return self.accounts[key]

    def account_record(self, account_id: str, company: str, owner: str, created_ms: int) -> dict[str, Any]:
        """The Account of a company, created at its first conversion (`created_ms`) by that Lead's owner."""
        firm: Firm = self.firms[company.lower()]
        account: dict[str, Any] = {"Id": account_id, "IsDeleted": False, "Name": firm.name}
        account["Industry"] = INDUSTRY_PICKLIST.get(firm.industry, firm.industry)
        if firm.employees is not None:
            account["NumberOfEmployees"] = firm.employees
        if firm.revenue is not None:
            account["AnnualRevenue"] = float(firm.revenue)
        account.update(
            Website=f"www.{firm.domain}", BillingCity=firm.city, BillingCountry=data.COUNTRIES[firm.country][0]
        )
        account.update(OwnerId=owner, CreatedById=owner, CreatedDate=sf_datetime(created_ms))
        modified = sf_datetime(created_ms + int((self.now_ms - created_ms) * firm.modified_share**2))
        account.update(LastModifiedDate=modified, SystemModstamp=modified)
        return account

    def build(self, number: int, lead_id: str) -> tuple[dict[str, Any], LeadProfile]:
        """One Lead's stored fields and the profile its activities are generated from."""
        rng = random.Random(self.seed * 1_000_003 + number)
        status = STATUSES.pick(rng)
        created_ms = self.now_ms - int(rng.random() * CREATED_WINDOW_DAYS * MS_PER_DAY)
        first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
        lead: dict[str, Any] = {"Id": lead_id, "IsDeleted": False, "FirstName": first, "LastName": last}
        lead.update(self._employment(rng, first, last))
        lead["City"] = CITIES[lead["Country"]][int(rng.random() * len(CITIES[lead["Country"]]))]
        if rng.random() < PHONE_SHARE:
            prefix = PHONE_PREFIXES[lead["Country"]]
            lead["Phone"] = f"{prefix} {rng.randrange(200, 999)} {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}"
        source = LEAD_SOURCES.pick(rng)
        if source is not None:
            lead["LeadSource"] = source
        lead["Status"] = status
        rating = RATINGS[status].pick(rng)
        if rating is not None:
            lead["Rating"] = rating
        owner = rng.choice(self.owners)
        lead.update(OwnerId=owner, CreatedById=owner, HasOptedOutOfEmail=rng.random() < OPT_OUT_SHARE)
        lead["IsConverted"] = status == CONVERTED
        lead["CreatedDate"] = sf_datetime(created_ms)
        converted_ms = created_ms + int((self.now_ms - created_ms) * (0.2 + 0.8 * rng.random()))
        earliest_change = converted_ms if status == CONVERTED else created_ms
        lead["LastModifiedDate"], lead["SystemModstamp"] = _stamps(rng, created_ms, earliest_change, self.now_ms)
        profile = LeadProfile(number, lead_id, None, owner, created_ms, status, converted_ms)
        return lead, profile

    def _employment(self, rng: random.Random, first: str, last: str) -> dict[str, Any]:
        roll = rng.random()
        title = job_title(rng)
        if roll < COMPETITOR_SHARE:
            country = rng.choice(data.COUNTRIES)[0]
            email = _email(rng, first, last, data.COMPETITOR_DOMAIN)
            return {
                "Company": data.COMPETITOR_COMPANY,
                "Email": email,
                "Title": title,
                "Industry": "Technology",
                "Country": country,
            }
        if roll < COMPETITOR_SHARE + STUDENT_SHARE:
            university, domain = rng.choice(data.UNIVERSITIES)
            email = _email(rng, first, last, domain)
            country = data.COUNTRIES[0][0]
            return {
                "Company": university,
                "Email": email,
                "Title": "Student",
                "Industry": "Education",
                "Country": country,
            }
        pool = len(self.companies)
        span = max(1, pool // 10) if rng.random() < BIG_ACCOUNT_SHARE else pool
        company = self.companies[int(rng.random() * span)]  # one draw whatever the pool size: later fields stay put
        free_mail = roll < COMPETITOR_SHARE + STUDENT_SHARE + FREE_MAIL_SHARE
        domain = rng.choice(data.FREE_MAIL_DOMAINS) if free_mail else company.domain
        low, high = EMPLOYEES_BY_BAND[company.band]
        out: dict[str, Any] = {
            "Company": company.name,
            "Email": _email(rng, first, last, domain),
            "Title": title,
            "Industry": INDUSTRY_PICKLIST.get(company.industry, company.industry),
            "NumberOfEmployees": low + int(rng.random() * (high - low + 1)),
            "Country": data.COUNTRIES[company.country][0],
        }
        if rng.random() < REVENUE_SHARE:
            out["AnnualRevenue"] = float(company.revenue)
        return out

    def contact(self, lead: dict[str, Any], contact_id: str, converted_ms: int) -> dict[str, Any]:
        """The Contact a converted Lead became (created at conversion)."""
        rng = random.Random(self.seed * 7_000_003 + converted_ms)
        contact: dict[str, Any] = {"Id": contact_id, "IsDeleted": False, "AccountId": self.account(lead["Company"])}
        for field in ("FirstName", "LastName", "Email", "Title", "Phone", "LeadSource", "HasOptedOutOfEmail"):
            if lead.get(field) is not None:
                contact[field] = lead[field]
        contact["Department"] = rng.choice(data.FUNCTIONS)
        contact.update(MailingCity=lead["City"], MailingCountry=lead["Country"])
        contact.update(OwnerId=lead["OwnerId"], CreatedById=lead["OwnerId"], CreatedDate=sf_datetime(converted_ms))
        contact["LastModifiedDate"], contact["SystemModstamp"] = _stamps(rng, converted_ms, converted_ms, self.now_ms)
        return contact


def seed_org(seed: int, n_leads: int, now_ms: int, owners: list[str]) -> SeededOrg:
    """Leads, Contacts and Campaigns now; Tasks, Events and CampaignMembers when first needed."""
    factory = LeadFactory(seed, n_leads, now_ms, owners)
    leads: Table = {}
    contacts: Table = {}
    profiles: list[LeadProfile] = []
    first_conversion: dict[str, tuple[int, str, str]] = {}  # Account id -> (converted ms, company, owner)
    for number in range(1, n_leads + 1):
        lead_id = make_id(KEY_PREFIXES["Lead"], number)
        lead, profile = factory.build(number, lead_id)
        if lead["IsConverted"]:
            contact_id = make_id(KEY_PREFIXES["Contact"], len(contacts) + 1)
            contacts[contact_id] = factory.contact(lead, contact_id, profile.converted_ms)
            account = contacts[contact_id]["AccountId"]
            lead.update(ConvertedContactId=contact_id, ConvertedAccountId=account)
            lead["ConvertedDate"] = sf_date(profile.converted_ms)
            profile = profile.converted_to(contact_id)
            earliest = (profile.converted_ms, lead["Company"], lead["OwnerId"])
            first_conversion[account] = min(first_conversion.get(account, earliest), earliest)
        leads[lead_id] = lead
        profiles.append(profile)
    accounts = {
        account_id: factory.account_record(account_id, company, owner, converted_ms)
        for account_id, (converted_ms, company, owner) in first_conversion.items()
    }
    campaign_table = campaigns(now_ms, owners[0])
    plan = ActivityPlan(seed, now_ms, profiles, list(campaign_table.values()))
    tables = {"Lead": leads, "Contact": contacts, "Account": accounts, "Campaign": campaign_table}
    created_ms = now_ms - (CREATED_WINDOW_DAYS + ORG_SETUP_LEAD_DAYS) * MS_PER_DAY
    return SeededOrg(tables, plan.generate, created_ms)
