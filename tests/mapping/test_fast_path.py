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

from leadstage.mapping import bant, groups, memo, scoring, temperature
from leadstage.mapping.bant import CRITERIA, BantModel, BantResult, CriterionResult, FieldRule
from leadstage.mapping.conditions import Contains, Equals, Range, Regex, where_holds
from leadstage.mapping.evaluate import Evaluation, QualificationModel, evaluate
from leadstage.mapping.model import Activity, Contact, Grade, Stage, StageState
from leadstage.mapping.scoring import (
    Clamp,
    EngagementContribution,
    EngagementRule,
    FitContribution,
    ScoreResult,
    ScoringModel,
)
from leadstage.mapping.stages import HandRaise, StageRules, decide
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
    points,
    scoring_models,
    temperature_models,
)

KINDS = ("page_view", "form_submission", "meeting", "email_open", "call", "note")
URLS = ("https://x.io/pricing", "https://x.io/blog", "/Pricing/enterprise", "", "1,000")
STATUSES = ("COMPLETED", "completed", "NO_ANSWER")
# Ages and window lengths in days that meet exactly, so the boundaries are exercised.
DAYS = (0.0, 1.0, 7.0, 30.0, 90.0)


# -- the reference: the previous three-pass implementation, grown with the model ------------------------------
# Rule by rule, with no compiled plan: conditions, groups and references are evaluated by walking them and looking
# rules up by name, every time.
def _age(now: datetime, activity: Activity) -> float:
    return (now - activity.occurred_at).total_seconds()


def _capped(total: float, cap: float | None) -> float:
    return total if cap is None else max(-cap, min(total, cap))


def _yes(holds: bool) -> str:
    return "yes" if holds else "no"


class _Person:
    """One person as the reference sees them: fields, activities, the scoring model, the moment."""

    def __init__(self, contact: Contact, activities: Sequence[Activity], model: ScoringModel, now: datetime) -> None:
        self.fields = contact.fields
        self.activities = activities
        self.model = model
        self.now = now

    def fit_rule(self, name: str) -> scoring.AnyFitRule | None:
        return next((rule for rule in self.model.fit_rules if rule.name == name), None)

    def engagement_rule(self, name: str) -> EngagementRule:
        return next(rule for rule in self.model.engagement_rules if rule.name == name)

    def max_age(self) -> float:
        return math.inf if self.model.max_age_days is None else self.model.max_age_days * 86_400.0

    def counted_ages(self, rule: EngagementRule) -> list[float]:
        return sorted(
            age
            for age in (max(_age(self.now, a), 0.0) for a in self.activities if rule.matches(a))
            if age <= self.max_age()
        )

    def tier(self, rule: scoring.AnyFitRule) -> int | None:
        for position, (_, clause) in enumerate(scoring.rule_tiers(rule)):
            if self.holds(clause):
                return position
        return None

    def holds(self, clause: groups.Clause) -> bool:
        if isinstance(clause, groups.FieldTest):
            return clause.condition.holds(self.fields.get(clause.field))
        if isinstance(clause, groups.AllOf):
            return all(self.holds(part) for part in clause.parts)
        if isinstance(clause, groups.AnyOf):
            return any(self.holds(part) for part in clause.parts)
        if isinstance(clause, groups.Not):
            return not self.holds(clause.part)
        rule = self.fit_rule(clause.name)
        if rule is None:
            return bool(self.counted_ages(self.engagement_rule(clause.name)))
        position = self.tier(rule)
        if position is None:
            return False
        return not clause.tiers or scoring.rule_tiers(rule)[position][0] in clause.tiers

    def trace(self, clause: groups.Clause) -> str:
        if isinstance(clause, groups.FieldTest):
            value = self.fields.get(clause.field)
            reading = clause.condition.reading(value) if isinstance(clause.condition, Range) else None
            seen = ("(no value)" if value is None else repr(value)) + (f" ({reading})" if reading else "")
            return f"{clause.field} {seen} {clause.condition.describe()}: {_yes(self.holds(clause))}"
        if isinstance(clause, groups.AllOf | groups.AnyOf):
            word = "all of" if isinstance(clause, groups.AllOf) else "any of"
            return f"{word} [{'; '.join(self.trace(part) for part in clause.parts)}]: {_yes(self.holds(clause))}"
        if isinstance(clause, groups.Not):
            return f"not [{self.trace(clause.part)}]: {_yes(self.holds(clause))}"
        rule = self.fit_rule(clause.name)
        if rule is None:
            return f"rule {clause.name!r} counted: {_yes(self.holds(clause))}"
        tiers = scoring.rule_tiers(rule)
        position = self.tier(rule)
        if position is None:
            inner = "no tier held" if tiers[0][0] is not None else self.trace(tiers[0][1])
        else:
            name, chosen = tiers[position]
            inner = (f"tier {name}: " if name is not None else "") + self.trace(chosen)
        only = ""
        if clause.tiers:
            only = " in tiers " + ", ".join(str(name) for name, _ in tiers if name in clause.tiers)
        return f"rule {clause.name!r}{only} [{inner}]: {_yes(self.holds(clause))}"

    def fields_read(self, clause: groups.Clause) -> list[str]:
        if isinstance(clause, groups.FieldTest):
            return [clause.field]
        if isinstance(clause, groups.AllOf | groups.AnyOf):
            parts = [self.fields_read(part) for part in clause.parts]
        elif isinstance(clause, groups.Not):
            parts = [self.fields_read(clause.part)]
        else:
            rule = self.fit_rule(clause.name)
            parts = [] if rule is None else [self.fields_read(tier) for _, tier in scoring.rule_tiers(rule)]
        read: list[str] = []
        for names in parts:
            read += [name for name in names if name not in read]
        return read


