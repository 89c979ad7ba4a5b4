"""Scoring: fit points from contact fields plus engagement points from activities, decayed with a half-life.

fit = sum of the fit rules that fired, clamped to 0..100. Each activity matching an engagement rule adds
``points * 0.5 ** (age_days / half_life_days)``; a rule's total is capped at its ``cap``; the engagement
total is clamped to 0..100. score = fit_weight * fit + engagement_weight * engagement, clamped to 0..100
and rounded half up to an int. Every number that went into the score is kept in the result, for
``leadstage explain``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from .conditions import Condition, Where, where_holds
from .model import Activity, Contact

SECONDS_PER_DAY = 86_400.0
MAX_POINTS = 100.0
DEFAULT_HALF_LIFE_DAYS = 30.0
DEFAULT_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class FitRule:
    """Points for a contact whose ``field`` meets ``condition`` (negative for students, competitors...)."""

    name: str
    field: str
    condition: Condition
    points: float


@dataclass(frozen=True, slots=True)
class EngagementRule:
    """Points for each activity of one of ``kinds`` whose attributes meet every ``where`` condition.

    ``cap`` bounds the rule's total (after decay; for a negative rule, the size of the penalty);
    ``half_life_days`` None means the scoring model's half-life.
    """

    name: str
    kinds: frozenset[str]
    points: float
    where: Where = ()
    cap: float | None = None
    half_life_days: float | None = None

    def __post_init__(self) -> None:
        if self.cap is not None and not self.cap > 0:
            raise ValueError(f"engagement rule {self.name!r}: cap must be above 0, got {self.cap}")
        if self.half_life_days is not None and not self.half_life_days > 0:
            raise ValueError(
                f"engagement rule {self.name!r}: half_life_days must be above 0, got {self.half_life_days}"
            )

    def matches(self, activity: Activity) -> bool:
        """True when the activity is of one of the rule's kinds and meets its attribute conditions."""
        return activity.kind in self.kinds and where_holds(self.where, activity.attributes)


@dataclass(frozen=True, slots=True)
class ScoringModel:
    """The fit and engagement rules and how they add up to a score."""

    fit_rules: tuple[FitRule, ...] = ()
    engagement_rules: tuple[EngagementRule, ...] = ()
    fit_weight: float = DEFAULT_WEIGHT
    engagement_weight: float = DEFAULT_WEIGHT
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS
    max_age_days: float | None = None
    # Built once here so that scoring a contact looks up only the rules of each activity's kind:
    # kind -> ((rule position, rule's where), ...), and each rule's half-life in seconds by position.
    rules_by_kind: Mapping[str, tuple[tuple[int, Where], ...]] = dataclasses.field(
        init=False, repr=False, compare=False
    )
    half_life_seconds: tuple[float, ...] = dataclasses.field(init=False, repr=False, compare=False)
    max_age_seconds: float = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.half_life_days > 0:
            raise ValueError(f"half_life_days must be above 0, got {self.half_life_days}")
        if self.max_age_days is not None and not self.max_age_days > 0:
            raise ValueError(f"max_age_days must be above 0 (or None for no limit), got {self.max_age_days}")
        if not (self.fit_weight >= 0 and self.engagement_weight >= 0):
            raise ValueError("fit_weight and engagement_weight must be 0 or more")
        by_kind: dict[str, list[tuple[int, Where]]] = {}
        for position, rule in enumerate(self.engagement_rules):
            for kind in sorted(rule.kinds):
                by_kind.setdefault(kind, []).append((position, rule.where))
        half_lives = tuple(
            (rule.half_life_days or self.half_life_days) * SECONDS_PER_DAY for rule in self.engagement_rules
        )
        max_age = math.inf if self.max_age_days is None else self.max_age_days * SECONDS_PER_DAY
        object.__setattr__(self, "rules_by_kind", {kind: tuple(slots) for kind, slots in by_kind.items()})
        object.__setattr__(self, "half_life_seconds", half_lives)
        object.__setattr__(self, "max_age_seconds", max_age)


# The results below are built for every person evaluated, so they are plain slotted dataclasses: a frozen one
# costs 3-5x as much to construct (measured with bench/bench_scoring.py). Treat them as read-only.
@dataclass(slots=True)
class FitContribution:
    """A fit rule that fired: the value it saw and the points it gave."""

    rule: str
    field: str
    value: str | None
    points: float


@dataclass(slots=True)
class EngagementContribution:
    """An engagement rule that matched activities, and how its points were decayed and capped.

    ``raw_points`` is points x activities before decay; ``decayed_points`` the sum after decay, before the
    cap; ``points`` what counted. ``min_factor``/``max_factor`` are the smallest and largest decay factors
    applied (1.0 for an activity from today). ``capped`` says whether ``cap`` cut the total.
    """

    rule: str
    activities: int
    raw_points: float
    decayed_points: float
    points: float
    min_factor: float
    max_factor: float
    cap: float | None
    capped: bool


@dataclass(slots=True)
class Clamp:
    """A total that fell outside 0..100 and was clamped: ``total`` is "fit", "engagement" or "score"."""

    total: str
    raw: float
    clamped: float


