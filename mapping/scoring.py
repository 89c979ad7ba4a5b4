"""Scoring: fit points from contact fields plus engagement points from activities, decayed with a half-life.

fit = sum of the fit rules that fired, clamped to 0..100. Each activity matching an engagement rule adds
``points * 0.5 ** (age_days / half_life_days)``; a rule's total is capped at its ``cap``; the engagement
total is clamped to 0..100. score = fit_weight * fit + engagement_weight * engagement, clamped to 0..100
and rounded half up to an int. Every number that went into the score is kept in the result, for
``leadstage explain``.

The rules compile into a ``ScoringPlan``: the fit rules grouped by the field they read, each engagement rule
reading the ages its matcher found in the one pass over the activities (``activities``).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import attrgetter
from typing import NamedTuple

from .activities import Matcher, MatcherAges, compile_matchers
from .conditions import Condition, Where, where_holds
from .memo import BoundedMemo
from .model import MICROSECONDS_PER_SECOND, Activity, Contact, epoch_microseconds

SECONDS_PER_DAY = 86_400.0
MAX_POINTS = 100.0
DEFAULT_HALF_LIFE_DAYS = 30.0
DEFAULT_WEIGHT = 0.5
# Activities dated further ahead than this are bad data and not looked at (a meeting booked for next month counts,
# from now on, as if it were today; one dated 9999-12-31 would otherwise stay "recent" forever).
DEFAULT_MAX_FUTURE_DAYS = 90.0


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
    max_future_days: float = DEFAULT_MAX_FUTURE_DAYS

    def __post_init__(self) -> None:
        if not self.half_life_days > 0:
            raise ValueError(f"half_life_days must be above 0, got {self.half_life_days}")
        if self.max_age_days is not None and not self.max_age_days > 0:
            raise ValueError(f"max_age_days must be above 0 (or None for no limit), got {self.max_age_days}")
        if not self.max_future_days >= 0:
            raise ValueError(f"max_future_days must be 0 or more, got {self.max_future_days}")
        if not (self.fit_weight >= 0 and self.engagement_weight >= 0):
            raise ValueError("fit_weight and engagement_weight must be 0 or more")

    def matchers(self) -> list[Matcher]:
        """What each engagement rule looks for in an activity, in rule order."""
        return [Matcher(rule.kinds, rule.where) for rule in self.engagement_rules]


# Built once per rule and value seen, then shared by every result that saw the value: frozen, so sharing is safe.
@dataclass(frozen=True, slots=True)
class FitContribution:
    """A fit rule that fired: the value it saw and the points it gave."""

    rule: str
    field: str
    value: str | None
    points: float


# The results below are built for every person evaluated, so they are plain slotted dataclasses: a frozen one
# costs 3-5x as much to construct (measured with bench/bench_scoring.py). Treat them as read-only.
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


class FitFired(NamedTuple):
    """A fit rule that fired on a value: what it adds to the fit, and its words in the score reason."""

    contribution: FitContribution
    label: str


class FitRun(NamedTuple):
    """Consecutive fit rules on one field (looked up once), and per value seen the rules that fired on it."""

    field: str
    rules: tuple[FitRule, ...]
    fired_by_value: BoundedMemo[str | None, tuple[FitFired, ...]]


class EngagementStep(NamedTuple):
    """An engagement rule ready to run: its matcher's position in the activity plan and its constants."""

    slot: int
    name: str
    points: float
    cap: float | None
    half_life_s: float
    # The rule's score-reason label per activity count seen ("Pricing page visit x3").
    labels: BoundedMemo[int, str]


class ScoringPlan(NamedTuple):
    """A scoring model ready to run, with its age limits in the units of the pass over the activities."""

    fit: tuple[FitRun, ...]
    engagement: tuple[EngagementStep, ...]
    max_age_s: float  # older activities give no engagement points (inf: no limit)
    max_future_us: int  # activities dated further ahead are not looked at


@dataclass(slots=True)
class FitPoints:
    """The fit before clamping, the rules that fired (in rule order) and their score-reason labels."""

    total: float
    contributions: tuple[FitContribution, ...]
    labels: list[str]


@dataclass(slots=True)
class EngagementPoints:
    """The engagement before clamping, the rules that counted (in rule order) and their score-reason labels."""

    total: float
    contributions: tuple[EngagementContribution, ...]
    labels: list[str]


def fit_label(name: str, points: float) -> str:
    """How a fit rule that fired reads in the score reason: "Senior title +30"."""
    return f"{name} {points:+g}"


def engagement_label(name: str, count: int) -> str:
    """How an engagement rule that counted reads in the score reason: "Pricing page visit x3"."""
    return f"{name} x{count}"


def compile_scoring(model: ScoringModel, slots: Sequence[int]) -> ScoringPlan:
    """The model ready to run, its engagement rules reading the matchers at ``slots`` of an activity plan."""
    fit = tuple(
        FitRun(field, tuple(run), BoundedMemo()) for field, run in groupby(model.fit_rules, key=attrgetter("field"))
    )
    engagement = tuple(
        EngagementStep(
            slot,
            rule.name,
            rule.points,
            rule.cap,
            (rule.half_life_days or model.half_life_days) * SECONDS_PER_DAY,
            BoundedMemo(),
        )
        for slot, rule in zip(slots, model.engagement_rules, strict=True)
    )
    max_age_s = math.inf if model.max_age_days is None else model.max_age_days * SECONDS_PER_DAY
    return ScoringPlan(fit, engagement, max_age_s, max_future_us(model.max_future_days))


