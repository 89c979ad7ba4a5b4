"""Properties of score, grade and temperature that hold for any rules, people and activities (hypothesis)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from random import Random

from hypothesis import given, settings
from hypothesis import strategies as st

from leadstage.mapping.bant import CRITERIA, ActivityRule, BantModel, BantRule, Cutoffs, FieldRule, grade
from leadstage.mapping.conditions import BAND_MODES, Absent, Condition, Contains, Equals, OneOf, Present, Range, Regex
from leadstage.mapping.model import Activity, Contact
from leadstage.mapping.scoring import COMBINE_MODES, EngagementRule, FitRule, ScoringModel, score
from leadstage.mapping.temperature import TemperatureModel, Window, temperature
from tests.mapping.scoring_support import NOW, did, person

FIELDS = ("job_title", "industry", "employees", "email")
VALUES = (
    "VP Sales",
    "intern",
    "Software",
    "Retail",
    "100-500",
    "12",
    "1,000+",
    "25-50",
    "5,000 to 10,000",
    "ann@gmail.com",
    "",
    " ",
)
KINDS = ("page_view", "form_submission", "meeting", "email_open")
URLS = ("https://x.io/pricing", "https://x.io/blog", "/Pricing/enterprise", "")
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)

bounds = st.none() | st.floats(-100, 10_000, allow_nan=False)
ranges = st.tuples(bounds, bounds).filter(lambda ends: ends != (None, None) and (None in ends or ends[0] <= ends[1]))
conditions: st.SearchStrategy[Condition] = st.one_of(
    st.builds(Equals, st.sampled_from(VALUES)),
    st.builds(OneOf, st.lists(st.sampled_from(VALUES), min_size=1, max_size=3).map(tuple)),
    st.sampled_from([Regex.compile("(?i)vp|chief"), Regex.compile("@gmail"), Regex.compile("pricing")]),
    st.builds(lambda ends, band: Range(*ends, band=band), ranges, st.sampled_from(BAND_MODES)),
    st.just(Present()),
    st.just(Absent()),
    st.builds(Contains, st.sampled_from(("pricing", "a", "1"))),
)
points = st.floats(-60, 60, allow_nan=False)
positive_points = st.floats(0, 60, allow_nan=False)
half_lives = st.floats(0.5, 400)


def fit_rules() -> st.SearchStrategy[FitRule]:
    return st.builds(FitRule, st.sampled_from(("A", "B")), st.sampled_from(FIELDS), conditions, points)


def engagement_rules(rule_points: st.SearchStrategy[float]) -> st.SearchStrategy[EngagementRule]:
    return st.builds(
        EngagementRule,
        name=st.just("rule"),
        kinds=st.frozensets(st.sampled_from(KINDS), min_size=1, max_size=2),
        points=rule_points,
        where=st.just(()) | conditions.map(lambda condition: (("url", condition),)),
        cap=st.none() | st.floats(0.5, 100),
        half_life_days=st.none() | half_lives,
    )


def _named_apart(rules: list[EngagementRule]) -> tuple[EngagementRule, ...]:
    return tuple(dataclasses.replace(rule, name=f"rule {n}") for n, rule in enumerate(rules))


def scoring_models(rule_points: st.SearchStrategy[float] = points) -> st.SearchStrategy[ScoringModel]:
    return st.builds(
        ScoringModel,
        fit_rules=st.lists(fit_rules(), max_size=4).map(tuple),
        engagement_rules=st.lists(engagement_rules(rule_points), max_size=4).map(_named_apart),
        fit_weight=st.floats(0, 2),
        engagement_weight=st.floats(0, 2),
        half_life_days=half_lives,
        max_age_days=st.none() | st.floats(1, 800),
        combine=st.sampled_from(COMBINE_MODES),
    )


contacts = st.dictionaries(st.sampled_from(FIELDS), st.sampled_from(VALUES), max_size=4).map(
    lambda fields: person(**fields)
)
activities_ = st.builds(
    lambda kind, days_ago, url: did(kind, days_ago, url=url),
    st.sampled_from(KINDS),
    st.floats(-30, 900),
    st.sampled_from(URLS),
)
activity_lists = st.lists(activities_, max_size=12)
temperature_models = st.builds(
    TemperatureModel,
    hot=st.builds(Window, st.floats(0.5, 60), st.floats(0.5, 100), decayed=st.booleans()),
    warm=st.builds(Window, st.floats(0.5, 120), st.floats(0.5, 100), decayed=st.booleans()),
)


@PROPERTY_SETTINGS
@given(scoring_models(), contacts, activity_lists)
def test_score_is_always_an_int_from_0_to_100(
    model: ScoringModel, contact: Contact, activities: list[Activity]
) -> None:
    result = score(contact, activities, model, NOW)

    assert isinstance(result.score, int)
    assert 0 <= result.score <= 100
    assert 0 <= result.fit <= 100
    assert 0 <= result.engagement <= 100


@PROPERTY_SETTINGS
@given(scoring_models(positive_points), activity_lists, st.floats(0, 400))
def test_decayed_points_never_increase_as_now_moves_later(
    model: ScoringModel, activities: list[Activity], days_later: float
) -> None:
    earlier = score(person(), activities, model, NOW)
    later = score(person(), activities, model, NOW + timedelta(days=days_later))

    decayed_earlier = {c.rule: c for c in earlier.engagement_rules}
    for contribution in later.engagement_rules:
        assert contribution.decayed_points <= decayed_earlier[contribution.rule].decayed_points
    assert later.engagement <= earlier.engagement


@PROPERTY_SETTINGS
@given(scoring_models(positive_points), contacts, activity_lists, activities_)
def test_adding_an_activity_never_lowers_the_score_when_engagement_points_are_positive(
    model: ScoringModel, contact: Contact, activities: list[Activity], extra: Activity
) -> None:
    before = score(contact, activities, model, NOW)
    after = score(contact, [*activities, extra], model, NOW)

    assert after.engagement >= before.engagement
    assert after.score >= before.score


def bant_models() -> st.SearchStrategy[BantModel]:
    # Each criterion's field rules look at a field of their own, so making one hold cannot break another.
    def criterion(field: str) -> st.SearchStrategy[tuple[BantRule, ...]]:
        field_rule = st.builds(FieldRule, st.just(field), st.builds(Equals, st.sampled_from(VALUES)))
        activity_rule = st.builds(
            ActivityRule,
            kinds=st.frozensets(st.sampled_from(KINDS), min_size=1, max_size=2),
            where=st.sampled_from([(), (("url", Contains("pricing")),)]),
            within_days=st.none() | st.floats(1, 400),
            min_count=st.integers(1, 3),
        )
        return st.lists(field_rule | activity_rule, max_size=3).map(tuple)

    cutoffs = st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4)).map(
        lambda counts: Cutoffs(*sorted(counts, reverse=True))
    )
    return st.builds(
        BantModel,
        budget=criterion("budget_field"),
        authority=criterion("authority_field"),
        need=criterion("need_field"),
        timeline=criterion("timeline_field"),
        cutoffs=cutoffs,
    )


def made_to_hold(rule: BantRule, contact: Contact, activities: list[Activity]) -> tuple[Contact, list[Activity]]:
    if isinstance(rule, FieldRule):
        assert isinstance(rule.condition, Equals)
        fields = {**contact.fields, rule.field: rule.condition.text}
        return dataclasses.replace(contact, fields=fields), activities
    kind = sorted(rule.kinds)[0]
    return contact, [*activities, *(did(kind, 0, url="/pricing") for _ in range(rule.min_count))]


bant_contacts = st.dictionaries(
    st.sampled_from([f"{name}_field" for name in CRITERIA]), st.sampled_from(VALUES), max_size=4
).map(lambda fields: person(**fields))


@PROPERTY_SETTINGS
@given(bant_models(), bant_contacts, activity_lists, st.data())
def test_bant_grade_never_worsens_when_a_criterions_rule_is_made_to_hold(
    model: BantModel, contact: Contact, activities: list[Activity], data: st.DataObject
) -> None:
    rules = [rule for _, criterion_rules in model.criteria() for rule in criterion_rules]
    before = grade(contact, activities, model, NOW)
    if not rules:
        return
    rule = data.draw(st.sampled_from(rules))

    after = grade(*made_to_hold(rule, contact, activities), model, NOW)

    assert after.grade.at_least(before.grade)
    assert after.held >= before.held


@PROPERTY_SETTINGS
@given(scoring_models(), bant_models(), temperature_models, contacts, activity_lists, st.randoms())
def test_evaluation_is_deterministic_and_ignores_activity_order(
    scoring: ScoringModel,
    bant: BantModel,
    windows: TemperatureModel,
    contact: Contact,
    activities: list[Activity],
    random: Random,
) -> None:
    shuffled = list(activities)
    random.shuffle(shuffled)

    def evaluate(seen: list[Activity]) -> tuple[object, ...]:
        return (
            score(contact, seen, scoring, NOW),
            grade(contact, seen, bant, NOW),
            temperature(seen, scoring, windows, NOW),
        )

    assert evaluate(activities) == evaluate(activities)
    assert evaluate(shuffled) == evaluate(activities)


@PROPERTY_SETTINGS
@given(scoring_models(positive_points), temperature_models, activity_lists, st.floats(0, 400))
def test_window_points_never_increase_as_now_moves_later_decayed_or_not(
    model: ScoringModel, windows: TemperatureModel, activities: list[Activity], days_later: float
) -> None:
    earlier = temperature(activities, model, windows, NOW)
    later = temperature(activities, model, windows, NOW + timedelta(days=days_later))

    for before, after in zip(earlier.points_by_window, later.points_by_window, strict=True):
        assert after.points <= before.points
