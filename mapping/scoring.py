"""Scoring: fit points from contact fields plus engagement points from activities, decayed with a half-life.

A fit rule gives its points when its condition holds: a condition on one field (``FitRule``), a group of
conditions (``FitGroup``: all/any/not, references to other rules, see ``groups``), or tiers (``FitTiers``: the
first tier whose condition holds gives that tier's points, "Seniority: VP +20"). fit = the sum of the points of
the fit rules that fired. Each activity matching an engagement rule adds ``points * 0.5 ** (age_days /
half_life_days)``; a rule's total is capped at its ``cap``; engagement = the sum of the rules' totals.

How the two make the score (``ScoringModel.combine``), rounded half up to an int:

- ``clamped`` (the default): fit and engagement are each clamped to 0..100, then score = fit_weight * fit +
  engagement_weight * engagement, clamped to 0..100. Negative fit points lower the fit part only: a bad fit
  cannot cancel engagement (Account Engagement keeps its grade and its score apart the same way).
- ``net``: score = fit_weight * fit + engagement_weight * engagement of the unclamped sums, and only the score is
  clamped to 0..100: negative fit points subtract from engagement (as HubSpot's score properties add positive and
  negative criteria into one number).

Either way the result's ``fit`` and ``engagement`` (written as fit_score and engagement_score) are the parts
clamped to 0..100, and ``fit_raw``/``engagement_raw`` the sums. Every number that went into the score is kept in
the result, for ``leadstage explain``.

The rules compile into a ``ScoringPlan``: consecutive fit rules reading one same field grouped (their outcome
remembered per value of it), a rule reading several fields or activities remembered per combination of them;
each engagement rule reading the ages its matcher found in the one pass over the activities (``activities``).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Literal, NamedTuple, TypeAlias, get_args

from .activities import Matcher, MatcherAges, compile_matchers
from .conditions import Condition, Range, Where, where_holds
from .groups import Clause, FieldCheck, FieldTest, Found, RuleResolver, TierSelect, check_key
from .memo import BoundedMemo
from .model import MICROSECONDS_PER_SECOND, Activity, Contact, epoch_microseconds

SECONDS_PER_DAY = 86_400.0
MAX_POINTS = 100.0
DEFAULT_HALF_LIFE_DAYS = 30.0
DEFAULT_WEIGHT = 0.5
# Activities dated further ahead than this are bad data and not looked at (a meeting booked for next month counts,
# from now on, as if it were today; one dated 9999-12-31 would otherwise stay "recent" forever).
DEFAULT_MAX_FUTURE_DAYS = 90.0
Combine: TypeAlias = Literal["clamped", "net"]
COMBINE_MODES: tuple[str, ...] = get_args(Combine)
DEFAULT_COMBINE: Combine = "clamped"


@dataclass(frozen=True, slots=True)
class FitRule:
    """Points for a contact whose ``field`` meets ``condition`` (negative for students, competitors...)."""

    name: str
    field: str
    condition: Condition
    points: float


@dataclass(frozen=True, slots=True)
class FitGroup:
    """Points for a contact meeting ``clause``: a group of conditions (all/any/not), possibly naming other rules."""

    name: str
    clause: Clause
    points: float


@dataclass(frozen=True, slots=True)
class Tier:
    """One tier of a tiered fit rule: its name, its condition and its points."""

    name: str
    clause: Clause
    points: float


@dataclass(frozen=True, slots=True)
class FitTiers:
    """A fit rule whose first tier (in order) that holds gives its points: C-level 25, VP 20, Director 15..."""

    name: str
    tiers: tuple[Tier, ...]

    def __post_init__(self) -> None:
        if not self.tiers:
            raise ValueError(f"fit rule {self.name!r}: tiers needs at least one tier")
        names = [tier.name for tier in self.tiers]
        for tier in names:
            if names.count(tier) > 1:
                raise ValueError(f"fit rule {self.name!r}: two tiers are named {tier!r}")


AnyFitRule: TypeAlias = FitRule | FitGroup | FitTiers


def rule_tiers(rule: AnyFitRule) -> tuple[tuple[str | None, Clause], ...]:
    """A fit rule's condition as tiers: (tier name, clause) in order; one unnamed tier for a rule without tiers."""
    if isinstance(rule, FitRule):
        return ((None, FieldTest(rule.field, rule.condition)),)
    if isinstance(rule, FitGroup):
        return ((None, rule.clause),)
    return tuple((tier.name, tier.clause) for tier in rule.tiers)


