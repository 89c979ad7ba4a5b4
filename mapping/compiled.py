"""A qualification model compiled for ``evaluate()``: one pass over the activities serves every rule.

The engagement rules and the BANT activity rules share one activity plan (equal matchers merged), so each
activity is looked at once for score, grade and temperature together. This is the one place a qualification
model is compiled, and so the one place rules are looked up by name: a BANT rule, a group condition, a
temperature window or a stage's hand-raiser rule naming a fit or engagement rule is resolved here into that
rule's own compiled condition or matcher (``groups.RuleResolver``); unknown names and rules referring to
themselves are ValueErrors. ``scoring.score``, ``bant.grade`` and ``temperature.temperature`` compile their part
on each call, for tests and benchmarks.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import NamedTuple

from .activities import ActivityPlan, MatcherAges, compile_matchers
from .bant import BantModel, BantPlan, compile_bant, resolve_references
from .groups import Check, RuleRef, check_key
from .memo import BoundedMemo
from .scoring import ScoringModel, ScoringPlan, compile_scoring
from .stages import HandRaise, StageRules
from .temperature import TemperatureModel, TemperaturePlan, compile_temperature


class HandRaiserRule(NamedTuple):
    """One of the stages' ``mql_rules`` ready to run: an engagement rule's matcher position (``slot``), or a fit
    rule's compiled condition (``check``, its outcome remembered per value seen)."""

    name: str
    slot: int
    check: Check | None
    outcomes: BoundedMemo[object, bool]


class HandRaiserPlan(NamedTuple):
    """The stages' ``mql_rules`` in order; an engagement rule holds when it matched an activity within
    ``max_age_s``."""

    rules: tuple[HandRaiserRule, ...]
    max_age_s: float


class CompiledModel(NamedTuple):
    """The rules of a scoring, BANT and temperature model, ready for one pass per person."""

    activities: ActivityPlan
    scoring: ScoringPlan
    bant: BantPlan
    temperature: TemperaturePlan
    hand_raisers: HandRaiserPlan = HandRaiserPlan((), 0.0)


def compile_model(
    scoring: ScoringModel, bant: BantModel, temperature: TemperatureModel, stages: StageRules | None = None
) -> CompiledModel:
    """The models compiled together, their activity rules sharing one activity plan, every reference to a rule
    resolved. ValueError for a reference to no rule, or a rule referring to itself."""
    bant = resolve_references(bant, scoring)
    activities, (engagement_slots, bant_slots) = compile_matchers([scoring.matchers(), bant.matchers()])
    resolver = scoring.resolver(engagement_slots)
    hand_raisers: list[HandRaiserRule] = []
    for name in stages.mql_rules if stages is not None else ():
        check = resolver.reference(RuleRef(name))
        slot = resolver.engagement_slot(name)
        if slot is not None:
            hand_raisers.append(HandRaiserRule(name, slot, None, BoundedMemo()))
        else:
            hand_raisers.append(HandRaiserRule(name, -1, check, BoundedMemo()))
    return CompiledModel(
        activities,
        compile_scoring(scoring, engagement_slots, resolver),
        compile_bant(bant, bant_slots, resolver),
        compile_temperature(temperature, [rule.name for rule in scoring.engagement_rules]),
        HandRaiserPlan(tuple(hand_raisers), scoring.max_age_s),
    )


def hand_raise(
    plan: HandRaiserPlan, fields: Mapping[str, str], found: MatcherAges, fit: float, as_of: datetime
) -> HandRaise | None:
    """The first of the hand-raiser rules that holds for a person, when its latest activity happened (ages are
    seconds before ``as_of``), and the person's ``fit``; None when none holds."""
    max_age_s = plan.max_age_s
    for name, slot, check, outcomes in plan.rules:
        if check is None:
            ages = found[slot]
            if ages is not None and ages[0] <= max_age_s:
                return HandRaise(name, as_of - timedelta(microseconds=round(ages[0] * 1_000_000)), fit)
            continue
        key = check_key(check, fields, found, max_age_s)
        holds = outcomes.get(key)
        if holds is None:
            holds = outcomes.remember(key, check.holds(fields, found))
        if holds:
            return HandRaise(name, None, fit)
    return None
