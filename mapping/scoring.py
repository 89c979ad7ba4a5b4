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
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from .compiled_activities import MEMO_LIMIT, ActivityPlan, Matcher, MatcherAges, compile_matchers
from .compiled_time import epoch_microseconds
from .conditions import Condition, Where, where_holds
from .model import Activity, Contact

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
    # Built once here so that scoring a person is one pass over the activities (see compiled_activities) and
    # one loop over the rules, with every per-rule constant at hand.
    activity_plan: ActivityPlan = dataclasses.field(init=False, repr=False, compare=False)
    fit_plan: FitPlan = dataclasses.field(init=False, repr=False, compare=False)
    engagement_plan: EngagementPlan = dataclasses.field(init=False, repr=False, compare=False)
    max_age_seconds: float = dataclasses.field(init=False, repr=False, compare=False)
    max_future_us: int = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.half_life_days > 0:
            raise ValueError(f"half_life_days must be above 0, got {self.half_life_days}")
        if self.max_age_days is not None and not self.max_age_days > 0:
            raise ValueError(f"max_age_days must be above 0 (or None for no limit), got {self.max_age_days}")
        if not self.max_future_days >= 0:
            raise ValueError(f"max_future_days must be 0 or more, got {self.max_future_days}")
        if not (self.fit_weight >= 0 and self.engagement_weight >= 0):
            raise ValueError("fit_weight and engagement_weight must be 0 or more")
        plan, (slots,) = compile_matchers([self.matchers()])
        max_age = math.inf if self.max_age_days is None else self.max_age_days * SECONDS_PER_DAY
        object.__setattr__(self, "activity_plan", plan)
        object.__setattr__(self, "fit_plan", compile_fit_rules(self.fit_rules))
        object.__setattr__(self, "engagement_plan", self.compile_engagement(slots))
        object.__setattr__(self, "max_age_seconds", max_age)
        object.__setattr__(self, "max_future_us", round(self.max_future_days * SECONDS_PER_DAY * 1_000_000))

    def matchers(self) -> list[Matcher]:
        """What each engagement rule looks for in an activity, in rule order."""
        return [(rule.kinds, rule.where) for rule in self.engagement_rules]

    def compile_engagement(self, slots: Sequence[int]) -> EngagementPlan:
        """The engagement rules with their matcher positions in an ActivityPlan and half-lives in seconds."""
        return tuple(
            (
                slot,
                rule.name,
                rule.points,
                rule.cap,
                (rule.half_life_days or self.half_life_days) * SECONDS_PER_DAY,
                tuple(engagement_label(rule.name, count) for count in range(_LABELLED_COUNTS)),
            )
            for slot, rule in zip(slots, self.engagement_rules, strict=True)
        )


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
    as_of_us = epoch_microseconds(now)
    found, _ = model.activity_plan.ages(activities, as_of_us, as_of_us + model.max_future_us)
    engagement = engagement_points(found, model.engagement_plan, model.max_age_seconds, NO_WINDOWS)
    return score_result(fit_points(contact, model.fit_plan), engagement, model)


# Of a run of fit rules on one field, the rules that fired on a value: (points, contribution, label) each.
FitFired: TypeAlias = tuple[tuple[float, FitContribution, str], ...]
# Runs of consecutive fit rules on the same field, in rule order: (field, run).
FitPlan: TypeAlias = tuple[tuple[str, "_FitRun"], ...]
# Per engagement rule: matcher position, name, points, cap, half-life in seconds, labels by activity count.
EngagementPlan: TypeAlias = tuple[tuple[int, str, float, float | None, float, tuple[str, ...]], ...]
# Temperature windows (hot, warm) in seconds, whose undecayed points ``engagement_points`` also adds up.
Windows: TypeAlias = tuple[float, float]
NO_WINDOWS: Windows = (-1.0, -1.0)
# Fit total before clamping, the rules that fired, and their score-reason labels.
FitPoints: TypeAlias = tuple[float, tuple[FitContribution, ...], list[str]]
# Engagement total before clamping, the rules that counted, their labels, and the points in the two windows.
EngagementPoints: TypeAlias = tuple[float, tuple[EngagementContribution, ...], list[str], float, float]
_LABELLED_COUNTS = 64


def fit_label(name: str, points: float) -> str:
    """How a fit rule that fired reads in the score reason: "Senior title +30"."""
    return f"{name} {points:+g}"


def engagement_label(name: str, count: int) -> str:
    """How an engagement rule that counted reads in the score reason: "Pricing page visit x3"."""
    return f"{name} x{count}"


