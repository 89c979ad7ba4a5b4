"""The funnel stage machine: CRM signals -> observed stage, then the one promotion leadstage makes itself.

The rules:
- The CRM's own fields are the truth for what sales decided; config maps each field's values to stages.
- The worker only promotes raw -> mql (score over the threshold, optionally a minimum grade) and
  recycled -> mql (threshold crossed again, with activity after the recycle date).
- Hand-raisers: ``mql_rules`` names fit or engagement rules (a demo request, a contact form) that make a raw lead
  an MQL whatever its score, and a recycled one when the rule's activity came after the recycle date (for a fit
  rule: any activity after it). The minimum grade still applies unless ``mql_rules_skip_grade``; a person whose
  fit points add up below ``mql_rules_min_fit`` (a student, a competitor) is not a hand-raiser. evaluate() tells
  ``decide`` which rule held (``HandRaise``).
- Nothing is demoted automatically; a person's change in the CRM always wins over a computed one.
- Every transition is recorded once, with its reason and source.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from .memo import BoundedMemo
from .model import AT_COMPUTED, AT_MODIFIED, Contact, Grade, Stage, StageState, Transition, TransitionSource

IGNORE = "ignore"
_DEAL_STAGES = frozenset({Stage.OPPORTUNITY, Stage.CUSTOMER})
_SIDE_STATES = frozenset({Stage.RECYCLED, Stage.DISQUALIFIED})


class UnknownSignal(ValueError):
    """A CRM value that the stage mapping does not know; the record is quarantined with this reason."""

    def __init__(self, field_name: str, value: str) -> None:
        super().__init__(
            f"{field_name} value {value!r} is not in the stage mapping; "
            f"map it to a stage (or to {IGNORE!r}) in the config"
        )
        self.field_name = field_name
        self.value = value


@dataclass(frozen=True, slots=True)
class SignalMap:
    """How one CRM field's values translate to stages (value -> Stage, or None to ignore the value)."""

    field: str
    values: Mapping[str, Stage | None]
    strict: bool = True
    # The values folded to lower case once, for the case-insensitive fallback.
    folded: Mapping[str, Stage | None] = dataclass_field(init=False, repr=False, compare=False)
    # The observation made of each value seen when this field decided the stage: frozen, so shared by everyone.
    observations: BoundedMemo[str, Observation] = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "folded", {known.lower(): stage for known, stage in self.values.items()})
        object.__setattr__(self, "observations", BoundedMemo())

    def stage_for(self, value: str) -> Stage | None:
        values = self.values
        if value in values:
            return values[value]
        key = value.strip().lower()
        if key in self.folded:
            return self.folded[key]
        if self.strict:
            raise UnknownSignal(self.field, value)
        return None


@dataclass(frozen=True, slots=True)
class StageRules:
    """The stage part of a qualification profile.

    ``mql_rules`` name the rules that make a hand-raiser an MQL whatever its score (see the module docstring):
    the minimum grade applies to them too unless ``mql_rules_skip_grade``, and they do not count for a person
    whose fit (the points of the fit rules that fired, before any clamping) is below ``mql_rules_min_fit``.
    """

    signals: Sequence[SignalMap] = ()
    mql_threshold: int = 60
    mql_min_grade: Grade | None = None
    handover_sla_hours: float | None = 48.0
    mql_rules: tuple[str, ...] = ()
    mql_rules_skip_grade: bool = False
    mql_rules_min_fit: float = 0.0  # -inf: no minimum


class HandRaise(NamedTuple):
    """One of the ``mql_rules`` holds for a person: which (the first in order), when its latest activity
    happened (None for a fit rule), and the person's fit points (before any clamping). Built for every person a
    rule holds for: a NamedTuple, cheaper to build than a frozen dataclass."""

    rule: str
    at: datetime | None
    fit: float


@dataclass(frozen=True, slots=True)
class Observation:
    """The stage the CRM's fields say, and which field and value said it."""

    stage: Stage | None
    reason: str


