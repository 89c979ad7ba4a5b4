"""Temperature: how recently and strongly a person engaged, as cold, warm or hot.

A window (e.g. hot: 7 days, 20 points) adds up the engagement rules' points of the activities within it,
undecayed but with each rule's cap. Hot when the hot window reaches its points, else warm when the warm window
does, else cold.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from .activities import MatcherAges, compile_matchers
from .memo import BoundedMemo
from .model import Activity, Temperature, epoch_microseconds
from .scoring import SECONDS_PER_DAY, EngagementStep, ScoringModel, capped, compile_scoring


@dataclass(frozen=True, slots=True)
class Window:
    """Engagement within the last ``within_days`` (inclusive) must reach ``min_points``."""

    within_days: float
    min_points: float

    def __post_init__(self) -> None:
        if not self.within_days > 0:
            raise ValueError(f"within_days must be above 0, got {self.within_days}")


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
    repeat a lot across people)."""

    model: TemperatureModel
    hot_s: float
    warm_s: float
    results: BoundedMemo[tuple[float, float], TemperatureResult]


def compile_temperature(model: TemperatureModel) -> TemperaturePlan:
    """The model's windows in the seconds of the activities' ages."""
    hot_s, warm_s = model.hot.within_days * SECONDS_PER_DAY, model.warm.within_days * SECONDS_PER_DAY
    return TemperaturePlan(model, hot_s, warm_s, BoundedMemo())


def temperature(
    activities: Iterable[Activity], scoring_model: ScoringModel, temp_model: TemperatureModel, now: datetime
) -> TemperatureResult:
    """The temperature of a person from their activities as of ``now``, by the engagement rules' points.

    Compiles the models for this one call: ``evaluate()`` uses the rules its QualificationModel compiled once.
    """
    activity_plan, (slots,) = compile_matchers([scoring_model.matchers()])
    scoring_plan = compile_scoring(scoring_model, slots)
    plan = compile_temperature(temp_model)
    as_of_us = epoch_microseconds(now)
    found = activity_plan.ages(activities, as_of_us, as_of_us + scoring_plan.max_future_us)
    return temperature_result(window_points(found.ages, scoring_plan.engagement, plan), plan)


def window_points(found: MatcherAges, steps: Iterable[EngagementStep], plan: TemperaturePlan) -> WindowTotals:
    """The engagement rules' points within each window, from the ages each rule's matcher found (ascending).

    Undecayed, but each rule's points within its cap; at any age a window reaches, whatever the scoring model's
    ``max_age_days``.
    """
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


def temperature_result(totals: WindowTotals, plan: TemperaturePlan) -> TemperatureResult:
    """Hot, warm or cold from the points within the windows, and why."""
    key = (totals.hot, totals.warm)
    result = plan.results.get(key)
    if result is None:
        hot, warm = plan.model.hot, plan.model.warm
        windows = (
            WindowPoints("hot", hot.within_days, hot.min_points, totals.hot),
            WindowPoints("warm", warm.within_days, warm.min_points, totals.warm),
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
    return f"{window.points:g} points in the last {days} ({window.window} needs {window.min_points:g})"
