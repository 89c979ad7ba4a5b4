"""BANT grade: how many of Budget, Authority, Need and Timeline hold for a person, as grade A, B, C or D.

Each criterion is a set of rules and holds when any of its rules holds. A rule looks at a contact field
(``annual_revenue`` at least 5,000,000) or at activities (a demo form in the last 90 days). The config's
cut-offs turn the number of criteria that hold into a grade.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, TypeAlias

from .activities import Matcher, MatcherAges, compile_matchers
from .conditions import Condition, Where, describe_where
from .memo import BoundedMemo
from .model import Activity, Contact, Grade, epoch_microseconds
from .scoring import DEFAULT_MAX_FUTURE_DAYS, SECONDS_PER_DAY, max_future_us

CRITERIA: tuple[str, ...] = ("budget", "authority", "need", "timeline")


def _seen(value: str | None) -> str:
    return "no value" if value is None else repr(value)


def _days(days: float) -> str:
    return f"{days:g} day" if days == 1 else f"{days:g} days"


@dataclass(frozen=True, slots=True)
class FieldRule:
    """Holds when the contact's ``field`` meets ``condition``."""

    field: str
    condition: Condition

    def describe(self) -> str:
        return f"{self.field} {self.condition.describe()}"


@dataclass(frozen=True, slots=True)
class ActivityRule:
    """Holds when ``min_count`` activities of ``kinds`` meeting ``where`` happened within ``within_days``.

    ``within_days`` None means at any time; activities dated after ``now`` count as recent.
    """

    kinds: frozenset[str]
    where: Where = ()
    within_days: float | None = None
    min_count: int = 1

    def __post_init__(self) -> None:
        if not self.kinds:
            raise ValueError("an activity rule needs at least one kind")
        if self.min_count < 1:
            raise ValueError(f"min_count must be 1 or more, got {self.min_count}")
        if self.within_days is not None and not self.within_days > 0:
            raise ValueError(f"within_days must be above 0, got {self.within_days}")

    @property
    def within_seconds(self) -> float:
        """``within_days`` in seconds; infinite for "at any time"."""
        return math.inf if self.within_days is None else self.within_days * SECONDS_PER_DAY

    def describe(self) -> str:
        text = " or ".join(sorted(self.kinds))
        if self.where:
            text += f" where {describe_where(self.where)}"
        if self.within_days is not None:
            text += f" in the last {_days(self.within_days)}"
        return text


BantRule: TypeAlias = FieldRule | ActivityRule


@dataclass(frozen=True, slots=True)
class Cutoffs:
    """How many criteria must hold for grades A, B and C; fewer than ``c`` is D."""

    a: int = 4
    b: int = 3
    c: int = 2

    def __post_init__(self) -> None:
        if not len(CRITERIA) >= self.a >= self.b >= self.c >= 1:
            raise ValueError(
                f"cutoffs must descend within 1..{len(CRITERIA)}: A ({self.a}) >= B ({self.b}) >= C ({self.c})"
            )

    def grade_for(self, held: int) -> Grade:
        """The grade for ``held`` criteria holding."""
        if held >= self.a:
            return Grade.A
        if held >= self.b:
            return Grade.B
        if held >= self.c:
            return Grade.C
        return Grade.D


@dataclass(frozen=True, slots=True)
class BantModel:
    """The rules of each BANT criterion and the grade cut-offs."""

    budget: tuple[BantRule, ...] = ()
    authority: tuple[BantRule, ...] = ()
    need: tuple[BantRule, ...] = ()
    timeline: tuple[BantRule, ...] = ()
    cutoffs: Cutoffs = Cutoffs()

    def criteria(self) -> tuple[tuple[str, tuple[BantRule, ...]], ...]:
        """(name, rules) of each criterion, in BANT order."""
        return (
            ("budget", self.budget),
            ("authority", self.authority),
            ("need", self.need),
            ("timeline", self.timeline),
        )

    def activity_rules(self) -> list[ActivityRule]:
        """The activity rules of all criteria, in BANT order."""
        return [rule for _, rules in self.criteria() for rule in rules if isinstance(rule, ActivityRule)]

    def matchers(self) -> list[Matcher]:
        """What each activity rule looks for in an activity, in the order of ``activity_rules()``."""
        return [Matcher(rule.kinds, rule.where) for rule in self.activity_rules()]


# Built once per rule and value seen (or per reason), then shared by every result alike: frozen, so that is safe.
@dataclass(frozen=True, slots=True)
class CriterionResult:
    """Whether one criterion holds, and why: the rule that held and the value seen, or why none held."""

    name: str
    holds: bool
    reason: str


@dataclass(slots=True)
class BantResult:
    """The grade, how many criteria hold, and each criterion behind it, in BANT order."""

    grade: Grade
    held: int
    criteria: tuple[CriterionResult, ...]