# Built for every person evaluated: a plain slotted dataclass, as a frozen one costs 3-5x as much to construct.
# Treat it as read-only.
@dataclass(slots=True)
class StageDecision:
    """The stage after this evaluation, the state to remember, and the transitions to record."""

    stage: Stage
    state: StageState
    transitions: tuple[Transition, ...]
    reason: str
    sla_breached: bool


def observe(contact: Contact, signals: Sequence[SignalMap]) -> Observation:
    """The stage the CRM's signal fields say.

    Precedence: a deal stage (opportunity, customer) wins; then a side state (recycled, disqualified), which
    is an explicit sales decision; then the furthest funnel stage any field says.
    """
    fields = contact.fields
    best: Stage | None = None
    best_priority = (-1, -1)
    best_signal: SignalMap | None = None
    for signal in signals:
        value = fields.get(signal.field)
        if value is None:
            continue
        stage = signal.stage_for(value)
        if stage is None:
            continue
        priority = _PRIORITY[stage]
        if priority > best_priority:  # on a tie the first field named in the config wins
            best, best_priority, best_signal = stage, priority, signal
    if best is None or best_signal is None:
        return _NO_SIGNAL
    value = fields[best_signal.field]
    observation = best_signal.observations.get(value)
    if observation is None:
        observation = best_signal.observations.remember(value, Observation(best, f"{best_signal.field}={value}"))
    return observation


# (group, order): deal stages beat side states beat funnel stages; within a group the furthest stage wins.
_PRIORITY: dict[Stage, tuple[int, int]] = {
    stage: (2 if stage in _DEAL_STAGES else 1 if stage in _SIDE_STATES else 0, stage.rank or 0) for stage in Stage
}
_NO_SIGNAL = Observation(None, "no stage signal in the CRM")
_UNCHANGED = {stage: f"unchanged: {stage.value}" for stage in Stage}


def _grade_ok(grade: Grade | None, rules: StageRules) -> bool:
    if rules.mql_min_grade is None:
        return True
    return grade is not None and grade.at_least(rules.mql_min_grade)


def _promotion_reason(score: int, grade: Grade | None, rules: StageRules) -> str:
    reason = f"score {score} >= threshold {rules.mql_threshold}"
    if rules.mql_min_grade is not None and grade is not None:
        reason += f" and grade {grade.value} meets minimum {rules.mql_min_grade.value}"
    return reason


def _enter(state: StageState, transition: Transition) -> StageState:
    entered = dict(state.entered)
    entered[transition.to_stage] = transition.at
    recycled_at = transition.at if transition.to_stage is Stage.RECYCLED else state.recycled_at
    return StageState(stage=transition.to_stage, entered=entered, recycled_at=recycled_at, observed=state.observed)


def handover_breached(state: StageState, hours: float | None, now: datetime) -> bool:
    """True when the last MQL -> SAL hand-over took, or is taking, longer than the SLA."""
    if hours is None:
        return False
    mql_at = state.entered.get(Stage.MQL)
    if mql_at is None:
        return False
    limit = _hours(hours)
    sal_at = state.entered_at(Stage.SAL)
    if sal_at is not None and sal_at >= mql_at:
        return sal_at - mql_at > limit
    if state.stage is Stage.MQL:
        return now - mql_at > limit
    return False


@lru_cache(maxsize=32)
def _hours(hours: float) -> timedelta:
    return timedelta(hours=hours)


