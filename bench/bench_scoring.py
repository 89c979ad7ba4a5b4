"""How many contacts per second one core scores, grades and takes the temperature of.

A plain script, not a test: builds the documented example ([scoring], [bant] and [temperature], plus an
engagement rule for every activity kind) through the config schema, generates contacts with 20 activities
each spread over six months, and prints contacts per second for each function and for all three together:
once calling score, grade and temperature as they are, once sharing one engagement pass between score and
temperature (``engagement_matches`` + ``score_matches`` + ``temperature_matches``). A calibration line
(a plain Python loop) lets figures from different machines be compared.

    .venv/bin/python bench/bench_scoring.py [--contacts 20000] [--repeat 5] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import platform
import pstats
import random
import time
import tomllib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from leadstage.mapping.bant import BantModel, grade
from leadstage.mapping.model import Activity, Contact
from leadstage.mapping.scoring import ScoringModel, engagement_matches, score, score_matches
from leadstage.mapping.temperature import TemperatureModel, temperature, temperature_matches
from leadstage.sync.config_scoring import (
    BantSection,
    ScoringSection,
    TemperatureSection,
    build_bant_model,
    build_scoring_model,
    build_temperature_model,
)

ACTIVITIES_PER_CONTACT = 20
HISTORY_DAYS = 182
TARGET_PER_SECOND = 25_000
CALIBRATION_LOOPS = 2_000_000
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)

CONFIG = r"""
[scoring]
fit_weight = 0.5
engagement_weight = 0.5
half_life_days = 30
max_age_days = 365

[[scoring.fit]]
name = "Senior title"
field = "job_title"
regex = "(?i)\\b(vp|vice president|head of|director|chief|c[eiot]o)\\b"
points = 25

[[scoring.fit]]
name = "Mid-size company"
field = "employees"
min = 50
max = 5000
points = 15

[[scoring.fit]]
name = "Target industry"
field = "industry"
one_of = ["Software", "Financial Services", "Healthcare"]
points = 15

[[scoring.fit]]
name = "Has a phone number"
field = "phone"
present = true
points = 5

[[scoring.fit]]
name = "Free-mail address"
field = "email"
regex = "@(gmail|yahoo|hotmail|outlook)\\."
points = -15

[[scoring.fit]]
name = "Unsubscribed"
field = "unsubscribed"
equals = "true"
points = -20

[[scoring.engagement]]
name = "Pricing page visit"
kind = "page_view"
where = { url = { contains = "/pricing" } }
points = 10
cap = 30
half_life_days = 14

[[scoring.engagement]]
name = "Page view"
kind = "page_view"
points = 1
cap = 10

[[scoring.engagement]]
name = "Demo or contact form"
kind = "form_submission"
where = { form = { regex = "(?i)demo|contact" } }
points = 25
cap = 50

[[scoring.engagement]]
name = "Form submission"
kind = "form_submission"
points = 10
cap = 20

[[scoring.engagement]]
name = "Email engagement"
kinds = ["email_open", "email_click"]
points = 2
cap = 10

[[scoring.engagement]]
name = "Email reply"
kind = "email_reply"
points = 10
cap = 20

[[scoring.engagement]]
name = "Meeting held"
kind = "meeting"
where = { outcome = { one_of = ["completed", "held"] } }
points = 20
cap = 40

[[scoring.engagement]]
name = "Connected call"
kind = "call"
where = { status = { equals = "completed" }, duration_ms = { min = 60000 } }
points = 10
cap = 20

[[scoring.engagement]]
name = "Webinar or download"
kinds = ["webinar", "content_download"]
points = 5
cap = 15

[bant]
cutoffs = { A = 4, B = 3, C = 2 }
[[bant.budget]]
field = "annual_revenue"
min = 5000000
[[bant.budget]]
field = "employees"
min = 500
[[bant.authority]]
field = "job_title"
regex = "(?i)(vp|head of|director|chief)"
[[bant.need]]
kind = "form_submission"
where = { form = { regex = "(?i)demo|contact" } }
within_days = 90
[[bant.need]]
kind = "page_view"
where = { url = { contains = "/pricing" } }
within_days = 30
min_count = 2
[[bant.timeline]]
kind = "meeting"
within_days = 30
min_count = 1

[temperature]
hot = { within_days = 7, min_points = 20 }
warm = { within_days = 30, min_points = 5 }
"""

TITLES = ("VP Marketing", "Head of Growth", "Software Engineer", "Director of IT", "Student", "CEO")
INDUSTRIES = ("Software", "Financial Services", "Healthcare", "Retail", "Manufacturing", "Education")
EMPLOYEES = ("1-5", "25-50", "100-500", "1000+", "1,200", "75", "")
DOMAINS = ("acme.com", "gmail.com", "globex.io", "yahoo.com", "initech.co")
PAGES = ("/", "/pricing", "/blog/lead-scoring", "/product", "/pricing/enterprise", "/careers", "/docs")
FORMS = ("Request a demo", "Contact sales", "Newsletter signup", "Ebook: RevOps guide")
ACTIVITY_MIX = (
    ("page_view", 40),
    ("email_open", 15),
    ("email_click", 8),
    ("email_reply", 4),
    ("form_submission", 8),
    ("meeting", 4),
    ("call", 5),
    ("webinar", 4),
    ("content_download", 6),
    ("email_sent", 6),
)


def build_models() -> tuple[ScoringModel, BantModel, TemperatureModel]:
    """The benchmark's models, built through the config schema like the worker builds them."""
    config = tomllib.loads(CONFIG)
    return (
        build_scoring_model(ScoringSection.model_validate(config["scoring"])),
        build_bant_model(BantSection.model_validate(config["bant"])),
        build_temperature_model(TemperatureSection.model_validate(config["temperature"])),
    )


