"""Temperature (README, "What it is"): hot, warm or cold from the engagement points within each window."""

from __future__ import annotations

import pytest

from leadstage.mapping.conditions import Contains
from leadstage.mapping.model import Activity, Temperature
from leadstage.mapping.scoring import EngagementRule, ScoringModel
from leadstage.mapping.temperature import TemperatureModel, Window, WindowPoints, temperature
from tests.mapping.scoring_support import NOW, did

SCORING = ScoringModel(
    engagement_rules=(
        EngagementRule("Pricing", frozenset({"page_view"}), 10, where=(("url", Contains("/pricing")),), cap=30),
        EngagementRule("Meeting", frozenset({"meeting"}), 20),
    ),
    half_life_days=1,  # temperature ignores decay: a short half-life must not cool anyone down
)
WINDOWS = TemperatureModel(hot=Window(within_days=7, min_points=20), warm=Window(within_days=30, min_points=5))


def pricing(days_ago: float) -> Activity:
    return did("page_view", days_ago, url="https://x.io/pricing")


@pytest.mark.parametrize(
    ("activities", "expected"),
    [
        pytest.param([], Temperature.COLD, id="no activity: cold"),
        pytest.param([did("meeting", 6.9)], Temperature.HOT, id="enough points within the hot window"),
        pytest.param([did("meeting", 7)], Temperature.HOT, id="hot window includes its last day"),
        pytest.param([did("meeting", 7.001)], Temperature.WARM, id="just outside the hot window: warm"),
        pytest.param([pricing(0), pricing(1)], Temperature.HOT, id="exactly the hot points"),
        pytest.param([pricing(0)], Temperature.WARM, id="below the hot points: warm"),
        pytest.param([pricing(30)], Temperature.WARM, id="warm window includes its last day"),
        pytest.param([pricing(30.001)], Temperature.COLD, id="outside both windows: cold"),
        pytest.param([did("page_view", 0, url="/blog")], Temperature.COLD, id="activity no rule scores"),
        pytest.param([did("meeting", -1)], Temperature.HOT, id="future-dated counts as now"),
    ],
)
def test_temperature_by_points_within_each_window(activities: list[Activity], expected: Temperature) -> None:
    assert temperature(activities, SCORING, WINDOWS, NOW).temperature is expected


def test_window_points_are_undecayed_and_capped_per_rule() -> None:
    activities = [pricing(days) for days in (0, 1, 2, 3, 20)] + [did("meeting", 10)]

    result = temperature(activities, SCORING, WINDOWS, NOW)

    assert result.points_by_window == (
        WindowPoints("hot", 7, 20, 30),  # 4 pricing views = 40, capped at 30
        WindowPoints("warm", 30, 5, 50),  # 5 pricing views capped at 30, plus the meeting's 20
    )
    assert result.temperature is Temperature.HOT


@pytest.mark.parametrize(
    ("activities", "reason"),
    [
        ([did("meeting", 1)], "hot: 20 points in the last 7 days (hot needs 20)"),
        (
            [pricing(10)],
            "warm: 10 points in the last 30 days (warm needs 5), but 0 points in the last 7 days (hot needs 20)",
        ),
        ([pricing(40)], "cold: 0 points in the last 30 days (warm needs 5)"),
    ],
)
def test_reason_gives_the_points_and_what_the_window_needs(activities: list[Activity], reason: str) -> None:
    assert temperature(activities, SCORING, WINDOWS, NOW).reason == reason


def test_default_windows_are_a_week_for_hot_and_a_month_for_warm() -> None:
    assert TemperatureModel() == WINDOWS


def test_a_window_must_span_some_time() -> None:
    with pytest.raises(ValueError, match="within_days must be above 0"):
        Window(within_days=0, min_points=5)