def decide(
    contact: Contact,
    previous: StageState | None,
    score: int,
    grade: Grade | None,
    last_activity_at: datetime | None,
    rules: StageRules,
    now: datetime,
    hand_raise: HandRaise | None = None,
) -> StageDecision:
    """Apply the CRM's signals, then the computed promotion, to the remembered stage.

    A stage the CRM set is dated by the date the CRM keeps for it (``contact.stage_dates``) where it has one,
    else by the record's last modification; a first sight also takes the dates of the earlier stages it passed.
    ``hand_raise`` says which of ``rules.mql_rules`` holds for the person, if any.
    """
    observation = observe(contact, rules.signals)
    transitions: list[Transition] = []

    if previous is None:
        start = observation.stage or Stage.RAW
        at, at_source = _crm_entry(contact, start, now, None)
        first = Transition(
            contact.id, None, start, at, f"first seen: {observation.reason}", TransitionSource.CRM, at_source
        )
        passed = _dates_passed(contact, start, at, {})
        state = _enter(StageState(stage=start, entered=passed, observed=observation.stage), first)
        transitions.append(first)
        reason = first.reason
    elif observation.stage == previous.observed:  # the common case: the CRM says what it said last time
        state = previous
        reason = _UNCHANGED[previous.stage]
    else:
        state = previous
        reason = _UNCHANGED[previous.stage]
        crm_changed = observation.stage is not None and observation.stage != previous.observed
        if crm_changed and observation.stage != previous.stage:
            assert observation.stage is not None
            floor = max(previous.entered.values(), default=None)
            at, at_source = _crm_entry(contact, observation.stage, now, floor)
            moved = Transition(
                contact.id,
                previous.stage,
                observation.stage,
                at,
                f"CRM: {observation.reason}",
                TransitionSource.CRM,
                at_source,
                previous.entered_at(previous.stage),
            )
            passed = _dates_passed(contact, observation.stage, at, previous.entered)
            state = _enter(StageState(previous.stage, {**previous.entered, **passed}, previous.recycled_at), moved)
            transitions.append(moved)
            reason = moved.reason
        state = StageState(
            stage=state.stage,
            entered=state.entered,
            recycled_at=state.recycled_at,
            observed=observation.stage,
        )

    promotion = _computed_promotion(contact.id, state, score, grade, last_activity_at, rules, now)
    if promotion is None and hand_raise is not None and rules.mql_rules:
        promotion = _hand_raiser_promotion(contact.id, state, score, grade, last_activity_at, rules, now, hand_raise)
    if promotion is not None:
        state = _enter(state, promotion)
        transitions.append(promotion)
        reason = promotion.reason
    elif state.stage in (Stage.RAW, Stage.RECYCLED):
        reason = _why_not_promoted(state, score, grade, last_activity_at, rules)
        if rules.mql_rules:
            reason += "; " + _hand_raise_words(state, grade, last_activity_at, rules, hand_raise)

    return StageDecision(
        stage=state.stage,
        state=state,
        transitions=tuple(transitions),
        reason=reason,
        sla_breached=handover_breached(state, rules.handover_sla_hours, now),
    )


def _crm_entry(contact: Contact, stage: Stage, now: datetime, floor: datetime | None) -> tuple[datetime, str]:
    """When the person entered ``stage`` as the CRM says it, and where that came from.

    The CRM's own date for the stage, when it has one that is not in the future and not before ``floor`` (the
    latest entry already remembered); else the record's last modification (not after now).
    """
    dated = contact.stage_dates.get(stage)
    if dated is not None and dated.at <= now and (floor is None or dated.at >= floor):
        return dated.at, dated.source
    return min(contact.updated_at, now), AT_MODIFIED


def _dates_passed(
    contact: Contact, stage: Stage, at: datetime, known: Mapping[Stage, datetime]
) -> dict[Stage, datetime]:
    """The CRM's dates of the funnel stages before ``stage`` (all of them for a side state) that the person
    passed on the way, not already ``known``, and not after ``at``: a customer seen for the first time still has
    the date it became an MQL."""
    if not contact.stage_dates:
        return {}
    rank = stage.rank
    return {
        passed: dated.at
        for passed, dated in contact.stage_dates.items()
        if passed.rank is not None and (rank is None or passed.rank < rank) and passed not in known and dated.at <= at
    }


def _computed_promotion(
    contact_id: str,
    state: StageState,
    score: int,
    grade: Grade | None,
    last_activity_at: datetime | None,
    rules: StageRules,
    now: datetime,
) -> Transition | None:
    if score < rules.mql_threshold or not _grade_ok(grade, rules):
        return None
    base = _promotion_reason(score, grade, rules)
    since = state.entered_at(state.stage)
    if state.stage is Stage.RAW:
        return Transition(contact_id, Stage.RAW, Stage.MQL, now, base, TransitionSource.COMPUTED, AT_COMPUTED, since)
    if state.stage is Stage.RECYCLED:
        recycled_at = state.recycled_at
        if recycled_at is not None and last_activity_at is not None and last_activity_at > recycled_at:
            reason = f"{base}, with activity on {last_activity_at:%Y-%m-%d} after the recycle on {recycled_at:%Y-%m-%d}"
            return Transition(
                contact_id, Stage.RECYCLED, Stage.MQL, now, reason, TransitionSource.COMPUTED, AT_COMPUTED, since
            )
    return None


