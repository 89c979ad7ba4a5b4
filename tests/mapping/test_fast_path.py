"""The one-pass, memoised ``evaluate()`` gives exactly what the three separate passes gave before it.

The reference below is the previous implementation, rule by rule and activity by activity, with no compiled
plan and no memory of values seen: score, grade and temperature each look at every activity, ages come from
datetime arithmetic, and the output values from ``values``' own formatting functions.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadstage.mapping import bant, memo, scoring, temperature
from leadstage.mapping.bant import CRITERIA, BantModel, BantResult, CriterionResult, FieldRule
from leadstage.mapping.conditions import Contains, Equals, Range, Regex, where_holds
from leadstage.mapping.evaluate import Evaluation, QualificationModel, evaluate
from leadstage.mapping.model import Activity, Contact, Stage, StageState
from leadstage.mapping.scoring import (
    Clamp,
    EngagementContribution,
    EngagementRule,
    FitContribution,
    ScoreResult,
    ScoringModel,
)
from leadstage.mapping.stages import StageRules, decide
from leadstage.mapping.temperature import TemperatureModel, TemperatureResult, Window, WindowPoints, _decide
from leadstage.mapping.values import (
    SCORE_REASON_MAX_CHARS,
    STAGE_DATE_OUTPUTS,
    format_bool,
    format_datetime,
    format_number,
)
from tests.mapping.scoring_support import NOW, did, person
from tests.mapping.test_scoring_properties import (
    FIELDS,
    PROPERTY_SETTINGS,
    VALUES,
    bant_models,
    conditions,
    scoring_models,
    temperature_models,
)

KINDS = ("page_view", "form_submission", "meeting", "email_open", "call", "note")
URLS = ("https://x.io/pricing", "https://x.io/blog", "/Pricing/enterprise", "", "1,000")
STATUSES = ("COMPLETED", "completed", "NO_ANSWER")
# Ages and window lengths in days that meet exactly, so the boundaries are exercised.
DAYS = (0.0, 1.0, 7.0, 30.0, 90.0)


# -- the reference: the previous three-pass implementation ----------------------------------------------------
def _age(now: datetime, activity: Activity) -> float:
    return (now - activity.occurred_at).total_seconds()


def _capped(total: float, cap: float | None) -> float:
    return total if cap is None else max(-cap, min(total, cap))


def reference_score(
    contact: Contact, activities: Sequence[Activity], model: ScoringModel, now: datetime
) -> ScoreResult:
    fit_raw = 0.0
    fit_rules: list[FitContribution] = []
    for rule in model.fit_rules:
        value = contact.fields.get(rule.field)
        if rule.condition.holds(value):
            fit_raw += rule.points
            fit_rules.append(FitContribution(rule.name, rule.field, value, rule.points))
    max_age = math.inf if model.max_age_days is None else model.max_age_days * 86_400.0
    engagement_raw = 0.0
    contributions: list[EngagementContribution] = []
    for rule in model.engagement_rules:
        matched = [a for a in activities if rule.matches(a)]
        ages = sorted(max(_age(now, a), 0.0) for a in matched)
        ages = [age for age in ages if age <= max_age]
        if not ages:
            continue
        half_life = (rule.half_life_days or model.half_life_days) * 86_400.0
        factors = [0.5 ** (age / half_life) for age in ages]
        decayed = rule.points * sum(factors)
        counted = _capped(decayed, rule.cap)
        engagement_raw += counted
        contributions.append(
            EngagementContribution(
                rule.name,
                len(ages),
                rule.points * len(ages),
                decayed,
                counted,
                factors[-1],
                factors[0],
                rule.cap,
                counted != decayed,
            )
        )
    clamps: list[Clamp] = []

    def clamp(total: str, raw: float) -> float:
        if 0.0 <= raw <= 100.0:
            return raw
        clamped = min(max(raw, 0.0), 100.0)
        clamps.append(Clamp(total, raw, clamped))
        return clamped

    fit = clamp("fit", fit_raw)
    engagement = clamp("engagement", engagement_raw)
    total = clamp("score", model.fit_weight * fit + model.engagement_weight * engagement)
    return ScoreResult(math.floor(total + 0.5), fit, engagement, tuple(fit_rules), tuple(contributions), tuple(clamps))


def reference_grade(contact: Contact, activities: Sequence[Activity], model: BantModel, now: datetime) -> BantResult:
    results: list[CriterionResult] = []
    for name, rules in model.criteria():
        result = CriterionResult(name, False, "no rules configured")
        misses: list[str] = []
        for rule in rules:
            if isinstance(rule, FieldRule):
                value = contact.fields.get(rule.field)
                words = f"{rule.describe()}: saw {'no value' if value is None else repr(value)}"
                if rule.condition.holds(value):
                    result = CriterionResult(name, True, words)
                    break
                misses.append(words)
            else:
                found = sum(
                    1
                    for a in activities
                    if a.kind in rule.kinds
                    and _age(now, a) <= rule.within_seconds
                    and where_holds(rule.where, a.attributes)
                )
                if found >= rule.min_count:
                    result = CriterionResult(name, True, f"{found} {rule.describe()}")
                    break
                misses.append(f"{found} {rule.describe()}, needs {rule.min_count}")
        else:
            if rules:
                result = CriterionResult(name, False, "none held: " + "; ".join(misses))
        results.append(result)
    held = sum(1 for result in results if result.holds)
    return BantResult(model.cutoffs.grade_for(held), held, tuple(results))


def reference_temperature(
    activities: Sequence[Activity], model: ScoringModel, windows: TemperatureModel, now: datetime
) -> TemperatureResult:
    hot_limit, warm_limit = windows.hot.within_days * 86_400.0, windows.warm.within_days * 86_400.0
    hot_points = warm_points = 0.0
    for rule in model.engagement_rules:
        ages = [max(_age(now, a), 0.0) for a in activities if rule.matches(a)]
        hot = sum(1 for age in ages if age <= hot_limit)
        warm = sum(1 for age in ages if age <= warm_limit)
        if hot or warm:
            hot_points += _capped(rule.points * hot, rule.cap)
            warm_points += _capped(rule.points * warm, rule.cap)
    found = (
        WindowPoints("hot", windows.hot.within_days, windows.hot.min_points, hot_points),
        WindowPoints("warm", windows.warm.within_days, windows.warm.min_points, warm_points),
    )
    return TemperatureResult(*_decide(found), found)


def reference_reason(result: ScoreResult) -> str:
    fit = ", ".join(f"{rule.rule} {rule.points:+g}" for rule in result.fit_rules)
    engagement = ", ".join(f"{rule.rule} x{rule.activities}" for rule in result.engagement_rules)
    text = "; ".join(
        [f"fit: {fit}" if fit else "fit: none", f"engagement: {engagement}" if engagement else "engagement: none"]
    )
    return text if len(text) <= SCORE_REASON_MAX_CHARS else text[: SCORE_REASON_MAX_CHARS - 3] + "..."


def reference_evaluate(
    contact: Contact,
    activities: Sequence[Activity],
    previous: StageState | None,
    model: QualificationModel,
    now: datetime,
    as_of: datetime,
) -> Evaluation:
    scored = reference_score(contact, activities, model.scoring, as_of)
    graded = reference_grade(contact, activities, model.bant, as_of)
    heat = reference_temperature(activities, model.scoring, model.temperature, as_of)
    last = max((a.occurred_at for a in activities), default=None)
    decision = decide(contact, previous, scored.score, graded.grade, last, model.stages, now)
    values = {
        "score": format_number(scored.score),
        "fit_score": format_number(round(scored.fit)),
        "engagement_score": format_number(round(scored.engagement)),
        "grade": graded.grade.value,
        "temperature": heat.temperature.value,
        "funnel_stage": decision.stage.value,
        "sla_breached": format_bool(decision.sla_breached),
        "score_reason": reference_reason(scored),
    }
    for stage, output in STAGE_DATE_OUTPUTS.items():
        entered = decision.state.entered_at(stage)
        if entered is not None:
            values[output] = format_datetime(entered)
    return Evaluation(contact.id, scored, graded, heat, decision, values, frozenset())


# -- random people, activities and models ---------------------------------------------------------------------
_ids = itertools.count(1)


def _activity(kind: str, days_ago: float, url: str, status: str | None) -> Activity:
    attributes = {"url": url} if status is None else {"url": url, "status": status}
    return Activity(f"f{next(_ids)}", "101", kind, NOW - timedelta(days=days_ago), attributes)


activity_lists = st.lists(
    st.builds(
        _activity,
        st.sampled_from(KINDS),
        st.sampled_from(DAYS) | st.sampled_from(DAYS) | st.floats(-30, 900),
        st.sampled_from(URLS),
        st.none() | st.sampled_from(STATUSES),
    ),
    max_size=25,
)
# Engagement rules that read one attribute, two, or none, so every way the pass reads activities is exercised.
wheres = st.sampled_from(
    [
        (),
        (("url", Contains("pricing")),),
        (("status", Equals("completed")),),
        (("url", Contains("pricing")), ("status", Equals("completed"))),
        (("url", Range(min=1)),),
    ]
) | conditions.map(lambda condition: (("url", condition),))


def _with_wheres(model: ScoringModel, chosen: list[tuple[tuple[str, object], ...]]) -> ScoringModel:
    rules = tuple(
        dataclasses.replace(rule, where=where, kinds=rule.kinds | {"call"})  # type: ignore[arg-type]
        for rule, where in zip(model.engagement_rules, chosen, strict=False)
    )
    return dataclasses.replace(model, engagement_rules=rules + model.engagement_rules[len(rules) :])


scorings = st.builds(_with_wheres, scoring_models(), st.lists(wheres, max_size=4))
lengths = st.sampled_from(DAYS[1:]) | st.sampled_from(DAYS[1:]) | st.floats(0.5, 400)
windows = st.builds(
    TemperatureModel,
    hot=st.builds(Window, lengths, st.floats(0.5, 60)),
    warm=st.builds(Window, lengths, st.floats(0.5, 60)),
)


def _criterion(field: str) -> st.SearchStrategy[tuple[bant.BantRule, ...]]:
    field_rule = st.builds(FieldRule, st.just(field), conditions)
    activity_rule = st.builds(
        bant.ActivityRule,
        kinds=st.frozensets(st.sampled_from(KINDS), min_size=1, max_size=2),
        where=wheres,
        within_days=st.none() | lengths,
        min_count=st.integers(1, 3),
    )
    return st.lists(field_rule | activity_rule, max_size=3).map(tuple)


bants = (
    st.builds(
        BantModel,
        budget=_criterion("employees"),
        authority=_criterion("job_title"),
        need=_criterion("need_field"),
        timeline=_criterion("timeline_field"),
    )
    | bant_models()
)
models = st.builds(
    QualificationModel,
    scoring=scorings,
    bant=bants,
    temperature=windows | windows | temperature_models,
    stages=st.builds(StageRules, mql_threshold=st.integers(0, 100)),
)
previous_states = st.none() | st.builds(
    StageState,
    stage=st.sampled_from([Stage.RAW, Stage.MQL, Stage.RECYCLED]),
    entered=st.just({Stage.RAW: NOW - timedelta(days=200), Stage.MQL: NOW - timedelta(days=100, hours=3)}),
    recycled_at=st.just(NOW - timedelta(days=50)),
)
# Contacts with the fields the fit rules and the BANT rules of the models above look at.
people = st.dictionaries(
    st.sampled_from([*FIELDS, *(f"{name}_field" for name in CRITERIA)]), st.sampled_from(VALUES), max_size=8
).map(lambda fields: person(**fields))
as_ofs = st.sampled_from([NOW, NOW - timedelta(minutes=37, microseconds=123_457), NOW + timedelta(days=3)])


# -- the specification -------------------------------------------------------------------------------------------
@settings(PROPERTY_SETTINGS, max_examples=300)
@given(models, people, activity_lists, previous_states, as_ofs)
def test_evaluate_gives_exactly_what_the_three_separate_passes_gave(
    model: QualificationModel,
    contact: Contact,
    activities: list[Activity],
    previous: StageState | None,
    as_of: datetime,
) -> None:
    expected = reference_evaluate(contact, activities, previous, model, NOW, as_of)

    assert evaluate(contact, activities, previous, model, NOW, as_of) == expected
    assert evaluate(contact, activities, previous, model, NOW, as_of) == expected  # again, values remembered


@PROPERTY_SETTINGS
@given(models, people, activity_lists)
def test_score_grade_and_temperature_alone_equal_the_reference(
    model: QualificationModel, contact: Contact, activities: list[Activity]
) -> None:
    assert scoring.score(contact, activities, model.scoring, NOW) == reference_score(
        contact, activities, model.scoring, NOW
    )
    assert bant.grade(contact, activities, model.bant, NOW) == reference_grade(contact, activities, model.bant, NOW)
    assert temperature.temperature(activities, model.scoring, model.temperature, NOW) == reference_temperature(
        activities, model.scoring, model.temperature, NOW
    )


@PROPERTY_SETTINGS
@given(models, st.lists(st.tuples(people, activity_lists), min_size=1, max_size=6), st.randoms())
def test_results_do_not_depend_on_what_the_memos_hold(
    model: QualificationModel, crowd: list[tuple[Contact, list[Activity]]], random: Random
) -> None:
    evaluated = [evaluate(contact, activities, None, model, NOW) for contact, activities in crowd]
    order = list(range(len(crowd)))
    random.shuffle(order)

    with pytest.MonkeyPatch.context() as patch:
        # Memos that hold one value at most: each person pushes the values of the one before out.
        patch.setattr(memo, "MEMO_LIMIT", 1)
        again = {n: evaluate(*crowd[n], None, model, NOW) for n in order}

    assert [again[n] for n in range(len(crowd))] == evaluated


def test_rules_that_look_for_the_same_activities_share_one_matcher() -> None:
    pricing = (("url", Contains("/pricing")),)
    model = QualificationModel(
        scoring=ScoringModel(
            engagement_rules=(EngagementRule("Pricing", frozenset({"page_view"}), 10, where=pricing),)
        ),
        bant=BantModel(need=(bant.ActivityRule(frozenset({"page_view"}), where=pricing, within_days=30),)),
    )

    assert len(model.compiled.activities.matchers) == 1


def test_activities_of_a_kind_no_rule_knows_are_ignored() -> None:
    model = QualificationModel(scoring=ScoringModel(engagement_rules=(EngagementRule("Any", frozenset({"call"}), 10),)))
    activities = [did("postal_mail", 1), did("call", 1), did("postal_mail", 2)]

    result = evaluate(person(), activities, None, model, NOW)

    assert result.score.engagement_rules[0].activities == 1
    assert result == reference_evaluate(person(), activities, None, model, NOW, NOW)


def test_a_fit_value_seen_again_gives_the_same_explanation() -> None:
    model = QualificationModel(
        scoring=ScoringModel(fit_rules=(scoring.FitRule("Senior", "job_title", Regex.compile("(?i)vp"), 30),))
    )

    first = evaluate(person(job_title="VP Sales"), [], None, model, NOW)
    second = evaluate(person(job_title="VP Sales"), [], None, model, NOW)

    assert first.score.fit_rules == second.score.fit_rules == (FitContribution("Senior", "job_title", "VP Sales", 30),)


@pytest.mark.parametrize("days", [[7.0], [30.0], [7.0, 30.0], [30.0, 90.0], [90.0], [0.0, 90.0001]])
def test_activities_exactly_at_a_window_edge_count_as_before(days: list[float]) -> None:
    meeting = EngagementRule("Meeting", frozenset({"meeting"}), 15, cap=20)
    model = QualificationModel(
        scoring=ScoringModel(engagement_rules=(meeting,), max_age_days=90),
        bant=BantModel(timeline=(bant.ActivityRule(frozenset({"meeting"}), within_days=30, min_count=2),)),
        temperature=TemperatureModel(hot=Window(7, 10), warm=Window(30, 20)),
    )
    activities = [did("meeting", day) for day in days]

    assert evaluate(person(), activities, None, model, NOW) == reference_evaluate(
        person(), activities, None, model, NOW, NOW
    )


def test_the_latest_activity_is_the_first_of_equal_instants_as_before() -> None:
    instant = datetime(2026, 5, 31, 20, 0, tzinfo=UTC)
    late_evening = Activity("a1", "101", "meeting", instant)
    next_morning_in_sydney = Activity("a2", "101", "meeting", instant.astimezone(timezone(timedelta(hours=10))))
    recycled = StageState(Stage.RECYCLED, {Stage.RECYCLED: NOW - timedelta(days=30)}, NOW - timedelta(days=30))
    model = QualificationModel(stages=StageRules(mql_threshold=0))

    for activities in ([late_evening, next_morning_in_sydney], [next_morning_in_sydney, late_evening]):
        expected = reference_evaluate(person(), activities, recycled, model, NOW, NOW)

        assert evaluate(person(), activities, recycled, model, NOW) == expected
