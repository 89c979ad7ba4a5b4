"""A qualification model compiled for ``evaluate()``: one pass over the activities serves every rule.

The engagement rules and the BANT activity rules share one ActivityPlan (equal matchers merged), so each
activity is looked at once for score, grade and temperature together.
"""

from __future__ import annotations

from .bant import BantModel, BantPlan
from .compiled_activities import ActivityPlan, compile_matchers
from .scoring import EngagementPlan, ScoringModel, Windows
from .temperature import TemperatureModel, TemperatureResult, window_limits


class CompiledModel:
    """The rules of a scoring, BANT and temperature model, ready for one pass per person."""

    __slots__ = ("activity_plan", "bant_plan", "engagement_plan", "temperatures", "windows")

    def __init__(self, scoring: ScoringModel, bant: BantModel, temperature: TemperatureModel) -> None:
        plan, (engagement_slots, bant_slots) = compile_matchers([scoring.matchers(), bant.matchers()])
        self.activity_plan: ActivityPlan = plan
        self.engagement_plan: EngagementPlan = scoring.compile_engagement(engagement_slots)
        self.bant_plan: BantPlan = bant.compile(bant_slots)
        self.windows: Windows = window_limits(temperature)
        # The temperature result per (hot points, warm points) seen.
        self.temperatures: dict[tuple[float, float], TemperatureResult] = {}