def reference_fit(person: _Person) -> tuple[float, list[FitContribution]]:
    total = 0.0
    fired: list[FitContribution] = []
    for rule in person.model.fit_rules:
        position = person.tier(rule)
        if position is None:
            continue
        tier, clause = scoring.rule_tiers(rule)[position]
        points = scoring.rule_points(rule)[position]
        if isinstance(rule, scoring.FitRule):
            value = person.fields.get(rule.field)
            detail = rule.condition.reading(value) if isinstance(rule.condition, Range) else None
            fired.append(FitContribution(rule.name, rule.field, value, points, None, detail))
        else:
            read: list[str] = []
            for _, each in scoring.rule_tiers(rule):
                read += [name for name in person.fields_read(each) if name not in read]
            value = person.fields.get(read[0]) if len(read) == 1 else None
            fired.append(FitContribution(rule.name, ", ".join(read), value, points, tier, person.trace(clause)))
        total += points
    return total, fired


def reference_score(
    contact: Contact, activities: Sequence[Activity], model: ScoringModel, now: datetime
) -> ScoreResult:
    fit_raw, fit_rules = reference_fit(_Person(contact, activities, model, now))
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

    def clamp(total: str, raw: float, record: bool = True) -> float:
        if 0.0 <= raw <= 100.0:
            return raw
        clamped = min(max(raw, 0.0), 100.0)
        if record:
            clamps.append(Clamp(total, raw, clamped))
        return clamped

    if model.combine == "net":
        total = clamp("score", model.fit_weight * fit_raw + model.engagement_weight * engagement_raw)
        fit, engagement = clamp("fit", fit_raw, record=False), clamp("engagement", engagement_raw, record=False)
    else:
        fit = clamp("fit", fit_raw)
        engagement = clamp("engagement", engagement_raw)
        total = clamp("score", model.fit_weight * fit + model.engagement_weight * engagement)
    return ScoreResult(
        math.floor(total + 0.5),
        fit,
        engagement,
        tuple(fit_rules),
        tuple(contributions),
        tuple(clamps),
        fit_raw,
        engagement_raw,
        model.combine,
    )


def reference_grade(
    contact: Contact,
    activities: Sequence[Activity],
    model: BantModel,
    now: datetime,
    scoring_model: ScoringModel | None = None,
) -> BantResult:
    person = _Person(contact, activities, scoring_model or ScoringModel(), now)
    results: list[CriterionResult] = []
    for name, rules in model.criteria():
        result = CriterionResult(name, False, "no rules configured")
        misses: list[str] = []
        for rule in rules:
            if isinstance(rule, bant.BantRef) and person.fit_rule(rule.name) is not None:
                rule = bant.ClauseRule(groups.RuleRef(rule.name, rule.tiers))
            elif isinstance(rule, bant.BantRef):
                named = person.engagement_rule(rule.name)
                within = rule.within_days if rule.within_days is not None else person.model.max_age_days
                rule = bant.ActivityRule(named.kinds, named.where, within, rule.min_count, rule.name)
            if isinstance(rule, FieldRule):
                value = contact.fields.get(rule.field)
                words = f"{rule.describe()}: saw {'no value' if value is None else repr(value)}"
                if rule.condition.holds(value):
                    result = CriterionResult(name, True, words)
                    break
                misses.append(words)
            elif isinstance(rule, bant.ClauseRule):
                words = person.trace(rule.clause)
                if person.holds(rule.clause):
                    result = CriterionResult(name, True, words)
                    break
                misses.append(words)
            else:
                assert isinstance(rule, bant.ActivityRule)
                found = sum(
                    1
                    for a in activities
                    if a.kind in rule.kinds
                    and _age(now, a) <= rule.within_seconds
                    and where_holds(rule.where, a.attributes)
                )
                if found >= rule.min_count:
                    result = CriterionResult(name, True, rule.counted(found))
                    break
                misses.append(f"{rule.counted(found)}, needs {rule.min_count}")
        else:
            if rules:
                result = CriterionResult(name, False, "none held: " + "; ".join(misses))
        results.append(result)
    held = sum(1 for result in results if result.holds)
    return BantResult(model.cutoffs.grade_for(held), held, tuple(results))