class _FitRun:
    """Consecutive fit rules on one field, remembering per value seen which of them fired (in rule order)."""

    __slots__ = ("field", "memo", "rules")

    def __init__(self, field: str, rules: tuple[FitRule, ...]) -> None:
        self.field = field
        self.rules = tuple((rule, rule.condition.holds, fit_label(rule.name, rule.points)) for rule in rules)
        self.memo: dict[str | None, FitFired] = {}

    def resolve(self, value: str | None) -> FitFired:
        """Points, contribution and score-reason label of each rule that fires on ``value``; remembered."""
        fired: list[tuple[float, FitContribution, str]] = []
        for rule, holds, label in self.rules:
            if holds(value):
                fired.append((rule.points, FitContribution(rule.name, rule.field, value, rule.points), label))
        memo = self.memo
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        outcome = memo[value] = tuple(fired)
        return outcome


def compile_fit_rules(rules: Iterable[FitRule]) -> FitPlan:
    """The fit rules ready to run: runs of consecutive rules on the same field look the field up once."""
    runs: list[list[FitRule]] = []
    for rule in rules:
        if runs and runs[-1][0].field == rule.field:
            runs[-1].append(rule)
        else:
            runs.append([rule])
    return tuple((run[0].field, _FitRun(run[0].field, tuple(run))) for run in runs)


def fit_points(contact: Contact, plan: FitPlan) -> FitPoints:
    """The fit rules that fire on the contact's fields, and their points added up in rule order."""
    get = contact.fields.get
    contributions: list[FitContribution] = []
    labels: list[str] = []
    total = 0.0
    for field, run in plan:
        value = get(field)
        fired = run.memo.get(value)
        if fired is None:
            fired = run.resolve(value)
        for points, contribution, label in fired:
            total += points
            contributions.append(contribution)
            labels.append(label)
    return total, tuple(contributions), labels


def engagement_points(found: MatcherAges, plan: EngagementPlan, max_age: float, windows: Windows) -> EngagementPoints:
    """Decayed and capped engagement points per rule, from the ages each rule's matcher found (ascending).

    Activities older than ``max_age`` count for nothing here but still count, undecayed and capped, in the
    windows (temperature looks at any age its windows reach).
    """
    hot_limit, warm_limit = windows
    window_limit = max(windows)
    total = hot_points = warm_points = 0.0
    contributions: list[EngagementContribution] = []
    labels: list[str] = []
    # In rule order, and each rule's ages ascending: the sums then do not depend on the activities' order.
    for slot, name, points, cap, half_life, rule_labels in plan:
        ages = found[slot]
        if ages is None:
            continue
        if ages[0] <= window_limit:
            hot = points * bisect_right(ages, hot_limit)
            warm = points * bisect_right(ages, warm_limit)
            if cap is not None:
                # capped(), written out: this runs for every rule of every person
                hot = cap if hot > cap else -cap if hot < -cap else hot
                warm = cap if warm > cap else -cap if warm < -cap else warm
            hot_points += hot
            warm_points += warm
        if ages[-1] > max_age:
            ages = ages[: bisect_right(ages, max_age)]
            if not ages:
                continue
        count = len(ages)
        if count == 1:
            decay_sum = factor = max_factor = 0.5 ** (ages[0] / half_life)
        else:
            decay_sum = 0.0
            factor = 1.0
            for age in ages:
                factor = 0.5 ** (age / half_life)
                decay_sum += factor
            # ages ascend, so the last factor is the smallest and the first the largest
            max_factor = 0.5 ** (ages[0] / half_life)
        decayed = points * decay_sum
        counted = decayed if cap is None else cap if decayed > cap else -cap if decayed < -cap else decayed
        total += counted
        contributions.append(
            EngagementContribution(
                name, count, points * count, decayed, counted, factor, max_factor, cap, counted != decayed
            )
        )
        labels.append(rule_labels[count] if count < _LABELLED_COUNTS else engagement_label(name, count))
    return total, tuple(contributions), labels, hot_points, warm_points


def score_result(fit: FitPoints, engagement: EngagementPoints, model: ScoringModel) -> ScoreResult:
    """The score from the fit and engagement points: each part and the total clamped to 0..100."""
    fit_raw = fit[0]
    engagement_raw = engagement[0]
    if 0.0 <= fit_raw <= MAX_POINTS and 0.0 <= engagement_raw <= MAX_POINTS:
        total = model.fit_weight * fit_raw + model.engagement_weight * engagement_raw
        if 0.0 <= total <= MAX_POINTS:
            return ScoreResult(math.floor(total + 0.5), fit_raw, engagement_raw, fit[1], engagement[1], ())
    clamps: list[Clamp] = []
    fit_part = _clamp("fit", fit_raw, clamps)
    engagement_part = _clamp("engagement", engagement_raw, clamps)
    total = _clamp("score", model.fit_weight * fit_part + model.engagement_weight * engagement_part, clamps)
    return ScoreResult(math.floor(total + 0.5), fit_part, engagement_part, fit[1], engagement[1], tuple(clamps))


def _clamp(total: str, raw: float, clamps: list[Clamp]) -> float:
    if 0.0 <= raw <= MAX_POINTS:
        return raw
    clamped = min(max(raw, 0.0), MAX_POINTS)
    clamps.append(Clamp(total, raw, clamped))
    return clamped
