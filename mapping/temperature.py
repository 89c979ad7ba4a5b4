"""Temperature: how recently and strongly a person engaged, as cold, warm or hot.

A window (e.g. hot: 7 days, 20 points) adds up the engagement rules' points of the activities within it,
undecayed but with each rule's cap. Hot when the hot window reaches its points, else warm when the warm window
does, else cold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .model import Activity, Temperature
from .scoring import SECONDS_PER_DAY, EngagementMatches, ScoringModel, capped, engagement_matches


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


@dataclass(slots=True)
class WindowPoints:
    """The engagement points found in one window, next to what the window needs."""

    window: str
    within_days: float
    min_points: float
    points: float


@dataclass(slots=True)
class TemperatureResult:
    """The temperature, why, and the points of each window (hot first)."""

    temperature: Temperature
    reason: str
    points_by_window: tuple[WindowPoints, ...]


def temperature(
    activities: Iterable[Activity], scoring_model: ScoringModel, temp_model: TemperatureModel, now: datetime
) -> TemperatureResult:
    """The temperature of a person from their activities as of ``now``, by the engagement rules' points."""
    return temperature_matches(engagement_matches(activities, scoring_model, now), scoring_model, temp_model)


def temperature_matches(
    matches: EngagementMatches, scoring_model: ScoringModel, temp_model: TemperatureModel
) -> TemperatureResult:
    """The temperature from the engagement rules' matches (see ``scoring.engagement_matches``)."""
    hot, warm = temp_model.hot, temp_model.warm
    hot_limit = hot.within_days * SECONDS_PER_DAY
    warm_limit = warm.within_days * SECONDS_PER_DAY
    rules = scoring_model.engagement_rules
    hot_points = warm_points = 0.0
    # In rule order, so the sums do not depend on the order the activities came in.
    for position in sorted(matches):
        hot_count = warm_count = 0
        for age in matches[position]:
            if age <= hot_limit:
                hot_count += 1
            if age <= warm_limit:
                warm_count += 1
        if hot_count or warm_count:
            rule = rules[position]
            hot_points += capped(rule.points * hot_count, rule.cap)
            warm_points += capped(rule.points * warm_count, rule.cap)
    windows = (
        WindowPoints("hot", hot.within_days, hot.min_points, hot_points),
        WindowPoints("warm", warm.within_days, warm.min_points, warm_points),
    )
    verdict, reason = _decide(windows)
    return TemperatureResult(verdict, reason, windows)


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
