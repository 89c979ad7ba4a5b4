"""Temperature: how recently and strongly a person engaged, as cold, warm or hot.

A window (e.g. hot: 7 days, 20 points) adds up the engagement rules' points of the activities within it,
undecayed but with each rule's cap. Hot when the hot window reaches its points, else warm when the warm window
does, else cold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .compiled_activities import MEMO_LIMIT
from .compiled_time import epoch_microseconds
from .model import Activity, Temperature
from .scoring import SECONDS_PER_DAY, ScoringModel, Windows, engagement_points


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


def temperature(
    activities: Iterable[Activity], scoring_model: ScoringModel, temp_model: TemperatureModel, now: datetime
) -> TemperatureResult:
    """The temperature of a person from their activities as of ``now``, by the engagement rules' points."""
    as_of_us = epoch_microseconds(now)
    found, _ = scoring_model.activity_plan.ages(activities, as_of_us, as_of_us + scoring_model.max_future_us)
    *_, hot, warm = engagement_points(
        found, scoring_model.engagement_plan, scoring_model.max_age_seconds, window_limits(temp_model)
    )
    return temperature_result(hot, warm, temp_model)


def window_limits(temp_model: TemperatureModel) -> Windows:
    """The hot and warm windows in seconds, for ``scoring.engagement_points``."""
    return temp_model.hot.within_days * SECONDS_PER_DAY, temp_model.warm.within_days * SECONDS_PER_DAY


def temperature_result(
    hot_points: float,
    warm_points: float,
    temp_model: TemperatureModel,
    memo: dict[tuple[float, float], TemperatureResult] | None = None,
) -> TemperatureResult:
    """The temperature from the undecayed, capped engagement points within the hot and warm windows.

    ``memo``, when given, remembers the result per pair of points (they repeat a lot across people).
    """
    if memo is not None:
        remembered = memo.get((hot_points, warm_points))
        if remembered is not None:
            return remembered
    hot, warm = temp_model.hot, temp_model.warm
    windows = (
        WindowPoints("hot", hot.within_days, hot.min_points, hot_points),
        WindowPoints("warm", warm.within_days, warm.min_points, warm_points),
    )
    result = TemperatureResult(*_decide(windows), windows)
    if memo is not None:
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        memo[hot_points, warm_points] = result
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
