"""Temperature: how recently and strongly a person engaged, as cold, warm or hot.

A window (e.g. hot: 7 days, 20 points) adds up the engagement rules' points of the activities within it, with
each rule's cap: undecayed by default, or decayed as the score decays them (``decayed``: a demo request six days
ago counts for less than one today; the sum counted to a tenth, rounded down). ``rules`` names the engagement
rules whose points the window counts (by default all of them): a hot window may count only the rules that show
buying intent. Hot when the hot window reaches its points, else warm when the warm window does, else cold.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from .activities import MatcherAges, compile_matchers
from .memo import BoundedMemo
from .model import Activity, Temperature, epoch_microseconds
from .scoring import SECONDS_PER_DAY, EngagementStep, ScoringModel, capped, compile_scoring


@dataclass(frozen=True, slots=True)
class Window:
    """Engagement within the last ``within_days`` (inclusive) must reach ``min_points``.

    ``rules`` names the engagement rules that count (None: all); ``decayed`` counts their points decayed by age
    (with the same half-lives and caps as the score) instead of undecayed.
    """

    within_days: float
    min_points: float
    rules: tuple[str, ...] | None = None
    decayed: bool = False

    def __post_init__(self) -> None:
        if not self.within_days > 0:
            raise ValueError(f"within_days must be above 0, got {self.within_days}")
        if self.rules is not None and not self.rules:
            raise ValueError("rules needs at least one engagement rule name (None counts them all)")


@dataclass(frozen=True, slots=True)
class TemperatureModel:
    """The hot and warm windows; a person reaching neither is cold."""

    hot: Window = Window(within_days=7, min_points=20)
    warm: Window = Window(within_days=30, min_points=5)


# Results are shared by every person with the same points: frozen, so sharing is safe.
@dataclass(frozen=True, slots=True)
class WindowPoints:
    """The engagement points found in one window, next to what the window needs."""

    window: str
    within_days: float
    min_points: float
    points: float
    decayed: bool = False
    rules: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class TemperatureResult:
    """The temperature, why, and the points of each window (hot first)."""

    temperature: Temperature
    reason: str
    points_by_window: tuple[WindowPoints, ...]


@dataclass(slots=True)
class WindowTotals:
    """The undecayed, capped engagement points within the hot and the warm window."""

    hot: float
    warm: float


class TemperaturePlan(NamedTuple):
    """A temperature model ready to run: its windows in seconds, and the result per pair of totals seen (they
    repeat a lot across people). ``hot_steps``/``warm_steps`` are the positions, among the scoring plan's
    engagement steps, of the rules a window counts (None: all); ``simple`` when both windows count every rule
    undecayed."""

    model: TemperatureModel
    hot_s: float
    warm_s: float
    results: BoundedMemo[tuple[float, float], TemperatureResult]
    hot_steps: tuple[int, ...] | None = None
    warm_steps: tuple[int, ...] | None = None
    simple: bool = True


def compile_temperature(model: TemperatureModel, rule_names: Sequence[str] = ()) -> TemperaturePlan:
    """The model's windows in the seconds of the activities' ages; ``rule_names`` are the engagement rules' names
    in the order of the scoring plan's steps, for windows that name the rules they count."""
    hot_s, warm_s = model.hot.within_days * SECONDS_PER_DAY, model.warm.within_days * SECONDS_PER_DAY

    def positions(window: Window) -> tuple[int, ...] | None:
        if window.rules is None:
            return None
        unknown = [name for name in window.rules if name not in rule_names]
        if unknown:
            raise ValueError(f"temperature: no engagement rule is named {unknown[0]!r}")
        return tuple(n for n, name in enumerate(rule_names) if name in window.rules)

    simple = model.hot.rules is None and model.warm.rules is None and not (model.hot.decayed or model.warm.decayed)
    return TemperaturePlan(model, hot_s, warm_s, BoundedMemo(), positions(model.hot), positions(model.warm), simple)


