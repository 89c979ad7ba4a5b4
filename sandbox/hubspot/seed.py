"""Deterministic, realistic contacts and companies for the sandbox's HubSpot portal.

Every contact is a pure function of (seed, contact id, now) plus the company pool shared with the Salesforce
seed (sandbox/seed.py), so equal inputs give byte-identical data. Activities are not stored: each contact keeps
a small `Profile` and its timeline is regenerated on demand (see seed_timeline.py); the contact's rollups are
computed from the same timeline here.

Companies: every firm of the pool (sandbox/seed.py `firms`: the competitor, the universities, the pool) is a
company record, several contacts to one; a contact who works for one has it as its primary company (free-mail
contacts half the time, as they had its name before). A company is created with its first contact (HubSpot
makes companies from contacts' e-mail domains), or somewhen in the window when nobody works there; enrichment
changed it later. With `contact_firmographics` (the default) contacts also keep the copies of their company's
industry, size band and revenue they always had; without, those live on the company only (the contact keeps the
company's name, as forms fill it).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from leadstage.sandbox import seed_data as data
from leadstage.sandbox.hubspot import seed_timeline as tl
from leadstage.sandbox.hubspot.companies import FIRST_COMPANY_ID
from leadstage.sandbox.hubspot.company_properties import COMPANY_MODIFIED, SEED_INDUSTRY_VALUES, UNIVERSITY_INDUSTRY
from leadstage.sandbox.hubspot.properties import LIFECYCLE_STAGES, OWNERS, lifecycle_date_property
from leadstage.sandbox.seed import (
    COMPETITOR_POSITION,
    COUNTRY_INDEXES,
    FIRST_POOL_POSITION,
    FIRST_UNIVERSITY_POSITION,
    Firm,
    Weighted,
    ascii_slug,
    companies,
    firms,
    job_title,
    university_position,
)
from leadstage.sandbox.timeutil import MS_PER_DAY, MS_PER_SECOND, iso_ms

CREATED_WINDOW_DAYS = 548  # createdate spreads over the 18 months before now
COMPETITOR_SHARE = 0.02
STUDENT_SHARE = 0.03
FREE_MAIL_SHARE = 0.12
FREE_MAIL_WITH_COMPANY = 0.5
STARTED_AS_SUBSCRIBER = 0.3
OPT_OUT_SHARE = 0.04
PHONE_SHARE = 0.6
MIN_COMPANIES = 40
CONTACTS_PER_COMPANY = 3
BIG_ACCOUNT_SHARE = 0.3
OWNED_SHARE = {"subscriber": 0.1, "lead": 0.6, "other": 0.3}
OWNED_SHARE_DEFAULT = 0.95
DEALS_BY_STAGE = {"opportunity": (1, 2), "customer": (1, 3), "evangelist": (1, 2)}
COMPANY_CREATED_AFTER_CONTACT_S = 60  # auto-created from the first contact's domain, within a minute
FIRMOGRAPHICS = ("industry", "numemployees", "annualrevenue")
_STAGES = Weighted(data.STAGE_WEIGHTS)
_SOURCES = Weighted(data.ANALYTICS_SOURCE_WEIGHTS)
_LEAD_STATUS = {stage: Weighted(pairs) for stage, pairs in data.LEAD_STATUS_BY_STAGE.items()}


def _email(rng: random.Random, first: str, last: str, domain: str) -> str:
    f, l_ = ascii_slug(first), ascii_slug(last)
    local = (f"{f}.{l_}", f"{f[0]}{l_}", f, f"{f}{l_[0]}", f"{f}_{l_}")[rng.randrange(5)]
    return f"{local}@{domain}"


def _stage_dates(rng: random.Random, stage: str, created_ms: int, now_ms: int) -> dict[str, str]:
    if stage == "other":
        return {lifecycle_date_property("other"): iso_ms(created_ms)}
    entry = "subscriber" if stage == "subscriber" or rng.random() < STARTED_AS_SUBSCRIBER else "lead"
    path = LIFECYCLE_STAGES[LIFECYCLE_STAGES.index(entry) : LIFECYCLE_STAGES.index(stage) + 1]
    later = sorted(created_ms + int((now_ms - created_ms) * rng.random()) for _ in path[1:])
    return {lifecycle_date_property(s): iso_ms(ms) for s, ms in zip(path, [created_ms, *later], strict=True)}


class ContactFactory:
    """Builds seeded contacts for one (seed, now), and the company records they work for."""

    def __init__(self, seed: int, n_contacts: int, now_ms: int, contact_firmographics: bool = True) -> None:
        self.seed = seed
        self.now_ms = now_ms
        self.contact_firmographics = contact_firmographics
        self.companies = companies(seed, max(MIN_COMPANIES, n_contacts // CONTACTS_PER_COMPANY))
        self.firms = firms(seed, self.companies)

    def build(self, contact_id: str) -> tuple[dict[str, str], tl.Profile, int | None]:
        """One contact's stored properties, timeline profile, and the firm (position) it works for."""
        rng = random.Random(f"{self.seed}/contact/{contact_id}")
        stage = _STAGES.pick(rng)
        created_ms = self.now_ms - int(rng.random() * CREATED_WINDOW_DAYS * MS_PER_DAY)
        first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
        props = {"firstname": first, "lastname": last}
        employment, firm = self._employment(rng, first, last)
        if not self.contact_firmographics:
            employment = {k: v for k, v in employment.items() if k not in FIRMOGRAPHICS}
        props.update(employment)
        country = data.COUNTRIES[int(props.pop("_country"))]
        props["country"] = country[0]
        props["city"] = rng.choice(country[4])
        if rng.random() < PHONE_SHARE:
            digits = f"{rng.randrange(200, 999)} {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}"
            props["phone"] = f"{country[3]} {digits}"
        props["hs_analytics_source"] = _SOURCES.pick(rng)
        if rng.random() < OPT_OUT_SHARE:
            props["hs_email_optout"] = "true"
        if rng.random() < OWNED_SHARE.get(stage, OWNED_SHARE_DEFAULT):
            props["hubspot_owner_id"] = rng.choice(OWNERS)[0]
        props["lifecyclestage"] = stage
        status = _LEAD_STATUS[stage].pick(rng)
        if status:
            props["hs_lead_status"] = status
        if stage in DEALS_BY_STAGE:
            props["num_associated_deals"] = str(rng.randint(*DEALS_BY_STAGE[stage]))
        stage_dates = _stage_dates(rng, stage, created_ms, self.now_ms)
        props.update(stage_dates)
        profile = tl.Profile(created_ms, stage)
        rollups = tl.summarize(tl.skeleton(self.seed, contact_id, profile, self.now_ms))
        props.update({k: v for k, v in rollups.to_properties().items() if v is not None})
        created = iso_ms(created_ms)
        last_any = iso_ms(rollups.last_any_ms) if rollups.last_any_ms is not None else created
        props["createdate"] = created
        # never after the seeding: a scheduled meeting or task lies ahead, but a record is modified when it is saved
        props["lastmodifieddate"] = min(max(created, last_any, *stage_dates.values()), iso_ms(self.now_ms))
        props["hs_object_id"] = contact_id
        if firm is not None:
            props["associatedcompanyid"] = company_id(firm)
        return props, profile, firm

    def _employment(self, rng: random.Random, first: str, last: str) -> tuple[dict[str, str], int | None]:
        roll = rng.random()
        if roll < COMPETITOR_SHARE:
            competitor = {
                "email": _email(rng, first, last, data.COMPETITOR_DOMAIN),
                "company": data.COMPETITOR_COMPANY,
                "jobtitle": job_title(rng),
                "industry": "Software",
                "numemployees": data.COMPETITOR_BAND,
                "_country": str(COUNTRY_INDEXES.pick(rng)),
            }
            return competitor, COMPETITOR_POSITION
        if roll < COMPETITOR_SHARE + STUDENT_SHARE:
            university, domain = rng.choice(data.UNIVERSITIES)
            student = {
                "email": _email(rng, first, last, domain),
                "company": university,
                "jobtitle": "Student",
                "industry": "Education",
                "_country": "0",
            }
            return student, university_position(domain)
        pool = len(self.companies)
        big_accounts = rng.random() < BIG_ACCOUNT_SHARE  # a few accounts have many contacts
        index = rng.randrange(max(1, pool // 10) if big_accounts else pool)
        company = self.companies[index]
        out = {"jobtitle": job_title(rng), "_country": str(company.country)}
        if roll < COMPETITOR_SHARE + STUDENT_SHARE + FREE_MAIL_SHARE:
            out["email"] = _email(rng, first, last, rng.choice(data.FREE_MAIL_DOMAINS))
            if rng.random() >= FREE_MAIL_WITH_COMPANY:
                return out, None
        else:
            out["email"] = _email(rng, first, last, company.domain)
        out.update(
            company=company.name,
            industry=company.industry,
            numemployees=company.band,
            annualrevenue=str(company.revenue),
        )
        return out, FIRST_POOL_POSITION + index

    def company(self, firm: Firm, first_contact_ms: int | None) -> dict[str, str]:
        """One firm's company record: created with its first contact (or somewhen in the window), changed since."""
        if first_contact_ms is not None:
            created_ms = first_contact_ms + int(firm.created_offset * COMPANY_CREATED_AFTER_CONTACT_S * MS_PER_SECOND)
        else:
            created_ms = self.now_ms - int(firm.created_offset * CREATED_WINDOW_DAYS * MS_PER_DAY)
        created_ms = min(created_ms, self.now_ms)
        modified_ms = created_ms + int((self.now_ms - created_ms) * firm.modified_share**2)
        university = FIRST_UNIVERSITY_POSITION <= firm.position < FIRST_POOL_POSITION
        props = {
            "name": firm.name,
            "domain": firm.domain,
            "industry": UNIVERSITY_INDUSTRY if university else SEED_INDUSTRY_VALUES[firm.industry],
            "country": data.COUNTRIES[firm.country][0],
            "city": firm.city,
        }
        if firm.employees is not None:
            props["numberofemployees"] = str(firm.employees)
        if firm.revenue is not None:
            props["annualrevenue"] = str(firm.revenue)
        props.update(createdate=iso_ms(created_ms), hs_object_id=company_id(firm.position))
        props[COMPANY_MODIFIED] = iso_ms(modified_ms)
        return props


def company_id(position: int) -> str:
    """The seeded company id of a firm."""
    return str(FIRST_COMPANY_ID + position)


@dataclass(frozen=True)
class SeededPortal:
    """What `generate` made: contacts and their timeline profiles, companies, and (contact, company, primary)."""

    contacts: dict[str, dict[str, str]]
    profiles: dict[str, tl.Profile]
    companies: dict[str, dict[str, str]]
    links: list[tuple[str, str, bool]]


def generate(
    seed: int, n_contacts: int, now_ms: int, first_id: int, contact_firmographics: bool = True
) -> SeededPortal:
    """`n_contacts` contacts with ids first_id, first_id+1, ..., their timeline profiles, and the companies."""
    factory = ContactFactory(seed, n_contacts, now_ms, contact_firmographics)
    contacts: dict[str, dict[str, str]] = {}
    profiles: dict[str, tl.Profile] = {}
    links: list[tuple[str, str, bool]] = []
    first_contact: dict[int, int] = {}
    for number in range(first_id, first_id + n_contacts):
        contact_id = str(number)
        contacts[contact_id], profiles[contact_id], firm = factory.build(contact_id)
        if firm is not None:
            links.append((contact_id, company_id(firm), True))
            created_ms = profiles[contact_id].created_ms
            first_contact[firm] = min(first_contact.get(firm, created_ms), created_ms)
    records = {company_id(f.position): factory.company(f, first_contact.get(f.position)) for f in factory.firms}
    return SeededPortal(contacts, profiles, records, links)