class BantStep(NamedTuple):
    """A rule of one criterion ready to run: a field rule reads ``field``, an activity rule counts the ages of its
    matcher (at ``slot`` of the activity plan) within ``within_s``."""

    criterion: str
    rule: BantRule
    field: str | None
    slot: int
    within_s: float
    # Per value (field rule) or count of activities (activity rule) seen: the criterion's result when the rule
    # held, else the words for why it did not.
    outcomes: BoundedMemo[str | int | None, CriterionResult | str]


class CriterionPlan(NamedTuple):
    """A criterion's rules ready to run, and its result per list of reasons why none of them held."""

    name: str
    steps: tuple[BantStep, ...]
    unmet: BoundedMemo[tuple[str, ...], CriterionResult]


class BantPlan(NamedTuple):
    """A BANT model ready to run: its criteria in BANT order, and the grade by the number of criteria held."""

    criteria: tuple[CriterionPlan, ...]
    grades: tuple[Grade, ...]


def compile_bant(model: BantModel, slots: Sequence[int]) -> BantPlan:
    """The model ready to run, its activity rules reading the matchers at ``slots`` of an activity plan."""
    positions = iter(slots)
    criteria: list[CriterionPlan] = []
    for name, rules in model.criteria():
        steps: list[BantStep] = []
        for rule in rules:
            if isinstance(rule, FieldRule):
                steps.append(BantStep(name, rule, rule.field, -1, math.inf, BoundedMemo()))
            else:
                steps.append(BantStep(name, rule, None, next(positions), rule.within_seconds, BoundedMemo()))
        criteria.append(CriterionPlan(name, tuple(steps), BoundedMemo()))
    grades = tuple(model.cutoffs.grade_for(held) for held in range(len(CRITERIA) + 1))
    return BantPlan(tuple(criteria), grades)


def grade(
    contact: Contact,
    activities: Iterable[Activity],
    model: BantModel,
    now: datetime,
    max_future_days: float = DEFAULT_MAX_FUTURE_DAYS,
) -> BantResult:
    """Grade a contact by BANT from its fields and its activities as of ``now`` (activities dated more than
    ``max_future_days`` ahead are not looked at, as in scoring).

    Compiles ``model`` for this one call: ``evaluate()`` uses the rules its QualificationModel compiled once.
    """
    activity_plan, (slots,) = compile_matchers([model.matchers()])
    as_of_us = epoch_microseconds(now)
    found = activity_plan.ages(activities, as_of_us, as_of_us + max_future_us(max_future_days))
    return grade_found(contact, found.ages, compile_bant(model, slots))


def grade_found(contact: Contact, found: MatcherAges, plan: BantPlan) -> BantResult:
    """The grade from the contact's fields and the ages each activity rule's matcher found (ascending)."""
    results: list[CriterionResult] = []
    held = 0
    for criterion in plan.criteria:
        result = _criterion_result(criterion, contact.fields, found)
        results.append(result)
        held += result.holds
    return BantResult(plan.grades[held], held, tuple(results))


def _criterion_result(criterion: CriterionPlan, fields: Mapping[str, str], found: MatcherAges) -> CriterionResult:
    """The result of the first of the criterion's rules that holds, or why none did."""
    misses: list[str] = []
    for step in criterion.steps:
        seen = fields.get(step.field) if step.field is not None else _count_within(found[step.slot], step.within_s)
        outcome = step.outcomes.get(seen)
        if outcome is None:
            outcome = step.outcomes.remember(seen, _outcome(step, seen))
        if isinstance(outcome, str):
            misses.append(outcome)
        else:
            return outcome
    # Keyed by the reasons themselves (remembered strings, whose hashes are cached), not by their join.
    reasons = tuple(misses)
    result = criterion.unmet.get(reasons)
    if result is None:
        reason = "none held: " + "; ".join(reasons) if criterion.steps else "no rules configured"
        result = criterion.unmet.remember(reasons, CriterionResult(criterion.name, False, reason))
    return result


def _count_within(ages: list[float] | None, within_s: float) -> int:
    return 0 if ages is None else bisect_right(ages, within_s)


def _outcome(step: BantStep, seen: str | int | None) -> CriterionResult | str:
    """The criterion's result if the rule holds for the value (or count) seen, else the words for why not."""
    rule = step.rule
    if isinstance(rule, FieldRule):
        assert not isinstance(seen, int)
        words = f"{rule.describe()}: saw {_seen(seen)}"
        return CriterionResult(step.criterion, True, words) if rule.condition.holds(seen) else words
    assert isinstance(seen, int)
    if seen >= rule.min_count:
        return CriterionResult(step.criterion, True, f"{seen} {rule.describe()}")
    return f"{seen} {rule.describe()}, needs {rule.min_count}"
