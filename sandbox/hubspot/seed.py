"""Deterministic, realistic contacts for the sandbox's HubSpot portal.

Every contact is a pure function of (seed, contact id, now) plus the company pool shared with the Salesforce
seed (sandbox/seed.py), so equal inputs give byte-identical data. Activities are not stored: each contact keeps
a small `Profile` and its timeline is regenerated on demand (see seed_timeline.py); the contact's rollups are
computed from the same timeline here.
"""

from __future__ import annotations

import random

from leadstage.sandbox import seed_data as data
from leadstage.sandbox.hubspot import seed_timeline as tl
from leadstage.sandbox.hubspot.properties import LIFECYCLE_STAGES, OWNERS, lifecycle_date_property
from leadstage.sandbox.seed import COUNTRY_INDEXES, Weighted, ascii_slug, companies, job_title
from leadstage.sandbox.timeutil import MS_PER_DAY, iso_ms

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
    """Builds seeded contacts for one (seed, now)."""

    def __init__(self, seed: int, n_contacts: int, now_ms: int) -> None:
        self.seed = seed
        self.now_ms = now_ms
        self.companies = companies(seed, max(MIN_COMPANIES, n_contacts // CONTACTS_PER_COMPANY))

    def build(self, contact_id: str) -> tuple[dict[str, str], tl.Profile]:
        """One contact's stored properties and timeline profile."""
        rng = random.Random(f"{self.seed}/contact/{contact_id}")
        stage = _STAGES.pick(rng)
        created_ms = self.now_ms - int(rng.random() * CREATED_WINDOW_DAYS * MS_PER_DAY)
        first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
        props = {"firstname": first, "lastname": last}
        props.update(self._employment(rng, first, last))
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
        return props, profile

    def _employment(self, rng: random.Random, first: str, last: str) -> dict[str, str]:
        roll = rng.random()
        if roll < COMPETITOR_SHARE:
            return {
                "email": _email(rng, first, last, data.COMPETITOR_DOMAIN),
                "company": data.COMPETITOR_COMPANY,
                "jobtitle": job_title(rng),
                "industry": "Software",
                "numemployees": "100-500",
                "_country": str(COUNTRY_INDEXES.pick(rng)),
            }
        if roll < COMPETITOR_SHARE + STUDENT_SHARE:
            university, domain = rng.choice(data.UNIVERSITIES)
            return {
                "email": _email(rng, first, last, domain),
                "company": university,
                "jobtitle": "Student",
                "industry": "Education",
                "_country": "0",
            }
        pool = len(self.companies)
        big_accounts = rng.random() < BIG_ACCOUNT_SHARE  # a few accounts have many contacts
        company = self.companies[rng.randrange(max(1, pool // 10) if big_accounts else pool)]
        out = {"jobtitle": job_title(rng), "_country": str(company.country)}
        if roll < COMPETITOR_SHARE + STUDENT_SHARE + FREE_MAIL_SHARE:
            out["email"] = _email(rng, first, last, rng.choice(data.FREE_MAIL_DOMAINS))
            if rng.random() >= FREE_MAIL_WITH_COMPANY:
                return out
        else:
            out["email"] = _email(rng, first, last, company.domain)
        out.update(
            company=company.name,
            industry=company.industry,
            numemployees=company.band,
            annualrevenue=str(company.revenue),
        )
        return out


def generate(
    seed: int, n_contacts: int, now_ms: int, first_id: int
) -> tuple[dict[str, dict[str, str]], dict[str, tl.Profile]]:
    """`n_contacts` contacts with ids first_id, first_id+1, ... and their timeline profiles."""
    factory = ContactFactory(seed, n_contacts, now_ms)
    contacts: dict[str, dict[str, str]] = {}
    profiles: dict[str, tl.Profile] = {}
    for number in range(first_id, first_id + n_contacts):
        contact_id = str(number)
        contacts[contact_id], profiles[contact_id] = factory.build(contact_id)
    return contacts, profiles