def temperature(
    activities: Iterable[Activity], scoring_model: ScoringModel, temp_model: TemperatureModel, now: datetime
) -> TemperatureResult:
    """The temperature of a person from their activities as of ``now``, by the engagement rules' points.

    Compiles the models for this one call: ``evaluate()`` uses the rules its QualificationModel compiled once.
    """
    activity_plan, (slots,) = compile_matchers([scoring_model.matchers()])
    scoring_plan = compile_scoring(scoring_model, slots)
    plan = compile_temperature(temp_model, [rule.name for rule in scoring_model.engagement_rules])
    as_of_us = epoch_microseconds(now)
    found = activity_plan.ages(activities, as_of_us, as_of_us + scoring_plan.max_future_us)
    return temperature_result(window_points(found.ages, scoring_plan.engagement, plan), plan)


def window_points(found: MatcherAges, steps: Sequence[EngagementStep], plan: TemperaturePlan) -> WindowTotals:
    """The engagement rules' points within each window, from the ages each rule's matcher found (ascending).

    Each rule's points within its cap, undecayed unless the window says ``decayed``; at any age a window reaches,
    whatever the scoring model's ``max_age_days``.
    """
    if not plan.simple:
        model = plan.model
        return WindowTotals(
            _window_total(found, steps, plan.hot_steps, plan.hot_s, model.hot.decayed),
            _window_total(found, steps, plan.warm_steps, plan.warm_s, model.warm.decayed),
        )
    hot_s, warm_s = plan.hot_s, plan.warm_s
    reach = max(hot_s, warm_s)
    hot = warm = 0.0
    for step in steps:
        ages = found[step.slot]
        if ages is None or ages[0] > reach:
            continue
        hot += capped(step.points * bisect_right(ages, hot_s), step.cap)
        warm += capped(step.points * bisect_right(ages, warm_s), step.cap)
    return WindowTotals(hot, warm)


def _window_total(
    found: MatcherAges, steps: Sequence[EngagementStep], chosen: tuple[int, ...] | None, within_s: float, decayed: bool
) -> float:
    """The points of the engagement steps ``chosen`` (None: all) within ``within_s``, each within its cap.

    Decayed points are counted to a tenth, rounded down (``decayed_total``).
    """
    total = 0.0
    for position in range(len(steps)) if chosen is None else chosen:
        step = steps[position]
        ages = found[step.slot]
        if ages is None or ages[0] > within_s:
            continue
        count = bisect_right(ages, within_s)
        if decayed:
            half_life_s = step.half_life_s
            decay_sum = 0.0
            for age in ages[:count]:
                decay_sum += 0.5 ** (age / half_life_s)
            total += capped(step.points * decay_sum, step.cap)
        else:
            total += capped(step.points * count, step.cap)
    return decayed_total(total) if decayed else total


def decayed_total(points: float) -> float:
    """A decayed window's points to a tenth, rounded down: what is compared with ``min_points`` and shown (19.96
    is 19.9, which misses 20, and reads so), and few enough distinct values for the results to be remembered."""
    return math.floor(points * 10) / 10


def temperature_result(totals: WindowTotals, plan: TemperaturePlan) -> TemperatureResult:
    """Hot, warm or cold from the points within the windows, and why."""
    key = (totals.hot, totals.warm)
    result = plan.results.get(key)
    if result is None:
        hot, warm = plan.model.hot, plan.model.warm
        windows = (
            WindowPoints("hot", hot.within_days, hot.min_points, totals.hot, hot.decayed, hot.rules),
            WindowPoints("warm", warm.within_days, warm.min_points, totals.warm, warm.decayed, warm.rules),
        )
        result = plan.results.remember(key, TemperatureResult(*_decide(windows), windows))
    return result


def _decide(windows: tuple[WindowPoints, WindowPoints]) -> tuple[Temperature, str]:
    hot, warm = windows
    if hot.points >= hot.min_points:
        return Temperature.HOT, f"hot: {_describe(hot)}"
    if warm.points >= warm.min_points:
        return Temperature.WARM, f"warm: {_describe(warm)}, but {_describe(hot)}"
    return Temperature.COLD, f"cold: {_describe(warm)}"


def _describe(window: WindowPoints) -> str:
    days = f"{window.within_days:g} day" + ("" if window.within_days == 1 else "s")
    points = f"{window.points:.1f} decayed points" if window.decayed else f"{window.points:g} points"
    if window.rules is not None:
        points += " of " + ", ".join(window.rules)
    return f"{points} in the last {days} ({window.window} needs {window.min_points:g})"
