"""What both CRMs' seeds draw from: weighted choices, the company pool and its firms, job titles.

The word lists and weights live in seed_data.py; the HubSpot contacts and companies are made in hubspot/seed.py,
the Salesforce Leads, Contacts and Accounts in salesforce/seed.py. Everything is a pure function of the seed, so
equal inputs give byte-identical data in both CRMs.

`companies()` is the pool people work for (its draws are fixed: changing them would change every seeded person);
`firms()` makes company records of it, with the competitor and the universities in front, and the details a
record has beyond the pool (a head count within the band, a city, when it was created) drawn from an RNG of their
own, in firm order, so both CRMs give the same company the same numbers whatever the pool's size.
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass
from typing import Generic, TypeVar

from leadstage.sandbox import seed_data as data

T = TypeVar("T")


class Weighted(Generic[T]):
    """A weighted choice with a precomputed cumulative table (one rng.random() per pick)."""

    def __init__(self, pairs: tuple[tuple[T, float], ...] | list[tuple[T, float]]) -> None:
        self.values = [value for value, _ in pairs]
        self.cumulative = list(itertools.accumulate(weight for _, weight in pairs))

    def pick(self, rng: random.Random) -> T:
        """One value."""
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


_INDUSTRIES = Weighted(data.INDUSTRIES)
_BANDS = Weighted(data.EMPLOYEE_BAND_WEIGHTS)
COUNTRY_INDEXES = Weighted([(index, float(c[1])) for index, c in enumerate(data.COUNTRIES)])
_SENIORITY = Weighted(data.SENIORITIES)


@dataclass(frozen=True)
class Company:
    """A company several contacts work for."""

    name: str
    domain: str
    industry: str
    band: str
    revenue: int
    country: int


def ascii_slug(text: str) -> str:
    """Lower-case letters and digits only (for domains and e-mail addresses)."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def companies(seed: int, count: int) -> list[Company]:
    """The seed's company pool (names unique within the pool)."""
    rng = random.Random(f"{seed}/companies")
    out: list[Company] = []
    used: set[str] = set()
    while len(out) < count:
        stem = rng.choice(data.COMPANY_STEMS)
        base = rng.choice(data.COMPANY_PREFIXES) + stem
        name = base.capitalize() if rng.random() < 0.5 else f"{rng.choice(data.COMPANY_PREFIXES)} {stem.capitalize()}"
        if name in used:
            name = f"{name} {rng.choice(data.COMPANY_PREFIXES)}"
            if name in used:
                continue
        used.add(name)
        country = COUNTRY_INDEXES.pick(rng)
        band = _BANDS.pick(rng)
        low, high = data.REVENUE_RANGE_BY_BAND[band]
        revenue = int(round(rng.uniform(low, high), -4))
        suffix = rng.choice(data.COMPANY_SUFFIXES)
        display = f"{name} {suffix}".strip()
        domain = f"{ascii_slug(name)}.{data.COUNTRIES[country][2]}"
        out.append(Company(display, domain, _INDUSTRIES.pick(rng), band, revenue, country))
    return out


@dataclass(frozen=True)
class Firm:
    """A company as a CRM record: the pool company (or the competitor, a university) and its drawn details.

    `industry` is the seed's own label (HubSpot and Salesforce each map it to their values); `employees`,
    `band` and `revenue` are None where enrichment would find nothing (universities; the competitor's revenue).
    """

    position: int
    name: str
    domain: str
    industry: str
    band: str | None
    employees: int | None
    revenue: int | None
    country: int
    city: str
    created_offset: float  # 0..1: when it was created (in the window; after its first contact: within a minute)
    modified_share: float  # 0..1: how far between its creation and now its last change lies


COMPETITOR_POSITION = 0
FIRST_UNIVERSITY_POSITION = 1
FIRST_POOL_POSITION = FIRST_UNIVERSITY_POSITION + len(data.UNIVERSITIES)


def university_position(domain: str) -> int:
    """The firm position of a university, by its e-mail domain."""
    return FIRST_UNIVERSITY_POSITION + [d for _, d in data.UNIVERSITIES].index(domain)


def _firm(rng: random.Random, position: int, base: tuple[str, str, str, str | None, int | None, int]) -> Firm:
    name, domain, industry, band, revenue, country = base
    employees = None
    if band is not None:
        low, high = data.EMPLOYEES_BY_BAND[band]
        employees = rng.randint(low, high)
    city = rng.choice(data.COUNTRIES[country][4])
    return Firm(position, name, domain, industry, band, employees, revenue, country, city, rng.random(), rng.random())


def firms(seed: int, pool: list[Company]) -> list[Firm]:
    """The seed's company records: the competitor (position 0), the universities, then the pool in order."""
    bases: list[tuple[str, str, str, str | None, int | None, int]] = [
        (data.COMPETITOR_COMPANY, data.COMPETITOR_DOMAIN, "Software", data.COMPETITOR_BAND, None, 0)
    ]
    bases += [(name, domain, "Education", None, None, 0) for name, domain in data.UNIVERSITIES]
    bases += [(c.name, c.domain, c.industry, c.band, c.revenue, c.country) for c in pool]
    rng = random.Random(f"{seed}/firms")  # drawn in order: a firm's details do not depend on the pool's size
    return [_firm(rng, position, base) for position, base in enumerate(bases)]


def job_title(rng: random.Random) -> str:
    """A job title across seniorities and functions."""
    seniority = _SENIORITY.pick(rng)
    function = rng.choice(data.FUNCTIONS)
    if seniority == "c_level":
        return rng.choice(data.C_LEVEL)
    if seniority == "vp":
        return f"VP of {function}"
    if seniority == "director":
        return f"{rng.choice(('Director of', 'Head of'))} {function}"
    if seniority == "manager":
        return f"{function} Manager"
    if seniority == "intern":
        return f"{function} Intern"
    return rng.choice(data.IC_TITLES[function])
