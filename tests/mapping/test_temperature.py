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


# -- decayed windows, and windows counting some rules ------------------------------------------------------------
DECAYING = ScoringModel(
    engagement_rules=(
        EngagementRule("Pricing", frozenset({"page_view"}), 10, where=(("url", Contains("/pricing")),), cap=30),
        EngagementRule("Meeting", frozenset({"meeting"}), 20, half_life_days=7),
        EngagementRule("Email open", frozenset({"email_open"}), 1, cap=5),
    ),
    half_life_days=30,
)


@pytest.mark.parametrize(
    ("window", "activities", "points"),
    [
        pytest.param(Window(30, 5), [did("meeting", 7)], 20, id="undecayed: as it happened"),
        pytest.param(Window(30, 5, decayed=True), [did("meeting", 7)], 10, id="decayed by the rule's half-life"),
        pytest.param(Window(30, 5, decayed=True), [pricing(30)], 5, id="decayed by the model's half-life"),
        pytest.param(Window(30, 5, decayed=True), [pricing(0)] * 4, 30, id="the rule's cap after decay"),
        pytest.param(Window(30, 5, decayed=True), [pricing(31)], 0, id="outside the window"),
        pytest.param(Window(30, 5, decayed=True), [did("meeting", 1)], 18.1, id="to a tenth, rounded down (18.19)"),
        pytest.param(Window(30, 5, rules=("Meeting",)), [did("meeting", 1), pricing(1)], 20, id="only the rules named"),
        pytest.param(Window(30, 5, rules=("Meeting", "Pricing")), [did("meeting", 1), pricing(1)], 30, id="two named"),
        pytest.param(Window(30, 5, rules=("Email open",)), [did("meeting", 1)], 0, id="a named rule with nothing"),
        pytest.param(
            Window(30, 5, rules=("Meeting",), decayed=True), [did("meeting", 14), pricing(0)], 5, id="both at once"
        ),
    ],
)
def test_a_window_counts_the_rules_it_names_decayed_when_it_says(
    window: Window, activities: list[Activity], points: float
) -> None:
    result = temperature(activities, DECAYING, TemperatureModel(hot=Window(7, 1000), warm=window), NOW)

    assert result.points_by_window[1].points == points


@pytest.mark.parametrize(
    ("windows", "activities", "expected", "reason"),
    [
        pytest.param(
            TemperatureModel(hot=Window(7, 20, rules=("Meeting", "Pricing")), warm=Window(30, 5)),
            [did("email_open", day) for day in range(5)],
            Temperature.WARM,
            "warm: 5 points in the last 30 days (warm needs 5), but 0 points of Meeting, Pricing in the last 7 days "
            "(hot needs 20)",
            id="opens never make anyone hot when hot counts intent only",
        ),
        pytest.param(
            TemperatureModel(hot=Window(7, 20), warm=Window(30, 5, decayed=True)),
            [did("email_open", 25 + day) for day in range(5)],
            Temperature.COLD,
            "cold: 2.6 decayed points in the last 30 days (warm needs 5)",  # 2.68, rounded down
            id="old opens have cooled down",
        ),
        pytest.param(
            TemperatureModel(hot=Window(7, 20, decayed=True), warm=Window(30, 5)),
            [did("meeting", 6.9)],
            Temperature.WARM,
            "warm: 20 points in the last 30 days (warm needs 5), but 10.0 decayed points in the last 7 days (hot "
            "needs 20)",
            id="a decayed hot window: a meeting six days ago is no longer hot",
        ),
    ],
)
def test_windows_with_rules_or_decay_explain_themselves(
    windows: TemperatureModel, activities: list[Activity], expected: Temperature, reason: str
) -> None:
    result = temperature(activities, DECAYING, windows, NOW)

    assert (result.temperature, result.reason) == (expected, reason)


def test_a_window_naming_no_rules_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one engagement rule name"):
        Window(7, 20, rules=())