def max_future_us(days: float) -> int:
    """``max_future_days`` in the microseconds of ``Activity.epoch_us``."""
    return round(days * SECONDS_PER_DAY * MICROSECONDS_PER_SECOND)


def score(contact: Contact, activities: Iterable[Activity], model: ScoringModel, now: datetime) -> ScoreResult:
    """Score a contact from its fields and its activities as of ``now``.

    Compiles ``model`` for this one call: ``evaluate()`` uses the rules its QualificationModel compiled once.
    """
    activity_plan, (slots,) = compile_matchers([model.matchers()])
    plan = compile_scoring(model, slots)
    as_of_us = epoch_microseconds(now)
    found = activity_plan.ages(activities, as_of_us, as_of_us + plan.max_future_us)
    engagement = engagement_points(found.ages, plan.engagement, plan.max_age_s)
    return score_result(fit_points(contact, plan.fit), engagement, model)


def fit_points(contact: Contact, runs: Iterable[FitRun]) -> FitPoints:
    """The fit rules that fire on the contact's fields, and their points added up in rule order."""
    get = contact.fields.get
    contributions: list[FitContribution] = []
    labels: list[str] = []
    total = 0.0
    for field, rules, fired_by_value in runs:
        value = get(field)
        fired = fired_by_value.get(value)
        if fired is None:
            fired = fired_by_value.remember(value, _fired(rules, value))
        for contribution, label in fired:
            total += contribution.points
            contributions.append(contribution)
            labels.append(label)
    return FitPoints(total, tuple(contributions), labels)


def _fired(rules: Iterable[FitRule], value: str | None) -> tuple[FitFired, ...]:
    return tuple(
        FitFired(FitContribution(rule.name, rule.field, value, rule.points), fit_label(rule.name, rule.points))
        for rule in rules
        if rule.condition.holds(value)
    )


def engagement_points(found: MatcherAges, steps: Iterable[EngagementStep], max_age_s: float) -> EngagementPoints:
    """Decayed and capped points per engagement rule, from the ages its matcher found (ascending), leaving out
    activities older than ``max_age_s``."""
    total = 0.0
    contributions: list[EngagementContribution] = []
    labels: list[str] = []
    for slot, name, points, cap, half_life_s, labels_by_count in steps:
        ages = found[slot]
        if ages is not None and ages[-1] > max_age_s:
            ages = ages[: bisect_right(ages, max_age_s)] or None
        if ages is None:
            continue
        contribution = _decayed(name, points, cap, half_life_s, ages)
        total += contribution.points
        contributions.append(contribution)
        count = contribution.activities
        label = labels_by_count.get(count)
        labels.append(label if label is not None else labels_by_count.remember(count, engagement_label(name, count)))
    return EngagementPoints(total, tuple(contributions), labels)


def _decayed(
    name: str, points: float, cap: float | None, half_life_s: float, ages: list[float]
) -> EngagementContribution:
    """A rule's points for activities of ``ages`` (ascending): each halved every half-life, the sum capped."""
    decay_sum = 0.0
    for age in ages:  # in age order, so that the sum does not depend on the order of the activities
        decay_sum += 0.5 ** (age / half_life_s)
    decayed = points * decay_sum
    counted = capped(decayed, cap)
    count = len(ages)
    min_factor, max_factor = 0.5 ** (ages[-1] / half_life_s), 0.5 ** (ages[0] / half_life_s)
    return EngagementContribution(
        name, count, points * count, decayed, counted, min_factor, max_factor, cap, counted != decayed
    )


def capped(total: float, cap: float | None) -> float:
    """A rule's total within its cap (the cap bounds the size of a negative total too)."""
    if cap is None:
        return total
    # Not max(-cap, min(total, cap)): the same number, but those builtins cost 2 µs a contact (6%) in
    # bench/bench_scoring.py, where this runs for every rule of every person, for the score and the temperature.
    return cap if total > cap else -cap if total < -cap else total


def score_result(fit: FitPoints, engagement: EngagementPoints, model: ScoringModel) -> ScoreResult:
    """The score from the fit and engagement points: each part and the weighted total clamped to 0..100."""
    clamps: list[Clamp] = []
    fit_part = _clamp("fit", fit.total, clamps)
    engagement_part = _clamp("engagement", engagement.total, clamps)
    total = _clamp("score", model.fit_weight * fit_part + model.engagement_weight * engagement_part, clamps)
    return ScoreResult(
        math.floor(total + 0.5), fit_part, engagement_part, fit.contributions, engagement.contributions, tuple(clamps)
    )


def _clamp(total: str, raw: float, clamps: list[Clamp]) -> float:
    if 0.0 <= raw <= MAX_POINTS:
        return raw
    clamped = min(max(raw, 0.0), MAX_POINTS)
    clamps.append(Clamp(total, raw, clamped))
    return clamped