def _attributes(kind: str, rng: random.Random) -> dict[str, str]:
    if kind == "page_view":
        page = rng.choice(PAGES)
        return {"url": f"https://www.example.com{page}", "title": page.strip("/") or "home"}
    if kind == "form_submission":
        return {"form": rng.choice(FORMS), "url": "https://www.example.com/contact"}
    if kind in ("email_open", "email_click"):
        return {"campaign": f"nurture-{rng.randint(1, 9)}", "url": "https://www.example.com/blog"}
    if kind in ("email_reply", "email_sent"):
        return {"subject": "Re: pricing question"}
    if kind == "meeting":
        return {"title": "Intro call", "outcome": rng.choice(("completed", "no_show", "scheduled"))}
    if kind == "call":
        status = rng.choice(("completed", "no_answer", "busy"))
        return {"status": status, "direction": "outbound", "duration_ms": str(rng.randint(0, 900_000))}
    return {"title": "Lead scoring 101", "url": "https://www.example.com/resources"}


def make_contacts(count: int, seed: int = 7) -> list[tuple[Contact, list[Activity]]]:
    """``count`` contacts with ``ACTIVITIES_PER_CONTACT`` activities each, spread over six months."""
    rng = random.Random(seed)
    kinds = [kind for kind, _ in ACTIVITY_MIX]
    weights = [weight for _, weight in ACTIVITY_MIX]
    contacts: list[tuple[Contact, list[Activity]]] = []
    for number in range(count):
        contact_id = str(number)
        fields = {
            "email": f"person{number}@{rng.choice(DOMAINS)}",
            "job_title": rng.choice(TITLES),
            "industry": rng.choice(INDUSTRIES),
            "employees": rng.choice(EMPLOYEES),
            "annual_revenue": str(rng.choice((250_000, 2_000_000, 8_500_000, 40_000_000))),
            "unsubscribed": rng.choice(("false", "false", "false", "true")),
        }
        if rng.random() < 0.6:
            fields["phone"] = "+1 555 0100"
        contact = Contact(id=contact_id, updated_at=NOW, fields={key: value for key, value in fields.items() if value})
        activities = [
            Activity(
                id=f"{contact_id}-{index}",
                contact_id=contact_id,
                kind=kind,
                occurred_at=NOW - timedelta(seconds=rng.uniform(0, HISTORY_DAYS * 86_400)),
                attributes=_attributes(kind, rng),
            )
            for index, kind in enumerate(rng.choices(kinds, weights, k=ACTIVITIES_PER_CONTACT))
        ]
        contacts.append((contact, activities))
    return contacts


def _time(run: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def _calibration_ns() -> float:
    """Nanoseconds per iteration of a plain loop doing a dict lookup and a float multiply."""
    table = {"page_view": 1.5}
    started = time.perf_counter()
    total = 0.0
    for _ in range(CALIBRATION_LOOPS):
        total += table["page_view"] * 0.5
    return (time.perf_counter() - started) / CALIBRATION_LOOPS * 1e9


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one full pass")
    args = parser.parse_args(argv)

    scoring_model, bant_model, temp_model = build_models()
    contacts = make_contacts(args.contacts)
    now = NOW

    def all_three() -> None:
        for contact, activities in contacts:
            score(contact, activities, scoring_model, now)
            grade(contact, activities, bant_model, now)
            temperature(activities, scoring_model, temp_model, now)

    def all_three_shared() -> None:
        for contact, activities in contacts:
            matches = engagement_matches(activities, scoring_model, now)
            score_matches(contact, matches, scoring_model)
            grade(contact, activities, bant_model, now)
            temperature_matches(matches, scoring_model, temp_model)

    def score_only() -> None:
        for contact, activities in contacts:
            score(contact, activities, scoring_model, now)

    def grade_only() -> None:
        for contact, activities in contacts:
            grade(contact, activities, bant_model, now)

    def temperature_only() -> None:
        for _contact, activities in contacts:
            temperature(activities, scoring_model, temp_model, now)

    print(f"python {platform.python_version()} on {_cpu_name()}, one core")
    print(f"calibration: {min(_calibration_ns() for _ in range(3)):.1f} ns per plain loop iteration")
    print(
        f"{args.contacts} contacts x {ACTIVITIES_PER_CONTACT} activities, "
        f"{len(scoring_model.fit_rules)} fit + {len(scoring_model.engagement_rules)} engagement rules, "
        f"best of {args.repeat}"
    )
    for label, run in (
        ("score", score_only),
        ("grade", grade_only),
        ("temperature", temperature_only),
        ("score+grade+temperature", all_three),
        ("the three, one engagement pass", all_three_shared),
    ):
        seconds = _time(run, args.repeat)
        per_second = args.contacts / seconds
        micros = seconds / args.contacts * 1e6
        print(f"  {label:<32} {per_second:>10,.0f} contacts/s  {micros:6.1f} µs/contact")
    verdict = "meets" if per_second >= TARGET_PER_SECOND else "misses"
    print(f"target {TARGET_PER_SECOND:,} contacts/s for the three with one engagement pass: {verdict}")

    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(all_three_shared)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
