"""One evaluation of one person: score, grade, temperature, stage decision, and the values to write.

This is the single entry point the sync engine, ``rescore`` and ``explain`` share, so what ``explain`` shows is
exactly what a run writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .bant import BantModel, BantResult, grade_found
from .compiled import CompiledModel, compile_model, hand_raise
from .model import Activity, Contact, StageState, epoch_microseconds
from .scoring import (
    ScoreResult,
    ScoringModel,
    contribution_label,
    engagement_label,
    engagement_points,
    fit_points,
    score_result,
)
from .stages import StageDecision, StageRules, decide
from .temperature import TemperatureModel, TemperatureResult, temperature_result, window_points
from .validate import FieldRules
from .values import (
    STAGE_DATE_OUTPUTS,
    PromotionRule,
    format_bool,
    format_datetime,
    format_number,
    format_score_reason,
    promotion_value,
)

_NOTHING_TO_CLEAR: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class QualificationModel:
    """A qualification profile: how to score, grade, heat and stage a person, and what to write back."""

    scoring: ScoringModel = field(default_factory=ScoringModel)
    bant: BantModel = field(default_factory=BantModel)
    temperature: TemperatureModel = field(default_factory=TemperatureModel)
    stages: StageRules = field(default_factory=StageRules)
    promotion: PromotionRule | None = None
    validation: FieldRules = field(default_factory=FieldRules)
    # The rules of scoring, bant and temperature compiled once, for one pass over each person's activities.
    compiled: CompiledModel = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", compile_model(self.scoring, self.bant, self.temperature, self.stages))


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


def score_reason(result: ScoreResult) -> str:
    """A short summary of the rules that counted, for the CRM field next to the score.

    Rules appear in config order with fixed labels (fit points, engagement counts), so the text changes only
    when a rule starts or stops counting, not with every bit of decay.
    """
    return format_score_reason(
        [contribution_label(rule) for rule in result.fit_rules],
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
    plan = model.compiled
    scored_at = as_of or now
    as_of_us = epoch_microseconds(scored_at)
    found = plan.activities.ages(activities, as_of_us, as_of_us + plan.scoring.max_future_us)
    fit = fit_points(contact, plan.scoring.fit, found.ages)
    engagement = engagement_points(found.ages, plan.scoring.engagement, plan.scoring.max_age_s)
    scored = score_result(fit, engagement, model.scoring)
    graded = grade_found(contact, found.ages, plan.bant)
    heat = temperature_result(window_points(found.ages, plan.scoring.engagement, plan.temperature), plan.temperature)
    last_at = None if found.latest is None else found.latest.occurred_at
    raised = None
    if plan.hand_raisers.rules:
        raised = hand_raise(plan.hand_raisers, contact.fields, found.ages, fit.total, scored_at)
    decision = decide(contact, previous, scored.score, graded.grade, last_at, model.stages, now, raised)
    values = _output_values(scored, graded, heat, decision, format_score_reason(fit.labels, engagement.labels))
    clear_first = _NOTHING_TO_CLEAR
    promotion = model.promotion
    if promotion is not None:
        promoted, clear = promotion_value(contact.get(promotion.field), decision.stage, promotion)
        if promoted is not None:
            values[promotion.field] = promoted
            if clear:
                clear_first = frozenset({promotion.field})
    return Evaluation(contact.id, scored, graded, heat, decision, values, clear_first)


def _output_values(
    scored: ScoreResult, graded: BantResult, heat: TemperatureResult, decision: StageDecision, reason: str
) -> dict[str, str]:
    """The values to write (but the promotion field), in the formats of ``values``."""
    values = {
        "score": format_number(scored.score),
        "fit_score": format_number(round(scored.fit)),
        "engagement_score": format_number(round(scored.engagement)),
        "grade": graded.grade.value,
        "temperature": heat.temperature.value,
        "funnel_stage": decision.stage.value,
        "sla_breached": format_bool(decision.sla_breached),
        "score_reason": reason,
    }
    entered = decision.state.entered
    for stage, output in STAGE_DATE_OUTPUTS.items():
        entered_at = entered.get(stage)
        if entered_at is not None:
            values[output] = format_datetime(entered_at)
    return values