def _hand_raise_blocker(
    state: StageState, grade: Grade | None, last_activity_at: datetime | None, rules: StageRules, hand_raise: HandRaise
) -> str | None:
    """Why a hand-raise does not make the person an MQL; None when it does."""
    minimum = rules.mql_rules_min_fit
    if hand_raise.fit < minimum:
        return f"fit {hand_raise.fit:g} below the hand-raiser minimum {minimum:g}"
    if not rules.mql_rules_skip_grade and not _grade_ok(grade, rules):
        shown = grade.value if grade is not None else "none"
        return f"grade {shown} below minimum {rules.mql_min_grade.value if rules.mql_min_grade else '-'}"
    if state.stage is Stage.RECYCLED:
        recycled_at = state.recycled_at
        if recycled_at is None:
            return "the recycle date is unknown"
        at = hand_raise.at if hand_raise.at is not None else last_activity_at
        if at is None or at <= recycled_at:
            return f"not after the recycle on {recycled_at:%Y-%m-%d}"
    return None


def _hand_raise_words(
    state: StageState,
    grade: Grade | None,
    last_activity_at: datetime | None,
    rules: StageRules,
    hand_raise: HandRaise | None,
) -> str:
    if hand_raise is None:
        return "no hand-raiser rule holds (" + ", ".join(rules.mql_rules) + ")"
    blocker = _hand_raise_blocker(state, grade, last_activity_at, rules, hand_raise)
    return f"hand-raiser rule {hand_raise.rule!r} holds, but {blocker}"


def _hand_raiser_promotion(
    contact_id: str,
    state: StageState,
    score: int,
    grade: Grade | None,
    last_activity_at: datetime | None,
    rules: StageRules,
    now: datetime,
    hand_raise: HandRaise,
) -> Transition | None:
    if state.stage not in (Stage.RAW, Stage.RECYCLED):
        return None
    if _hand_raise_blocker(state, grade, last_activity_at, rules, hand_raise) is not None:
        return None
    reason = f"hand-raiser: rule {hand_raise.rule!r} holds (score {score}, threshold {rules.mql_threshold})"
    if not rules.mql_rules_skip_grade and rules.mql_min_grade is not None and grade is not None:
        reason += f" and grade {grade.value} meets minimum {rules.mql_min_grade.value}"
    if state.stage is Stage.RECYCLED:
        at = hand_raise.at if hand_raise.at is not None else last_activity_at
        assert at is not None and state.recycled_at is not None
        reason += f", with activity on {at:%Y-%m-%d} after the recycle on {state.recycled_at:%Y-%m-%d}"
    since = state.entered_at(state.stage)
    return Transition(contact_id, state.stage, Stage.MQL, now, reason, TransitionSource.COMPUTED, AT_COMPUTED, since)


def _why_not_promoted(
    state: StageState,
    score: int,
    grade: Grade | None,
    last_activity_at: datetime | None,
    rules: StageRules,
) -> str:
    if score < rules.mql_threshold:
        return f"stays {state.stage.value}: score {score} < threshold {rules.mql_threshold}"
    if not _grade_ok(grade, rules):
        shown = grade.value if grade is not None else "none"
        minimum = rules.mql_min_grade.value if rules.mql_min_grade is not None else "-"
        return f"stays {state.stage.value}: grade {shown} below minimum {minimum}"
    if state.recycled_at is None:
        return "stays recycled: the recycle date is unknown, so re-engagement cannot be shown"
    if last_activity_at is None:
        return "stays recycled: no activity recorded"
    return f"stays recycled: no activity after the recycle on {state.recycled_at:%Y-%m-%d}"


__all__ = [
    "IGNORE",
    "HandRaise",
    "Observation",
    "SignalMap",
    "StageDecision",
    "StageRules",
    "UnknownSignal",
    "decide",
    "handover_breached",
    "observe",
]
