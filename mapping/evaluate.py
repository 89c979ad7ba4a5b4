"""One evaluation of one person: score, grade, temperature, stage decision, and the values to write.

This is the single entry point the sync engine, ``rescore`` and ``explain`` share, so what ``explain`` shows is
exactly what a run writes.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter

from .bant import BantModel, BantResult, grade_found
from .compiled_model import CompiledModel
from .compiled_time import epoch_microseconds
from .compiled_values import ENUM_TEXT, NUMBER_TEXT, datetime_text, reason_text
from .model import Activity, Contact, StageState
from .scoring import (
    ScoreResult,
    ScoringModel,
    engagement_label,
    engagement_points,
    fit_label,
    fit_points,
    score_result,
)
from .stages import StageDecision, StageRules, decide
from .temperature import TemperatureModel, TemperatureResult, temperature_result
from .validate import FieldRules
from .values import STAGE_DATE_OUTPUTS, PromotionRule, format_bool, promotion_value

_EPOCH_US = attrgetter("epoch_us")
_NOTHING_TO_CLEAR: frozenset[str] = frozenset()
# Every evaluation of a run is as of the same hour.
_as_of_us = functools.lru_cache(maxsize=8)(epoch_microseconds)


@dataclass(frozen=True, slots=True)
class QualificationModel:
    """A qualification profile: how to score, grade, heat and stage a person, and what to write back."""

    scoring: ScoringModel = field(default_factory=ScoringModel)
    bant: BantModel = field(default_factory=BantModel)
    temperature: TemperatureModel = field(default_factory=TemperatureModel)
    stages: StageRules = field(default_factory=StageRules)
    promotion: PromotionRule | None = None
    validation: FieldRules = field(default_factory=FieldRules)
    # Built once here: the rules of scoring, bant and temperature compiled for one pass over the activities.
    compiled: CompiledModel = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", CompiledModel(self.scoring, self.bant, self.temperature))


# Built for every person evaluated: a plain slotted dataclass, as a frozen one costs 3-5x as much to construct.
# Treat it as read-only.
@dataclass(slots=True)
class Evaluation:
    """Everything decided about one person, with the reasons."""

    contact_id: str
    score: ScoreResult
    bant: BantResult
    temperature: TemperatureResult
    decision: StageDecision
    values: Mapping[str, str]
    clear_first: frozenset[str]


def last_activity(activities: Sequence[Activity]) -> datetime | None:
    """When the latest activity happened (the first of equals), or None without activities."""
    return max(activities, key=_EPOCH_US).occurred_at if activities else None


def score_reason(result: ScoreResult) -> str:
    """A short summary of the rules that counted, for the CRM field next to the score.

    Rules appear in config order with fixed labels (fit points, engagement counts), so the text changes only
    when a rule starts or stops counting, not with every bit of decay.
    """
    return reason_text(
        [fit_label(rule.rule, rule.points) for rule in result.fit_rules],
        [engagement_label(rule.rule, rule.activities) for rule in result.engagement_rules],
    )


def evaluate(
    contact: Contact,
    activities: Sequence[Activity],
    previous: StageState | None,
    model: QualificationModel,
    now: datetime,
    as_of: datetime | None = None,
) -> Evaluation:
    """Evaluate one person. Raises stages.UnknownSignal for an unmapped CRM stage value.

    Scores, grade and temperature are computed ``as_of`` (default ``now``): runs pass ``now`` rounded down to
    the hour, so decay moves the written values at most once an hour and every run within the hour agrees.
    Stage transitions and the hand-over SLA use the exact ``now``. Score, grade and temperature share one pass
    over the activities (``model.compiled``).
    """
    moment = as_of or now
    compiled = model.compiled
    scoring = model.scoring
    as_of_us = _as_of_us(moment)
    found, latest = compiled.activity_plan.ages(activities, as_of_us, as_of_us + scoring.max_future_us)
    fit = fit_points(contact, scoring.fit_plan)
    engagement = engagement_points(found, compiled.engagement_plan, scoring.max_age_seconds, compiled.windows)
    scored = score_result(fit, engagement, scoring)
    graded = grade_found(contact, found, compiled.bant_plan, model.bant.grades)
    heat = temperature_result(engagement[3], engagement[4], model.temperature, compiled.temperatures)
    last_at = None if latest is None else latest.occurred_at
    decision = decide(contact, previous, scored.score, graded.grade, last_at, model.stages, now)
    values = {
        # score, fit and engagement are within 0..100, so their rounded values index the table
        "score": NUMBER_TEXT[scored.score],
        "fit_score": NUMBER_TEXT[round(scored.fit)],
        "engagement_score": NUMBER_TEXT[round(scored.engagement)],
        "grade": ENUM_TEXT[graded.grade],
        "temperature": ENUM_TEXT[heat.temperature],
        "funnel_stage": ENUM_TEXT[decision.stage],
        "sla_breached": format_bool(decision.sla_breached),
        "score_reason": reason_text(fit[2], engagement[2]),
    }
    entered = decision.state.entered
    for stage, output in STAGE_DATE_OUTPUTS.items():
        entered_at = entered.get(stage)
        if entered_at is not None:
            values[output] = datetime_text(entered_at)
    clear_first = _NOTHING_TO_CLEAR
    if model.promotion is not None:
        promoted, clear = promotion_value(contact.get(model.promotion.field), decision.stage, model.promotion)
        if promoted is not None:
            values[model.promotion.field] = promoted
            if clear:
                clear_first = frozenset({model.promotion.field})
    return Evaluation(contact.id, scored, graded, heat, decision, values, clear_first)
