"""A qualification model compiled for ``evaluate()``: one pass over the activities serves every rule.

The engagement rules and the BANT activity rules share one activity plan (equal matchers merged), so each
activity is looked at once for score, grade and temperature together. This is the one place a qualification
model is compiled; ``scoring.score``, ``bant.grade`` and ``temperature.temperature`` compile their part on each
call, for tests and benchmarks.
"""

from __future__ import annotations

from typing import NamedTuple

from .activities import ActivityPlan, compile_matchers
from .bant import BantModel, BantPlan, compile_bant
from .scoring import ScoringModel, ScoringPlan, compile_scoring
from .temperature import TemperatureModel, TemperaturePlan, compile_temperature


class CompiledModel(NamedTuple):
    """The rules of a scoring, BANT and temperature model, ready for one pass per person."""

    activities: ActivityPlan
    scoring: ScoringPlan
    bant: BantPlan
    temperature: TemperaturePlan


def compile_model(scoring: ScoringModel, bant: BantModel, temperature: TemperatureModel) -> CompiledModel:
    """The three models compiled together, their activity rules sharing one activity plan."""
    activities, (engagement_slots, bant_slots) = compile_matchers([scoring.matchers(), bant.matchers()])
    return CompiledModel(
        activities,
        compile_scoring(scoring, engagement_slots),
        compile_bant(bant, bant_slots),
        compile_temperature(temperature),
    )