@dataclass(slots=True)
class ScoreResult:
    """The score (0..100), its fit and engagement parts (0..100 each), and the rules and clamps behind it."""

    score: int
    fit: float
    engagement: float
    fit_rules: tuple[FitContribution, ...]
    engagement_rules: tuple[EngagementContribution, ...]
    clamps: tuple[Clamp, ...]


def decay_factor(age_days: float, half_life_days: float) -> float:
    """The share of an activity's points left after ``age_days``: 0.5 after one half-life, 1.0 if future."""
    return math.pow(0.5, max(age_days, 0.0) / half_life_days)


def capped(total: float, cap: float | None) -> float:
    """A rule's total within its cap (the cap bounds the size of a negative total too)."""
    if cap is None:
        return total
    return max(-cap, min(total, cap))


def score(contact: Contact, activities: Iterable[Activity], model: ScoringModel, now: datetime) -> ScoreResult:
    """Score a contact from its fields and its activities as of ``now``."""
    return score_matches(contact, engagement_matches(activities, model, now), model)


# Rule position -> the ages (seconds before ``now``; 0 for future-dated) of the activities the rule matched.
EngagementMatches: TypeAlias = dict[int, list[float]]


def engagement_matches(activities: Iterable[Activity], model: ScoringModel, now: datetime) -> EngagementMatches:
    """Which activities each engagement rule matches, as their ages by rule position (any age)."""
    by_kind = model.rules_by_kind
    matches: EngagementMatches = {}
    for activity in activities:
        slots = by_kind.get(activity.kind)
        if slots is None:
            continue
        age = (now - activity.occurred_at).total_seconds()
        if age < 0.0:
            age = 0.0
        attributes = activity.attributes
        for position, where in slots:
            # Inlined where_holds: this loop runs for every activity of a scored kind.
            for attribute, condition in where:
                if not condition.holds(attributes.get(attribute)):
                    break
            else:
                ages = matches.get(position)
                if ages is None:
                    matches[position] = [age]
                else:
                    ages.append(age)
    return matches


def score_matches(contact: Contact, matches: EngagementMatches, model: ScoringModel) -> ScoreResult:
    """The score from the contact's fields and the engagement rules' matches (see ``engagement_matches``)."""
    fit_raw, fit_rules = _fit_points(contact, model.fit_rules)
    engagement_raw, engagement_rules = _engagement_points(matches, model)
    clamps: list[Clamp] = []
    fit = _clamp("fit", fit_raw, clamps)
    engagement = _clamp("engagement", engagement_raw, clamps)
    total = _clamp("score", model.fit_weight * fit + model.engagement_weight * engagement, clamps)
    return ScoreResult(
        score=math.floor(total + 0.5),
        fit=fit,
        engagement=engagement,
        fit_rules=fit_rules,
        engagement_rules=engagement_rules,
        clamps=tuple(clamps),
    )


def _fit_points(contact: Contact, rules: tuple[FitRule, ...]) -> tuple[float, tuple[FitContribution, ...]]:
    fields = contact.fields
    fired: list[FitContribution] = []
    total = 0.0
    for rule in rules:
        value = fields.get(rule.field)
        if rule.condition.holds(value):
            total += rule.points
            fired.append(FitContribution(rule.name, rule.field, value, rule.points))
    return total, tuple(fired)


def _engagement_points(
    matches: EngagementMatches, model: ScoringModel
) -> tuple[float, tuple[EngagementContribution, ...]]:
    if not matches:
        return 0.0, ()
    rules = model.engagement_rules
    half_lives = model.half_life_seconds
    max_age = model.max_age_seconds
    total = 0.0
    contributions: list[EngagementContribution] = []
    # In rule order, and each rule's ages sorted: the sums then do not depend on the activities' order.
    for position in sorted(matches):
        ages = matches[position]
        if len(ages) > 1:
            ages = sorted(ages)
        if ages[-1] > max_age:
            ages = [age for age in ages if age <= max_age]
            if not ages:
                continue
        half_life = half_lives[position]
        decay_sum = 0.0
        factor = 1.0
        for age in ages:
            factor = 0.5 ** (age / half_life)
            decay_sum += factor
        # ages ascend, so the last factor is the smallest and the first the largest
        max_factor = factor if len(ages) == 1 else 0.5 ** (ages[0] / half_life)
        rule = rules[position]
        points = rule.points
        decayed = points * decay_sum
        counted = decayed if rule.cap is None else max(-rule.cap, min(decayed, rule.cap))
        total += counted
        contributions.append(
            EngagementContribution(
                rule.name,
                len(ages),
                points * len(ages),
                decayed,
                counted,
                factor,
                max_factor,
                rule.cap,
                counted != decayed,
            )
        )
    return total, tuple(contributions)


def _clamp(total: str, raw: float, clamps: list[Clamp]) -> float:
    if 0.0 <= raw <= MAX_POINTS:
        return raw
    clamped = min(max(raw, 0.0), MAX_POINTS)
    clamps.append(Clamp(total, raw, clamped))
    return clamped
