"""BANT grade: how many of Budget, Authority, Need and Timeline hold for a person, as grade A, B, C or D.

Each criterion is a set of rules and holds when any of its rules holds. A rule looks at a contact field
(``annual_revenue`` at least 5,000,000), at activities (a demo form in the last 90 days), at a group of conditions
(``ClauseRule``: all/any/not, see ``groups``), or names a rule of the scoring model (``BantRef``): a fit rule
(authority = the "Seniority" rule fires in tier C-level, VP or Director), so the two never drift apart; or an
engagement rule (need = a "Demo request" activity, optionally within some days or several times), which becomes
an activity rule looking for exactly what that engagement rule looks for. The config's cut-offs turn the number
of criteria that hold into a grade.
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
from .groups import Check, Clause, RuleRef, RuleResolver, check_key
from .memo import BoundedMemo
from .model import Activity, Contact, Grade, epoch_microseconds
from .scoring import DEFAULT_MAX_FUTURE_DAYS, SECONDS_PER_DAY, EngagementRule, ScoringModel, max_future_us

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

    ``within_days`` None means at any time; activities dated after ``now`` count as recent. ``name`` is the
    engagement rule it looks for the activities of, when it came from a ``BantRef`` (explanations name it).
    """

    kinds: frozenset[str]
    where: Where = ()
    within_days: float | None = None
    min_count: int = 1
    name: str | None = None

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
        if self.name is not None:
            text = f"activities of rule {self.name!r}"
        else:
            text = " or ".join(sorted(self.kinds))
            if self.where:
                text += f" where {describe_where(self.where)}"
        return text + self._window()

    def _window(self) -> str:
        return "" if self.within_days is None else f" in the last {_days(self.within_days)}"

    def counted(self, count: int) -> str:
        """The activities found, in words: "2 meeting in the last 30 days", "rule 'Demo request': 1 activity in
        the last 30 days"."""
        if self.name is None:
            return f"{count} {self.describe()}"
        return f"rule {self.name!r}: {count} {'activity' if count == 1 else 'activities'}{self._window()}"


@dataclass(frozen=True, slots=True)
class ClauseRule:
    """Holds when ``clause`` holds: a group of conditions, or a reference to a fit rule (see ``groups``)."""

    clause: Clause

    def describe(self) -> str:
        return self.clause.describe()


@dataclass(frozen=True, slots=True)
class BantRef:
    """Holds when the scoring model's rule ``name`` does.

    For a fit rule: when it fires (in one of ``tiers``, when given). For an engagement rule: when at least
    ``min_count`` of the activities it matches happened within ``within_days`` (default: the scoring model's
    ``max_age_days``, so "when it counts"). ``resolve_references`` turns it into a ``ClauseRule`` or an
    ``ActivityRule`` once the scoring model is known.
    """

    name: str
    tiers: tuple[str, ...] = ()
    within_days: float | None = None
    min_count: int = 1

    def __post_init__(self) -> None:
        if self.min_count < 1:
            raise ValueError(f"min_count must be 1 or more, got {self.min_count}")
        if self.within_days is not None and not self.within_days > 0:
            raise ValueError(f"within_days must be above 0, got {self.within_days}")

    def describe(self) -> str:
        return RuleRef(self.name, self.tiers).describe()


BantRule: TypeAlias = FieldRule | ActivityRule | ClauseRule | BantRef


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
    """A rule of one criterion ready to run: a field rule (or a clause reading one field) reads ``field``; a clause
    reading several fields or activities runs ``check``; an activity rule counts the ages of its matcher (at
    ``slot`` of the activity plan) within ``within_s``."""

    criterion: str
    rule: BantRule
    field: str | None
    slot: int
    within_s: float
    # Per value (field rule, clause) or count of activities (activity rule) seen: the criterion's result when the
    # rule held, else the words for why it did not.
    outcomes: BoundedMemo[object, CriterionResult | str]
    check: Check | None = None
    max_age_s: float = math.inf  # how old an activity an engagement rule named in ``check`` counts


class CriterionPlan(NamedTuple):
    """A criterion's rules ready to run, and its result per list of reasons why none of them held."""

    name: str
    steps: tuple[BantStep, ...]
    unmet: BoundedMemo[tuple[str, ...], CriterionResult]


class BantPlan(NamedTuple):
    """A BANT model ready to run: its criteria in BANT order, and the grade by the number of criteria held."""

    criteria: tuple[CriterionPlan, ...]
    grades: tuple[Grade, ...]


