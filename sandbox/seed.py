"""What both CRMs' seeds draw from: weighted choices, the company pool, job titles.

The word lists and weights live in seed_data.py; the HubSpot contacts are made in hubspot/seed.py, the
Salesforce Leads in salesforce/seed.py. Everything is a pure function of the seed, so equal inputs give
byte-identical data in both CRMs.
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