def reference_temperature(
    activities: Sequence[Activity], model: ScoringModel, windows: TemperatureModel, now: datetime
) -> TemperatureResult:
    def points(window: Window) -> float:
        limit = window.within_days * 86_400.0
        total = 0.0
        for rule in model.engagement_rules:
            if window.rules is not None and rule.name not in window.rules:
                continue
            ages = [max(_age(now, a), 0.0) for a in activities if rule.matches(a)]
            within = [age for age in ages if age <= limit]
            if not within:
                continue
            if window.decayed:
                half_life = (rule.half_life_days or model.half_life_days) * 86_400.0
                total += _capped(rule.points * sum(0.5 ** (age / half_life) for age in sorted(within)), rule.cap)
            else:
                total += _capped(rule.points * len(within), rule.cap)
        return math.floor(total * 10) / 10 if window.decayed else total

    hot, warm = windows.hot, windows.warm
    found = (
        WindowPoints("hot", hot.within_days, hot.min_points, points(hot), hot.decayed, hot.rules),
        WindowPoints("warm", warm.within_days, warm.min_points, points(warm), warm.decayed, warm.rules),
    )
    return TemperatureResult(*_decide(found), found)


def reference_reason(result: ScoreResult) -> str:
    fit = ", ".join(
        f"{rule.rule} {rule.points:+g}" if rule.tier is None else f"{rule.rule}: {rule.tier} {rule.points:+g}"
        for rule in result.fit_rules
    )
    engagement = ", ".join(f"{rule.rule} x{rule.activities}" for rule in result.engagement_rules)
    text = "; ".join(
        [f"fit: {fit}" if fit else "fit: none", f"engagement: {engagement}" if engagement else "engagement: none"]
    )
    return text if len(text) <= SCORE_REASON_MAX_CHARS else text[: SCORE_REASON_MAX_CHARS - 3] + "..."


def reference_hand_raise(
    contact: Contact, activities: Sequence[Activity], model: QualificationModel, fit: float, as_of: datetime
) -> HandRaise | None:
    person = _Person(contact, activities, model.scoring, as_of)
    for name in model.stages.mql_rules:
        rule = person.fit_rule(name)
        if rule is not None:
            if person.tier(rule) is not None:
                return HandRaise(name, None, fit)
            continue
        engagement = person.engagement_rule(name)
        ages = [
            max(as_of - a.occurred_at, timedelta(0))
            for a in activities
            if engagement.matches(a) and max(_age(as_of, a), 0.0) <= person.max_age()
        ]
        if ages:
            return HandRaise(name, as_of - min(ages), fit)
    return None


def reference_evaluate(
    contact: Contact,
    activities: Sequence[Activity],
    previous: StageState | None,
    model: QualificationModel,
    now: datetime,
    as_of: datetime,
) -> Evaluation:
    scored = reference_score(contact, activities, model.scoring, as_of)
    graded = reference_grade(contact, activities, model.bant, as_of, model.scoring)
    heat = reference_temperature(activities, model.scoring, model.temperature, as_of)
    last = max((a.occurred_at for a in activities), default=None)
    raised = reference_hand_raise(contact, activities, model, scored.fit_raw, as_of)
    decision = decide(contact, previous, scored.score, graded.grade, last, model.stages, now, raised)
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
plain_models = st.builds(
    QualificationModel,
    scoring=scorings,
    bant=bants,
    temperature=windows | windows | temperature_models,
    stages=st.builds(StageRules, mql_threshold=st.integers(0, 100)),
)


# -- models with groups, tiers and references -------------------------------------------------------------------
def _clauses(refs: list[st.SearchStrategy[groups.Clause]]) -> st.SearchStrategy[groups.Clause]:
    """Clauses on the people's fields, nested up to a few levels, some naming the rules of ``refs``."""
    leaves = st.builds(groups.FieldTest, st.sampled_from(FIELDS), conditions)
    if refs:
        leaves = leaves | st.one_of(*refs)
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda parts: groups.AllOf(tuple(parts))),
            st.lists(inner, min_size=1, max_size=3).map(lambda parts: groups.AnyOf(tuple(parts))),
            inner.map(groups.Not),
        ),
        max_leaves=4,
    )


