"""What the fast path leans on: exact activity ages, output text equal to ``values``' own, the model we ship."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from leadstage.mapping.conditions import Present
from leadstage.mapping.evaluate import QualificationModel, evaluate, score_reason
from leadstage.mapping.model import Activity, Contact, Stage, StageState, epoch_microseconds
from leadstage.mapping.scoring import EngagementRule, FitRule, ScoringModel
from leadstage.mapping.stages import observe
from leadstage.sync.config import load_settings
from tests.mapping.scoring_support import NOW, did, person
from tests.mapping.test_fast_path import reference_evaluate
from tests.mapping.test_scoring_properties import PROPERTY_SETTINGS

EXAMPLE_CONFIG = Path(__file__).resolve().parents[2] / "config.example.toml"
offsets = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
aware_times = st.datetimes(timezones=offsets | st.just(UTC))


# -- ages ------------------------------------------------------------------------------------------------------
@PROPERTY_SETTINGS
@given(aware_times, aware_times)
def test_an_age_from_epoch_microseconds_equals_the_datetime_arithmetic(now: datetime, occurred: datetime) -> None:
    activity = Activity("a1", "101", "meeting", occurred)

    assert (epoch_microseconds(now) - activity.epoch_us) / 1_000_000 == (now - occurred).total_seconds()


def test_a_naive_time_is_read_as_utc() -> None:
    naive = datetime(2026, 5, 1, 8, 30, 0, 250_000)

    assert epoch_microseconds(naive) == epoch_microseconds(naive.replace(tzinfo=UTC))


def test_activities_are_built_and_compared_as_before() -> None:
    first = Activity("a1", "101", "page_view", NOW, {"url": "/pricing"})
    moved = dataclasses.replace(first, occurred_at=NOW - timedelta(days=1))

    assert first == Activity("a1", "101", "page_view", NOW, {"url": "/pricing"})
    assert "epoch_us" not in repr(first)
    assert first.epoch_us - moved.epoch_us == 86_400_000_000


# -- output text -------------------------------------------------------------------------------------------------
def test_the_written_score_reason_is_score_reason_even_when_cut() -> None:
    long_names = tuple(FitRule(f"{'Rule ' * 20}{n}", "industry", Present(), 1) for n in range(8))
    model = QualificationModel(
        scoring=ScoringModel(
            fit_rules=long_names, engagement_rules=(EngagementRule("Meeting", frozenset({"meeting"}), 5),)
        )
    )

    evaluation = evaluate(person(industry="Software"), [did("meeting", 3)], None, model, NOW)

    assert evaluation.values["score_reason"] == score_reason(evaluation.score)
    assert evaluation.values["score_reason"].endswith("...")


# -- the model we ship ---------------------------------------------------------------------------------------------
PAGES = ("/", "/pricing", "/pricing/enterprise", "/demo", "/product", "/case-studies/acme", "/blog", "/careers")
FORMS = ("Request a demo", "Contact sales", "Newsletter", "Ebook: guide", "Webinar: scoring", "Whitepaper")
TITLES = ("VP Marketing", "Head of Growth", "Engineer", "Student", "CEO", "Marketing Manager", "Intern")
KINDS = ("page_view", "form_submission", "email_open", "email_click", "email_reply", "meeting", "call", "webinar")


def _activity(number: int, index: int, rng: random.Random) -> Activity:
    kind = rng.choice((*KINDS, "email_sent", "content_download", "postal_mail"))
    attributes = {
        "url": f"https://www.example.com{rng.choice(PAGES)}",
        "form": rng.choice(FORMS),
        "outcome": rng.choice(("COMPLETED", "SCHEDULED", "NO_SHOW")),
        "status": rng.choice(("COMPLETED", "BUSY")),
    }
    days = rng.choice((rng.uniform(-2, 400), 7.0, 30.0, 45.0, 60.0, 120.0, 365.0))
    return Activity(f"{number}-{index}", str(number), kind, NOW - timedelta(days=days), attributes)


def _person_and_state(number: int, model: QualificationModel, rng: random.Random) -> tuple[Contact, StageState | None]:
    fields = {
        "email": f"p{number}@{rng.choice(('acme.com', 'gmail.com', 'uni.edu', 'competitor.io'))}",
        "job_title": rng.choice(TITLES),
        "industry": rng.choice(("Software", "Retail", "Healthcare")),
        "employees": rng.choice(("1-5", "100-500", "1000+", "75", "lots")),
        "annual_revenue": rng.choice(("250000", "12000000", "$40,000,000")),
        "country": rng.choice(("US", "Germany", "Brazil")),
        "lifecycle_stage": rng.choice(("lead", "marketingqualifiedlead", "customer", "other")),
        "lead_status": rng.choice(("NEW", "CONNECTED", "BAD_TIMING", "UNQUALIFIED")),
    }
    contact = dataclasses.replace(person(**fields), id=str(number))
    seen = observe(contact, model.stages.signals).stage
    entered = {Stage.RAW: NOW - timedelta(days=300), Stage.MQL: NOW - timedelta(days=rng.uniform(1, 200))}
    previous = StageState(seen or Stage.RAW, entered, NOW - timedelta(days=20), seen) if rng.random() < 0.8 else None
    return contact, previous


def test_the_shipped_model_evaluates_a_crowd_exactly_as_before() -> None:
    model = next(iter(load_settings(EXAMPLE_CONFIG).portals.values())).model
    rng = random.Random(11)
    as_of = NOW.replace(minute=0)
    for number in range(400):
        contact, previous = _person_and_state(number, model, rng)
        activities = [_activity(number, index, rng) for index in range(rng.randint(0, 30))]

        expected = reference_evaluate(contact, activities, previous, model, NOW, as_of)

        assert evaluate(contact, activities, previous, model, NOW, as_of) == expected, contact.id