def rule_points(rule: AnyFitRule) -> tuple[float, ...]:
    """The points a fit rule gives, per tier (one value for a rule without tiers)."""
    if isinstance(rule, FitTiers):
        return tuple(tier.points for tier in rule.tiers)
    return (rule.points,)


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

    fit_rules: tuple[AnyFitRule, ...] = ()
    engagement_rules: tuple[EngagementRule, ...] = ()
    fit_weight: float = DEFAULT_WEIGHT
    engagement_weight: float = DEFAULT_WEIGHT
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS
    max_age_days: float | None = None
    max_future_days: float = DEFAULT_MAX_FUTURE_DAYS
    combine: Combine = DEFAULT_COMBINE

    def __post_init__(self) -> None:
        if self.combine not in COMBINE_MODES:
            raise ValueError(f"combine must be one of {', '.join(COMBINE_MODES)}, got {self.combine!r}")
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

    @property
    def max_age_s(self) -> float:
        """``max_age_days`` in seconds; infinite for no limit."""
        return math.inf if self.max_age_days is None else self.max_age_days * SECONDS_PER_DAY

    def resolver(self, slots: Sequence[int]) -> RuleResolver:
        """What resolves references to this model's rules by name, its engagement rules reading the matchers at
        ``slots`` of an activity plan."""
        engagement_slots: dict[str, int] = {}
        for rule, slot in zip(self.engagement_rules, slots, strict=True):
            engagement_slots.setdefault(rule.name, slot)  # a name given twice is referred to as its first rule
        return RuleResolver(
            [(rule.name, rule_tiers(rule)) for rule in self.fit_rules], engagement_slots, self.max_age_s
        )


# Built once per rule and value seen, then shared by every result that saw the value: frozen, so sharing is safe.
@dataclass(frozen=True, slots=True)
class FitContribution:
    """A fit rule that fired: the value it saw and the points it gave.

    ``field`` is the field the rule reads (the fields, comma-separated, of a group reading several) and ``value``
    its value (None for a group reading several fields). ``tier`` is the tier that gave the points, for a tiered
    rule; ``detail`` says why the rule held when a value alone does not: a group's parts with the values seen, a
    tier's condition, how a number band was read.
    """

    rule: str
    field: str
    value: str | None
    points: float
    tier: str | None = None
    detail: str | None = None


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
    """The score (0..100), its fit and engagement parts (0..100 each), and the rules and clamps behind it.

    ``fit_raw`` and ``engagement_raw`` are the sums before any clamping, ``combine`` how they made the score.
    """

    score: int
    fit: float
    engagement: float
    fit_rules: tuple[FitContribution, ...]
    engagement_rules: tuple[EngagementContribution, ...]
    clamps: tuple[Clamp, ...]
    fit_raw: float = 0.0
    engagement_raw: float = 0.0
    combine: str = DEFAULT_COMBINE


class FitFired(NamedTuple):
    """A fit rule that fired on a value: what it adds to the fit, and its words in the score reason."""

    contribution: FitContribution
    label: str


class CompiledFit:
    """A fit rule ready to run: its compiled condition, and its points and score-reason label per tier."""

    __slots__ = ("field", "labels", "name", "plain", "points", "select", "single")

    def __init__(self, rule: AnyFitRule, select: TierSelect) -> None:
        self.name = rule.name
        self.select = select
        self.plain = isinstance(rule, FitRule)
        self.points = rule_points(rule)
        self.field = rule.field if isinstance(rule, FitRule) else ", ".join(select.fields)
        # The field whose value the contribution shows: the rule's one field, else none.
        self.single = select.fields[0] if len(select.fields) == 1 else None
        self.labels = tuple(
            fit_label(rule.name, points) if tier is None else tier_label(rule.name, tier, points)
            for (tier, _), points in zip(select.tiers, self.points, strict=True)
        )

    def fire(self, fields: Mapping[str, str], found: Found) -> FitFired | None:
        """The rule's contribution when it fires for a person with these fields and activities, else None."""
        position = self.select.first(fields, found)
        if position is None:
            return None
        tier, check = self.select.tiers[position]
        value = fields.get(self.single) if self.single is not None else None
        if self.plain:
            assert isinstance(check, FieldCheck)
            condition = check.condition
            detail = condition.reading(value) if isinstance(condition, Range) else None
        else:
            detail = check.trace(fields, found)
        points = self.points[position]
        return FitFired(FitContribution(self.name, self.field, value, points, tier, detail), self.labels[position])