def _references(rules: Sequence[scoring.AnyFitRule], engagement: Sequence[str]) -> list[st.SearchStrategy]:
    refs: list[st.SearchStrategy[groups.RuleRef]] = [st.just(groups.RuleRef(name)) for name in engagement]
    for rule in rules:
        if isinstance(rule, scoring.FitTiers):
            names = [tier.name for tier in rule.tiers]
            chosen = st.lists(st.sampled_from(names), max_size=2, unique=True).map(tuple)
            refs.append(st.builds(groups.RuleRef, st.just(rule.name), chosen))
        else:
            refs.append(st.just(groups.RuleRef(rule.name)))
    return refs


@st.composite
def grouped_scorings(draw: st.DrawFn) -> ScoringModel:
    """A scoring model whose fit rules include groups and tiers, inserted anywhere, naming only rules before them
    (and engagement rules), so no rule refers to itself."""
    model = draw(scorings)
    engagement = [rule.name for rule in model.engagement_rules]
    rules = list(model.fit_rules)
    for number in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(rules)))
        clauses = _clauses(_references(rules[:at], engagement))
        if draw(st.booleans()):
            rule: scoring.AnyFitRule = scoring.FitGroup(f"G{number}", draw(clauses), draw(points))
        else:
            count = draw(st.integers(1, 3))
            tiers = tuple(scoring.Tier(f"t{n}", draw(clauses), draw(points)) for n in range(count))
            rule = scoring.FitTiers(f"T{number}", tiers)
        rules.insert(at, rule)
    return dataclasses.replace(model, fit_rules=tuple(rules))


@st.composite
def grouped_models(draw: st.DrawFn) -> QualificationModel:
    """Models using every kind of reference: groups and tiers in fit rules, BANT rules naming scoring rules or made
    of groups, temperature windows counting some rules (decayed or not), hand-raiser rules."""
    model = draw(grouped_scorings())
    engagement = [rule.name for rule in model.engagement_rules]
    fit_names = [rule.name for rule in model.fit_rules]
    clauses = _clauses(_references(model.fit_rules, engagement))

    def criterion() -> st.SearchStrategy[tuple[bant.BantRule, ...]]:
        named_fit = st.builds(bant.BantRef, st.sampled_from(fit_names))
        tiered = [rule for rule in model.fit_rules if isinstance(rule, scoring.FitTiers)]
        choices: list[st.SearchStrategy[bant.BantRule]] = [named_fit, clauses.map(bant.ClauseRule)]
        if tiered:
            chosen = st.sampled_from(tiered).flatmap(
                lambda rule: st.builds(
                    bant.BantRef,
                    st.just(rule.name),
                    st.lists(st.sampled_from([tier.name for tier in rule.tiers]), min_size=1, unique=True).map(tuple),
                )
            )
            choices.append(chosen)
        if engagement:
            choices.append(
                st.builds(
                    bant.BantRef,
                    st.sampled_from(engagement),
                    within_days=st.none() | lengths,
                    min_count=st.integers(1, 3),
                )
            )
        return st.lists(st.one_of(*choices), max_size=3).map(tuple)

    grades = st.builds(BantModel, budget=criterion(), authority=criterion(), need=criterion(), timeline=criterion())
    named = (
        (st.none() | st.lists(st.sampled_from(engagement), min_size=1, unique=True).map(tuple))
        if engagement
        else st.none()
    )
    window = st.builds(Window, lengths, st.floats(0.5, 60), rules=named, decayed=st.booleans())
    hand_raisers = st.lists(st.sampled_from([*fit_names, *engagement]), max_size=3, unique=True).map(tuple)
    stages = st.builds(
        StageRules,
        mql_threshold=st.integers(0, 100),
        mql_min_grade=st.none() | st.sampled_from(list(Grade)),
        mql_rules=hand_raisers,
        mql_rules_skip_grade=st.booleans(),
        mql_rules_min_fit=st.sampled_from([0.0, -math.inf, 15.0]),
    )
    return QualificationModel(
        scoring=model,
        bant=draw(grades),
        temperature=draw(st.builds(TemperatureModel, hot=window, warm=window)),
        stages=draw(stages),
    )


models = plain_models | grouped_models()
previous_states = st.none() | st.builds(
    StageState,
    stage=st.sampled_from([Stage.RAW, Stage.MQL, Stage.RECYCLED]),
    entered=st.just({Stage.RAW: NOW - timedelta(days=200), Stage.MQL: NOW - timedelta(days=100, hours=3)}),
    recycled_at=st.sampled_from([NOW - timedelta(days=50), NOW - timedelta(days=2), None]),
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
    assert bant.grade(contact, activities, model.bant, NOW, scoring=model.scoring) == reference_grade(
        contact, activities, model.bant, NOW, model.scoring
    )
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
