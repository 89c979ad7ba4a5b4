"""BANT grade: how many of Budget, Authority, Need and Timeline hold for a person, as grade A, B, C or D.

Each criterion is a set of rules and holds when any of its rules holds. A rule looks at a contact field
(``annual_revenue`` at least 5,000,000) or at activities (a demo form in the last 90 days). The config's
cut-offs turn the number of criteria that hold into a grade.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from .conditions import Condition, Where, describe_where, where_holds
from .model import Activity, Contact, Grade
from .scoring import SECONDS_PER_DAY

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
    _description: str = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_description", f"{self.field} {self.condition.describe()}")

    def describe(self) -> str:
        return self._description


@dataclass(frozen=True, slots=True)
class ActivityRule:
    """Holds when ``min_count`` activities of ``kinds`` meeting ``where`` happened within ``within_days``.

    ``within_days`` None means at any time; activities dated after ``now`` count as recent.
    """

    kinds: frozenset[str]
    where: Where = ()
    within_days: float | None = None
    min_count: int = 1
    _description: str = dataclasses.field(init=False, repr=False, compare=False)
    within_seconds: float = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.kinds:
            raise ValueError("an activity rule needs at least one kind")
        if self.min_count < 1:
            raise ValueError(f"min_count must be 1 or more, got {self.min_count}")
        if self.within_days is not None and not self.within_days > 0:
            raise ValueError(f"within_days must be above 0, got {self.within_days}")
        text = " or ".join(sorted(self.kinds))
        if self.where:
            text += f" where {describe_where(self.where)}"
        if self.within_days is not None:
            text += f" in the last {_days(self.within_days)}"
        within = math.inf if self.within_days is None else self.within_days * SECONDS_PER_DAY
        object.__setattr__(self, "_description", text)
        object.__setattr__(self, "within_seconds", within)

    def describe(self) -> str:
        return self._description


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
    # Built once here so grading looks at each activity once: the activity rules of all criteria in order,
    # kind -> positions of the activity rules of that kind, and each criterion's rules with those positions
    # (-1 for a field rule).
    activity_rules: tuple[ActivityRule, ...] = dataclasses.field(init=False, repr=False, compare=False)
    activity_rules_by_kind: Mapping[str, tuple[int, ...]] = dataclasses.field(init=False, repr=False, compare=False)
    plan: tuple[tuple[str, tuple[tuple[BantRule, int], ...]], ...] = dataclasses.field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        activity_rules: list[ActivityRule] = []
        plan: list[tuple[str, tuple[tuple[BantRule, int], ...]]] = []
        for name, rules in self.criteria():
            steps: list[tuple[BantRule, int]] = []
            for rule in rules:
                if isinstance(rule, ActivityRule):
                    steps.append((rule, len(activity_rules)))
                    activity_rules.append(rule)
                else:
                    steps.append((rule, -1))
            plan.append((name, tuple(steps)))
        by_kind: dict[str, list[int]] = {}
        for position, rule in enumerate(activity_rules):
            for kind in sorted(rule.kinds):
                by_kind.setdefault(kind, []).append(position)
        object.__setattr__(self, "activity_rules", tuple(activity_rules))
        object.__setattr__(self, "activity_rules_by_kind", {k: tuple(v) for k, v in by_kind.items()})
        object.__setattr__(self, "plan", tuple(plan))

    def criteria(self) -> tuple[tuple[str, tuple[BantRule, ...]], ...]:
        """(name, rules) of each criterion, in BANT order."""
        return (
            ("budget", self.budget),
            ("authority", self.authority),
            ("need", self.need),
            ("timeline", self.timeline),
        )


@dataclass(slots=True)
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


def grade(contact: Contact, activities: Iterable[Activity], model: BantModel, now: datetime) -> BantResult:
    """Grade a contact by BANT from its fields and its activities as of ``now``."""
    counts = _activity_counts(activities, model, now)
    results = tuple(_criterion(name, steps, contact, counts) for name, steps in model.plan)
    held = sum(1 for result in results if result.holds)
    return BantResult(model.cutoffs.grade_for(held), held, results)


def _activity_counts(activities: Iterable[Activity], model: BantModel, now: datetime) -> list[int]:
    """How many activities count for each activity rule, by position in ``model.activity_rules``."""
    rules = model.activity_rules
    counts = [0] * len(rules)
    if not rules:
        return counts
    by_kind = model.activity_rules_by_kind
    for activity in activities:
        positions = by_kind.get(activity.kind)
        if positions is None:
            continue
        age = (now - activity.occurred_at).total_seconds()
        for position in positions:
            rule = rules[position]
            if age <= rule.within_seconds and where_holds(rule.where, activity.attributes):
                counts[position] += 1
    return counts


def _criterion(
    name: str, steps: tuple[tuple[BantRule, int], ...], contact: Contact, counts: list[int]
) -> CriterionResult:
    if not steps:
        return CriterionResult(name, False, "no rules configured")
    misses: list[str] = []
    for rule, position in steps:
        if isinstance(rule, FieldRule):
            value = contact.fields.get(rule.field)
            if rule.condition.holds(value):
                return CriterionResult(name, True, f"{rule.describe()}: saw {_seen(value)}")
            misses.append(f"{rule.describe()}: saw {_seen(value)}")
        else:
            found = counts[position]
            if found >= rule.min_count:
                return CriterionResult(name, True, f"{found} {rule.describe()}")
            misses.append(f"{found} {rule.describe()}, needs {rule.min_count}")
    return CriterionResult(name, False, "none held: " + "; ".join(misses))