class FitRun(NamedTuple):
    """Fit rules remembered together: consecutive rules on one same ``field`` (looked up once), or one rule reading
    several fields or activities (``field`` None: ``select`` says what it reads), and per value seen (or
    combination of values) the rules that fired."""

    field: str | None
    rules: tuple[CompiledFit, ...]
    fired_by_value: BoundedMemo[object, tuple[FitFired, ...]]
    select: TierSelect | None
    max_age_s: float


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


def tier_label(name: str, tier: str, points: float) -> str:
    """How a tiered fit rule that fired reads in the score reason: "Seniority: VP +20"."""
    return f"{name}: {tier} {points:+g}"


def contribution_label(contribution: FitContribution) -> str:
    """The score-reason label of a fit rule that fired."""
    if contribution.tier is None:
        return fit_label(contribution.rule, contribution.points)
    return tier_label(contribution.rule, contribution.tier, contribution.points)


def engagement_label(name: str, count: int) -> str:
    """How an engagement rule that counted reads in the score reason: "Pricing page visit x3"."""
    return f"{name} x{count}"


def compile_scoring(model: ScoringModel, slots: Sequence[int], resolver: RuleResolver | None = None) -> ScoringPlan:
    """The model ready to run, its engagement rules reading the matchers at ``slots`` of an activity plan;
    references to rules resolved by ``resolver`` (by default the model's own)."""
    resolver = resolver if resolver is not None else model.resolver(slots)
    max_age_s = model.max_age_s
    compiled = [CompiledFit(rule, resolver.select_at(position)) for position, rule in enumerate(model.fit_rules)]

    def reads_one(rule: CompiledFit) -> str | None:
        fields, slots_read = rule.select.fields, rule.select.slots
        return fields[0] if len(fields) == 1 and not slots_read else None

    fit: list[FitRun] = []
    for field, run in groupby(compiled, key=reads_one):
        if field is not None:
            fit.append(FitRun(field, tuple(run), BoundedMemo(), None, max_age_s))
        else:
            fit.extend(FitRun(None, (rule,), BoundedMemo(), rule.select, max_age_s) for rule in run)
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
    return ScoringPlan(tuple(fit), engagement, max_age_s, max_future_us(model.max_future_days))


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
    return score_result(fit_points(contact, plan.fit, found.ages), engagement, model)


def fit_points(contact: Contact, runs: Iterable[FitRun], found: Found = ()) -> FitPoints:
    """The fit rules that fire on the contact's fields (and, for rules naming engagement rules, on what the pass
    over the activities ``found``), and their points added up in rule order."""
    fields = contact.fields
    get = fields.get
    contributions: list[FitContribution] = []
    labels: list[str] = []
    total = 0.0
    for field, rules, fired_by_value, select, max_age_s in runs:
        key = get(field) if field is not None else check_key(select, fields, found, max_age_s)  # type: ignore[arg-type]
        fired = fired_by_value.get(key)
        if fired is None:
            fired = fired_by_value.remember(key, _fired(rules, fields, found))
        for contribution, label in fired:
            total += contribution.points
            contributions.append(contribution)
            labels.append(label)
    return FitPoints(total, tuple(contributions), labels)


def _fired(rules: Iterable[CompiledFit], fields: Mapping[str, str], found: Found) -> tuple[FitFired, ...]:
    outcomes = (rule.fire(fields, found) for rule in rules)
    return tuple(outcome for outcome in outcomes if outcome is not None)


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
    """The score from the fit and engagement points, combined as ``model.combine`` says (module docstring)."""
    clamps: list[Clamp] = []
    if model.combine == "net":
        total = _clamp("score", model.fit_weight * fit.total + model.engagement_weight * engagement.total, clamps)
        fit_part, engagement_part = _within(fit.total), _within(engagement.total)
    else:
        fit_part = _clamp("fit", fit.total, clamps)
        engagement_part = _clamp("engagement", engagement.total, clamps)
        total = _clamp("score", model.fit_weight * fit_part + model.engagement_weight * engagement_part, clamps)
    return ScoreResult(
        math.floor(total + 0.5),
        fit_part,
        engagement_part,
        fit.contributions,
        engagement.contributions,
        tuple(clamps),
        fit.total,
        engagement.total,
        model.combine,
    )


def _within(raw: float) -> float:
    return raw if 0.0 <= raw <= MAX_POINTS else min(max(raw, 0.0), MAX_POINTS)


def _clamp(total: str, raw: float, clamps: list[Clamp]) -> float:
    if 0.0 <= raw <= MAX_POINTS:
        return raw
    clamped = min(max(raw, 0.0), MAX_POINTS)
    clamps.append(Clamp(total, raw, clamped))
    return clamped
