"""BANT grade: how many of Budget, Authority, Need and Timeline hold for a person, as grade A, B, C or D.

Each criterion is a set of rules and holds when any of its rules holds. A rule looks at a contact field
(``annual_revenue`` at least 5,000,000) or at activities (a demo form in the last 90 days). The config's
cut-offs turn the number of criteria that hold into a grade.
"""

from __future__ import annotations

import dataclasses
import math
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from .compiled_activities import MEMO_LIMIT, ActivityPlan, Matcher, MatcherAges, compile_matchers
from .compiled_time import epoch_microseconds
from .conditions import Condition, Where, describe_where
from .model import Activity, Contact, Grade
from .scoring import DEFAULT_MAX_FUTURE_DAYS, SECONDS_PER_DAY

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
    # Built once here so grading is one pass over the activities (see compiled_activities) and one loop over
    # the criteria's compiled rules.
    activity_plan: ActivityPlan = dataclasses.field(init=False, repr=False, compare=False)
    plan: BantPlan = dataclasses.field(init=False, repr=False, compare=False)
    grades: tuple[Grade, ...] = dataclasses.field(init=False, repr=False, compare=False)  # by criteria held

    def __post_init__(self) -> None:
        activity_plan, (slots,) = compile_matchers([self.matchers()])
        object.__setattr__(self, "activity_plan", activity_plan)
        object.__setattr__(self, "plan", self.compile(slots))
        object.__setattr__(self, "grades", tuple(self.cutoffs.grade_for(held) for held in range(len(CRITERIA) + 1)))

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
        return [(rule.kinds, rule.where) for rule in self.activity_rules()]

    def compile(self, slots: Sequence[int]) -> BantPlan:
        """Each criterion's rules ready to run, the activity rules' matchers at ``slots`` of an ActivityPlan."""
        positions = iter(slots)
        plan: list[tuple[str, tuple[BantStep, ...], dict[tuple[str, ...], CriterionResult]]] = []
        for name, rules in self.criteria():
            steps: list[BantStep] = []
            for rule in rules:
                step = _Step(name, rule, -1 if isinstance(rule, FieldRule) else next(positions))
                steps.append((step.field, step.slot, step.within, step.memo, step))
            plan.append((name, tuple(steps), {}))
        return tuple(plan)


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


class _Step:
    """A compiled BANT rule of one criterion: a field rule (``field`` set) or an activity rule (``slot`` set).

    ``memo`` remembers, per value seen (field rules) or per count of activities found (activity rules), the
    criterion's result when the rule held, or the words for why it did not.
    """

    __slots__ = ("criterion", "description", "field", "holds", "memo", "min_count", "slot", "within")

    def __init__(self, criterion: str, rule: BantRule, slot: int) -> None:
        self.criterion = criterion
        self.description = rule.describe()
        self.field: str | None = None
        self.holds: Callable[[str | None], bool] | None = None
        self.within = math.inf
        self.min_count = 1
        if isinstance(rule, FieldRule):
            self.field, self.holds = rule.field, rule.condition.holds
        else:
            self.within, self.min_count = rule.within_seconds, rule.min_count
        self.slot = slot
        self.memo: dict[str | int | None, CriterionResult | str] = {}

    def resolve(self, seen: str | int | None) -> CriterionResult | str:
        """The criterion's result if the rule holds for the value (or count) seen, else why not; remembered."""
        outcome: CriterionResult | str
        if self.holds is not None:
            assert not isinstance(seen, int)
            words = f"{self.description}: saw {_seen(seen)}"
            outcome = CriterionResult(self.criterion, True, words) if self.holds(seen) else words
        else:
            assert isinstance(seen, int)
            if seen >= self.min_count:
                outcome = CriterionResult(self.criterion, True, f"{seen} {self.description}")
            else:
                outcome = f"{seen} {self.description}, needs {self.min_count}"
        if len(self.memo) >= MEMO_LIMIT:
            self.memo.clear()
        self.memo[seen] = outcome
        return outcome


# A compiled rule, with what the grading loop reads of it at hand: (field, slot, within, memo, step).
BantStep: TypeAlias = tuple[str | None, int, float, dict[str | int | None, CriterionResult | str], _Step]
# Per criterion, in BANT order: its name, its compiled rules, and its results when none held (by the misses).
BantPlan: TypeAlias = tuple[tuple[str, tuple[BantStep, ...], dict[tuple[str, ...], CriterionResult]], ...]


def grade(
    contact: Contact,
    activities: Iterable[Activity],
    model: BantModel,
    now: datetime,
    max_future_days: float = DEFAULT_MAX_FUTURE_DAYS,
) -> BantResult:
    """Grade a contact by BANT from its fields and its activities as of ``now`` (activities dated more than
    ``max_future_days`` ahead are not looked at, as in scoring)."""
    as_of_us = epoch_microseconds(now)
    found, _ = model.activity_plan.ages(activities, as_of_us, as_of_us + round(max_future_days * 86_400e6))
    return grade_found(contact, found, model.plan, model.grades)


def grade_found(contact: Contact, found: MatcherAges, plan: BantPlan, grades: Sequence[Grade]) -> BantResult:
    """The grade (``grades[criteria held]``) from the contact's fields and the ages each activity rule's
    matcher found (ascending)."""
    get = contact.fields.get
    results: list[CriterionResult] = []
    held = 0
    for name, steps, misses_memo in plan:
        misses: list[str] = []
        for field, slot, within, memo, step in steps:
            seen: str | int | None
            if field is not None:
                seen = get(field)
            else:
                ages = found[slot]
                seen = 0 if ages is None else bisect_right(ages, within)
            outcome = memo.get(seen)
            if outcome is None:
                outcome = step.resolve(seen)
            if isinstance(outcome, str):
                misses.append(outcome)
                continue
            results.append(outcome)
            held += 1
            break
        else:
            # keyed by the reasons themselves (remembered strings, whose hashes are cached), not by their join
            key = tuple(misses)
            result = misses_memo.get(key)
            if result is None:
                if len(misses_memo) >= MEMO_LIMIT:
                    misses_memo.clear()
                reason = "none held: " + "; ".join(misses) if steps else "no rules configured"
                result = misses_memo[key] = CriterionResult(name, False, reason)
            results.append(result)
    return BantResult(grades[held], held, tuple(results))