def resolve_references(model: BantModel, scoring: ScoringModel) -> BantModel:
    """The model with each ``BantRef`` replaced by what it stands for in ``scoring``: a ``ClauseRule`` for a fit rule,
    an ``ActivityRule`` looking for the engagement rule's activities for an engagement rule. ValueError for a name
    that is neither, or options that do not apply to the rule named."""
    if not any(isinstance(rule, BantRef) for _, rules in model.criteria() for rule in rules):
        return model
    engagement: dict[str, EngagementRule] = {}
    for named in scoring.engagement_rules:
        engagement.setdefault(named.name, named)  # a name given twice is referred to as its first rule
    fit = {rule.name for rule in scoring.fit_rules}

    def resolved(rule: BantRule) -> BantRule:
        if not isinstance(rule, BantRef):
            return rule
        if rule.name in engagement and rule.name in fit:
            raise ValueError(f"rule {rule.name!r} names both a fit and an engagement rule; rename one of them")
        if rule.name in engagement:
            if rule.tiers:
                raise ValueError(f"rule {rule.name!r} is an engagement rule: it has no tiers")
            named = engagement[rule.name]
            within = rule.within_days if rule.within_days is not None else scoring.max_age_days
            return ActivityRule(named.kinds, named.where, within, rule.min_count, rule.name)
        if rule.name in fit:
            if rule.within_days is not None or rule.min_count != 1:
                raise ValueError(f"rule {rule.name!r} is a fit rule: within_days and min_count apply to activities")
            return ClauseRule(RuleRef(rule.name, rule.tiers))
        raise ValueError(f"no fit or engagement rule is named {rule.name!r}")

    return BantModel(
        budget=tuple(resolved(rule) for rule in model.budget),
        authority=tuple(resolved(rule) for rule in model.authority),
        need=tuple(resolved(rule) for rule in model.need),
        timeline=tuple(resolved(rule) for rule in model.timeline),
        cutoffs=model.cutoffs,
    )


def compile_bant(model: BantModel, slots: Sequence[int], resolver: RuleResolver | None = None) -> BantPlan:
    """The model ready to run (its references resolved: ``resolve_references``), its activity rules reading the
    matchers at ``slots`` of an activity plan, references in its clauses resolved by ``resolver``."""
    positions = iter(slots)
    criteria: list[CriterionPlan] = []
    for name, rules in model.criteria():
        steps: list[BantStep] = []
        for rule in rules:
            if isinstance(rule, FieldRule):
                steps.append(BantStep(name, rule, rule.field, -1, math.inf, BoundedMemo()))
            elif isinstance(rule, ClauseRule):
                resolving = resolver if resolver is not None else RuleResolver([], {}, math.inf)
                check = resolving.compile(rule.clause)
                one = check.fields[0] if len(check.fields) == 1 and not check.slots else None
                max_age_s = resolving.max_age_s
                steps.append(BantStep(name, rule, one, -1, math.inf, BoundedMemo(), check, max_age_s))
            elif isinstance(rule, ActivityRule):
                steps.append(BantStep(name, rule, None, next(positions), rule.within_seconds, BoundedMemo()))
            else:
                raise ValueError(f"rule {rule.name!r}: references are resolved first (resolve_references)")
        criteria.append(CriterionPlan(name, tuple(steps), BoundedMemo()))
    grades = tuple(model.cutoffs.grade_for(held) for held in range(len(CRITERIA) + 1))
    return BantPlan(tuple(criteria), grades)


def grade(
    contact: Contact,
    activities: Iterable[Activity],
    model: BantModel,
    now: datetime,
    max_future_days: float = DEFAULT_MAX_FUTURE_DAYS,
    scoring: ScoringModel | None = None,
) -> BantResult:
    """Grade a contact by BANT from its fields and its activities as of ``now`` (activities dated more than
    ``max_future_days`` ahead are not looked at, as in scoring). Rules naming scoring rules need ``scoring``.

    Compiles ``model`` for this one call: ``evaluate()`` uses the rules its QualificationModel compiled once.
    """
    scoring = scoring if scoring is not None else ScoringModel(max_future_days=max_future_days)
    model = resolve_references(model, scoring)
    activity_plan, (engagement_slots, slots) = compile_matchers([scoring.matchers(), model.matchers()])
    as_of_us = epoch_microseconds(now)
    found = activity_plan.ages(activities, as_of_us, as_of_us + max_future_us(max_future_days))
    return grade_found(contact, found.ages, compile_bant(model, slots, scoring.resolver(engagement_slots)))


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
        seen: object
        if step.field is not None:
            seen = fields.get(step.field)
        elif step.check is not None:
            seen = check_key(step.check, fields, found, step.max_age_s)
        else:
            seen = _count_within(found[step.slot], step.within_s)
        outcome = step.outcomes.get(seen)
        if outcome is None:
            outcome = step.outcomes.remember(seen, _outcome(step, seen, fields, found))
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


def _outcome(step: BantStep, seen: object, fields: Mapping[str, str], found: MatcherAges) -> CriterionResult | str:
    """The criterion's result if the rule holds for the value (or count) seen, else the words for why not."""
    rule = step.rule
    if isinstance(rule, FieldRule):
        assert seen is None or isinstance(seen, str)
        words = f"{rule.describe()}: saw {_seen(seen)}"
        return CriterionResult(step.criterion, True, words) if rule.condition.holds(seen) else words
    if step.check is not None:
        words = step.check.trace(fields, found)
        return CriterionResult(step.criterion, True, words) if step.check.holds(fields, found) else words
    assert isinstance(rule, ActivityRule) and isinstance(seen, int)
    if seen >= rule.min_count:
        return CriterionResult(step.criterion, True, rule.counted(seen))
    return f"{rule.counted(seen)}, needs {rule.min_count}"
