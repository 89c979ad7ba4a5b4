"""One evaluation of one person: score, grade, temperature, stage decision, and the values to write.

This is the single entry point the sync engine, ``rescore`` and ``explain`` share, so what ``explain`` shows is
exactly what a run writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .bant import BantModel, BantResult, grade
from .model import Activity, Contact, StageState
from .scoring import ScoreResult, ScoringModel, score
from .stages import StageDecision, StageRules, decide
from .temperature import TemperatureModel, TemperatureResult, temperature
from .values import (
    SCORE_REASON_MAX_CHARS,
    STAGE_DATE_OUTPUTS,
    PromotionRule,
    format_bool,
    format_datetime,
    format_number,
    promotion_value,
)


@dataclass(frozen=True, slots=True)
class QualificationModel:
    """A qualification profile: how to score, grade, heat and stage a person, and what to write back."""

    scoring: ScoringModel = field(default_factory=ScoringModel)
    bant: BantModel = field(default_factory=BantModel)
    temperature: TemperatureModel = field(default_factory=TemperatureModel)
    stages: StageRules = field(default_factory=StageRules)
    promotion: PromotionRule | None = None


@dataclass(frozen=True, slots=True)
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
    return max((a.occurred_at for a in activities), default=None)


def score_reason(result: ScoreResult) -> str:
    """A short summary of the rules that counted, for the CRM field next to the score.

    Rules appear in config order with fixed labels (fit points, engagement counts), so the text changes only
    when a rule starts or stops counting, not with every bit of decay.
    """
    fit = ", ".join(f"{rule.rule} {rule.points:+g}" for rule in result.fit_rules)
    engagement = ", ".join(f"{rule.rule} x{rule.activities}" for rule in result.engagement_rules)
    parts = [
        f"fit: {fit}" if fit else "fit: none",
        f"engagement: {engagement}" if engagement else "engagement: none",
    ]
    text = "; ".join(parts)
    if len(text) > SCORE_REASON_MAX_CHARS:
        text = text[: SCORE_REASON_MAX_CHARS - 3] + "..."
    return text


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
    Stage transitions and the hand-over SLA use the exact ``now``.
    """
    moment = as_of or now
    scored = score(contact, activities, model.scoring, moment)
    graded = grade(contact, activities, model.bant, moment)
    heat = temperature(activities, model.scoring, model.temperature, moment)
    decision = decide(contact, previous, scored.score, graded.grade, last_activity(activities), model.stages, now)
    values = {
        "score": format_number(scored.score),
        "fit_score": format_number(round(scored.fit)),
        "engagement_score": format_number(round(scored.engagement)),
        "grade": graded.grade.value,
        "temperature": heat.temperature.value,
        "funnel_stage": decision.stage.value,
        "sla_breached": format_bool(decision.sla_breached),
        "score_reason": score_reason(scored),
    }
    for stage, output in STAGE_DATE_OUTPUTS.items():
        entered = decision.state.entered_at(stage)
        if entered is not None:
            values[output] = format_datetime(entered)
    clear_first: frozenset[str] = frozenset()
    if model.promotion is not None:
        promoted, clear = promotion_value(contact.get(model.promotion.field), decision.stage, model.promotion)
        if promoted is not None:
            values[model.promotion.field] = promoted
            if clear:
                clear_first = frozenset({model.promotion.field})
    return Evaluation(contact.id, scored, graded, heat, decision, values, clear_first)
