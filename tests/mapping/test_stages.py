"""The funnel stage machine, rule by rule (README, "What it is")."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, timedelta

import pytest

from leadstage.mapping.model import Contact, Grade, Stage, StageState, TransitionSource
from leadstage.mapping.stages import (
    HandRaise,
    SignalMap,
    StageRules,
    UnknownSignal,
    decide,
    handover_breached,
    observe,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

LIFECYCLE = SignalMap(
    "lifecycle_stage",
    {
        "subscriber": Stage.RAW,
        "lead": Stage.RAW,
        "marketingqualifiedlead": Stage.MQL,
        "salesqualifiedlead": Stage.SQL,
        "opportunity": Stage.OPPORTUNITY,
        "customer": Stage.CUSTOMER,
        "other": None,
    },
)
LEAD_STATUS = SignalMap(
    "lead_status",
    {
        "NEW": None,
        "IN_PROGRESS": Stage.SAL,
        "UNQUALIFIED": Stage.DISQUALIFIED,
        "BAD_TIMING": Stage.RECYCLED,
        "OPEN_DEAL": Stage.OPPORTUNITY,
    },
)
RULES = StageRules(signals=(LIFECYCLE, LEAD_STATUS), mql_threshold=60, mql_min_grade=Grade.C, handover_sla_hours=48)


def person(lifecycle: str | None = "lead", status: str | None = None, updated: datetime = NOW) -> Contact:
    fields = {}
    if lifecycle is not None:
        fields["lifecycle_stage"] = lifecycle
    if status is not None:
        fields["lead_status"] = status
    return Contact(id="101", updated_at=updated, fields=fields)


def remembered(stage: Stage, observed: Stage | None = Stage.RAW, **entered: datetime) -> StageState:
    dates = {Stage(name): when for name, when in entered.items()}
    recycled_at = dates.get(Stage.RECYCLED)
    return StageState(stage=stage, entered=dates, recycled_at=recycled_at, observed=observed)


# -- observing the CRM -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lifecycle", "status", "expected"),
    [
        ("lead", None, Stage.RAW),
        ("marketingqualifiedlead", None, Stage.MQL),
        ("lead", "IN_PROGRESS", Stage.SAL),  # the furthest funnel stage wins
        ("salesqualifiedlead", "IN_PROGRESS", Stage.SQL),
        ("salesqualifiedlead", "UNQUALIFIED", Stage.DISQUALIFIED),  # a sales decision beats the funnel
        ("opportunity", "UNQUALIFIED", Stage.OPPORTUNITY),  # a deal beats everything
        ("lead", "BAD_TIMING", Stage.RECYCLED),
        ("other", "NEW", None),  # both values say nothing
        (None, None, None),
        ("LEAD", None, Stage.RAW),  # case does not matter
    ],
)
def test_observed_stage_follows_the_precedence_rules(lifecycle, status, expected):
    assert observe(person(lifecycle, status), RULES.signals).stage is expected


def test_an_unmapped_crm_value_is_refused_with_the_field_and_value():
    with pytest.raises(UnknownSignal, match="lifecycle_stage value '1234567' is not in the stage mapping"):
        observe(person("1234567"), RULES.signals)


def test_a_lenient_signal_map_ignores_unknown_values():
    lenient = SignalMap("lifecycle_stage", {"lead": Stage.RAW}, strict=False)
    assert observe(person("1234567"), (lenient,)).stage is None


# -- first sight ------------------------------------------------------------------------------------------------
def test_first_sight_records_the_crm_stage_once_as_a_crm_transition():
    decision = decide(person("salesqualifiedlead"), None, 10, Grade.D, None, RULES, NOW)
    assert decision.stage is Stage.SQL
    (first,) = decision.transitions
    assert (first.from_stage, first.to_stage, first.source) == (None, Stage.SQL, TransitionSource.CRM)
    assert "first seen" in first.reason


def test_first_sight_of_a_qualified_raw_lead_promotes_it_in_the_same_evaluation():
    decision = decide(person("lead"), None, 75, Grade.B, None, RULES, NOW)
    assert decision.stage is Stage.MQL
    assert [(t.from_stage, t.to_stage) for t in decision.transitions] == [
        (None, Stage.RAW),
        (Stage.RAW, Stage.MQL),
    ]


# -- the one promotion leadstage makes -------------------------------------------------------------------------
def test_mql_needs_score_over_threshold_and_grade_c():
    decision = decide(person(), remembered(Stage.RAW), 60, Grade.C, None, RULES, NOW)
    assert decision.stage is Stage.MQL
    (promotion,) = decision.transitions
    assert promotion.source is TransitionSource.COMPUTED
    assert promotion.reason == "score 60 >= threshold 60 and grade C meets minimum C"
    assert decision.state.entered_at(Stage.MQL) == NOW


def test_score_below_threshold_stays_raw_and_says_why():
    decision = decide(person(), remembered(Stage.RAW), 59, Grade.A, None, RULES, NOW)
    assert decision.stage is Stage.RAW
    assert decision.transitions == ()
    assert decision.reason == "stays raw: score 59 < threshold 60"


def test_grade_below_minimum_stays_raw_and_says_why():
    decision = decide(person(), remembered(Stage.RAW), 90, Grade.D, None, RULES, NOW)
    assert decision.stage is Stage.RAW
    assert decision.reason == "stays raw: grade D below minimum C"


def test_without_a_minimum_grade_the_score_alone_decides():
    rules = StageRules(signals=RULES.signals, mql_threshold=60, mql_min_grade=None)
    assert decide(person(), remembered(Stage.RAW), 60, None, None, rules, NOW).stage is Stage.MQL


# -- recycle ----------------------------------------------------------------------------------------------------
def test_recycled_becomes_mql_again_with_activity_after_the_recycle_date():
    recycled_on = NOW - timedelta(days=40)
    state = remembered(Stage.RECYCLED, observed=Stage.RECYCLED, recycled=recycled_on)
    decision = decide(person("lead", "BAD_TIMING"), state, 70, Grade.B, NOW - timedelta(days=2), RULES, NOW)
    assert decision.stage is Stage.MQL
    (promotion,) = decision.transitions
    assert (promotion.from_stage, promotion.source) == (Stage.RECYCLED, TransitionSource.COMPUTED)
    assert "after the recycle" in promotion.reason


def test_recycled_stays_recycled_without_activity_after_the_recycle_date():
    recycled_on = NOW - timedelta(days=40)
    state = remembered(Stage.RECYCLED, observed=Stage.RECYCLED, recycled=recycled_on)
    decision = decide(person("lead", "BAD_TIMING"), state, 90, Grade.A, NOW - timedelta(days=50), RULES, NOW)
    assert decision.stage is Stage.RECYCLED
    assert decision.transitions == ()
    assert "no activity after the recycle" in decision.reason


def test_sales_recycling_an_sql_is_recorded_with_the_recycle_date():
    state = remembered(Stage.SQL, observed=Stage.SQL, sql=NOW - timedelta(days=5))
    later = NOW - timedelta(hours=1)
    decision = decide(person("salesqualifiedlead", "BAD_TIMING", updated=later), state, 10, Grade.D, None, RULES, NOW)
    assert decision.stage is Stage.RECYCLED
    assert decision.state.recycled_at == later
    assert decision.transitions[0].source is TransitionSource.CRM


# -- nothing demoted automatically; a person's change wins ------------------------------------------------------
def test_a_computed_mql_is_not_demoted_when_the_score_drops():
    state = remembered(Stage.MQL, observed=Stage.RAW, mql=NOW - timedelta(days=3))
    decision = decide(person("lead"), state, 5, Grade.D, None, RULES, NOW)
    assert decision.stage is Stage.MQL
    assert decision.transitions == ()


def test_a_crm_stage_is_not_demoted_when_the_score_drops():
    state = remembered(Stage.SQL, observed=Stage.SQL)
    assert decide(person("salesqualifiedlead"), state, 0, Grade.D, None, RULES, NOW).stage is Stage.SQL


def test_a_person_moving_the_stage_back_in_the_crm_wins():
    state = remembered(Stage.SQL, observed=Stage.SQL)
    decision = decide(person("lead"), state, 90, Grade.A, None, RULES, NOW)
    # The person's demotion to raw is applied; the score then promotes to MQL, both recorded.
    assert [(t.from_stage, t.to_stage, t.source) for t in decision.transitions] == [
        (Stage.SQL, Stage.RAW, TransitionSource.CRM),
        (Stage.RAW, Stage.MQL, TransitionSource.COMPUTED),
    ]


def test_sales_accepting_an_mql_moves_it_to_sal():
    state = remembered(Stage.MQL, observed=Stage.RAW, mql=NOW - timedelta(hours=5))
    decision = decide(person("lead", "IN_PROGRESS"), state, 80, Grade.B, None, RULES, NOW)
    assert decision.stage is Stage.SAL
    assert decision.transitions[0].reason == "CRM: lead_status=IN_PROGRESS"


def test_disqualified_is_never_promoted_automatically():
    state = remembered(Stage.DISQUALIFIED, observed=Stage.DISQUALIFIED)
    decision = decide(person("lead", "UNQUALIFIED"), state, 100, Grade.A, NOW, RULES, NOW)
    assert decision.stage is Stage.DISQUALIFIED
    assert decision.transitions == ()


def test_disqualified_can_qualify_again_once_a_person_reopens_it():
    state = remembered(Stage.DISQUALIFIED, observed=Stage.DISQUALIFIED)
    decision = decide(person("lead", "NEW"), state, 100, Grade.A, NOW, RULES, NOW)
    assert [t.to_stage for t in decision.transitions] == [Stage.RAW, Stage.MQL]


def test_our_own_lifecycle_promotion_read_back_is_not_a_new_transition():
    state = remembered(Stage.MQL, observed=Stage.RAW, mql=NOW - timedelta(hours=1))
    decision = decide(person("marketingqualifiedlead"), state, 80, Grade.B, None, RULES, NOW)
    assert decision.transitions == ()
    assert decision.state.observed is Stage.MQL


def test_each_transition_is_recorded_once_when_nothing_changes():
    first = decide(person("lead"), remembered(Stage.RAW), 80, Grade.B, None, RULES, NOW)
    again = decide(person("lead"), first.state, 80, Grade.B, None, RULES, NOW + timedelta(hours=1))
    assert again.transitions == ()
    assert again.stage is Stage.MQL


# -- hand-over SLA ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("stage", "mql_hours_ago", "sal_hours_after_mql", "breached"),
    [
        (Stage.MQL, 47, None, False),
        (Stage.MQL, 49, None, True),
        (Stage.SAL, 100, 24, False),  # accepted within the SLA
        (Stage.SAL, 100, 72, True),  # accepted, but late: the breach stays on record
        (Stage.RAW, None, None, False),
    ],
)
def test_handover_sla_flags_an_mql_not_accepted_within_48_hours(stage, mql_hours_ago, sal_hours_after_mql, breached):
    entered = {}
    if mql_hours_ago is not None:
        entered[Stage.MQL] = NOW - timedelta(hours=mql_hours_ago)
        if sal_hours_after_mql is not None:
            entered[Stage.SAL] = entered[Stage.MQL] + timedelta(hours=sal_hours_after_mql)
    state = StageState(stage=stage, entered=entered)
    assert handover_breached(state, 48, NOW) is breached


def test_the_decision_carries_the_sla_flag():
    state = remembered(Stage.MQL, observed=Stage.RAW, mql=NOW - timedelta(hours=50))
    assert decide(person("lead"), state, 80, Grade.B, None, RULES, NOW).sla_breached is True


# -- hand-raisers ---------------------------------------------------------------------------------------------------
HAND_RAISERS = StageRules(
    signals=(LIFECYCLE, LEAD_STATUS), mql_threshold=60, mql_min_grade=Grade.C, mql_rules=("Demo request", "Title")
)
RECYCLED_ON = NOW - timedelta(days=40)


def raised(at_days_ago: float | None = 1, fit: float = 10, rule: str = "Demo request") -> HandRaise:
    return HandRaise(rule, None if at_days_ago is None else NOW - timedelta(days=at_days_ago), fit)


@pytest.mark.parametrize(
    ("stage", "hand_raise", "grade", "last_days_ago", "rules", "expected", "reason"),
    [
        pytest.param(
            Stage.RAW,
            raised(),
            Grade.C,
            1,
            HAND_RAISERS,
            Stage.MQL,
            "hand-raiser: rule 'Demo request' holds (score 20, threshold 60) and grade C meets minimum C",
            id="raw, whatever the score",
        ),
        pytest.param(
            Stage.RAW,
            raised(),
            Grade.D,
            1,
            HAND_RAISERS,
            Stage.RAW,
            "stays raw: score 20 < threshold 60; hand-raiser rule 'Demo request' holds, but grade D below minimum C",
            id="the minimum grade still applies",
        ),
        pytest.param(
            Stage.RAW,
            raised(),
            Grade.D,
            1,
            dataclasses.replace(HAND_RAISERS, mql_rules_skip_grade=True),
            Stage.MQL,
            "hand-raiser: rule 'Demo request' holds (score 20, threshold 60)",
            id="unless skipped",
        ),
        pytest.param(
            Stage.RAW,
            raised(fit=-40),
            Grade.A,
            1,
            HAND_RAISERS,
            Stage.RAW,
            "stays raw: score 20 < threshold 60; hand-raiser rule 'Demo request' holds, but fit -40 below the "
            "hand-raiser minimum 0",
            id="a negative fit is not a hand-raiser",
        ),
        pytest.param(
            Stage.RAW,
            raised(fit=-40),
            Grade.A,
            1,
            dataclasses.replace(HAND_RAISERS, mql_rules_min_fit=-math.inf),
            Stage.MQL,
            "hand-raiser: rule 'Demo request' holds (score 20, threshold 60) and grade A meets minimum C",
            id="no minimum fit",
        ),
        pytest.param(
            Stage.RAW,
            None,
            Grade.A,
            1,
            HAND_RAISERS,
            Stage.RAW,
            "stays raw: score 20 < threshold 60; no hand-raiser rule holds (Demo request, Title)",
            id="no rule holds",
        ),
        pytest.param(
            Stage.RECYCLED,
            raised(3),
            Grade.B,
            3,
            HAND_RAISERS,
            Stage.MQL,
            "hand-raiser: rule 'Demo request' holds (score 20, threshold 60) and grade B meets minimum C, with "
            "activity on 2026-05-29 after the recycle on 2026-04-22",
            id="recycled, asking again after the recycle",
        ),
        pytest.param(
            Stage.RECYCLED,
            raised(50),
            Grade.B,
            3,
            HAND_RAISERS,
            Stage.RECYCLED,
            "stays recycled: score 20 < threshold 60; hand-raiser rule 'Demo request' holds, but not after the "
            "recycle on 2026-04-22",
            id="recycled, the request was before the recycle (newer activity of another kind does not count)",
        ),
        pytest.param(
            Stage.RECYCLED,
            raised(None, rule="Title"),
            Grade.B,
            3,
            HAND_RAISERS,
            Stage.MQL,
            "hand-raiser: rule 'Title' holds (score 20, threshold 60) and grade B meets minimum C, with activity on "
            "2026-05-29 after the recycle on 2026-04-22",
            id="recycled, a fit rule with any activity after the recycle",
        ),
        pytest.param(
            Stage.RECYCLED,
            raised(None, rule="Title"),
            Grade.B,
            45,
            HAND_RAISERS,
            Stage.RECYCLED,
            "stays recycled: score 20 < threshold 60; hand-raiser rule 'Title' holds, but not after the recycle on "
            "2026-04-22",
            id="recycled, a fit rule without activity after the recycle",
        ),
        pytest.param(
            Stage.RAW,
            raised(),
            Grade.C,
            1,
            dataclasses.replace(HAND_RAISERS, mql_rules=()),
            Stage.RAW,
            "stays raw: score 20 < threshold 60",
            id="without mql_rules nothing changes",
        ),
    ],
)
def test_a_hand_raiser_becomes_an_mql_whatever_the_score(
    stage, hand_raise, grade, last_days_ago, rules, expected, reason
):
    observed = Stage.RECYCLED if stage is Stage.RECYCLED else Stage.RAW
    state = (
        remembered(Stage.RECYCLED, observed=observed, recycled=RECYCLED_ON)
        if stage is Stage.RECYCLED
        else remembered(Stage.RAW, raw=NOW - timedelta(days=90))
    )
    contact = person("lead", "BAD_TIMING" if stage is Stage.RECYCLED else None)
    last = NOW - timedelta(days=last_days_ago)

    decision = decide(contact, state, 20, grade, last, rules, NOW, hand_raise)

    assert (decision.stage, decision.reason) == (expected, reason)
    if expected is Stage.MQL:
        (promotion,) = decision.transitions
        assert (promotion.from_stage, promotion.source) == (stage, TransitionSource.COMPUTED)


@pytest.mark.parametrize(
    ("lifecycle", "status", "stage"),
    [
        ("marketingqualifiedlead", None, Stage.MQL),
        ("lead", "IN_PROGRESS", Stage.SAL),
        ("lead", "UNQUALIFIED", Stage.DISQUALIFIED),
    ],
)
def test_a_hand_raise_moves_nobody_but_raw_and_recycled_leads(lifecycle, status, stage):
    state = remembered(stage, observed=stage, raw=NOW - timedelta(days=90))

    decision = decide(person(lifecycle, status), state, 20, Grade.A, NOW, HAND_RAISERS, NOW, raised())

    assert (decision.stage, decision.transitions) == (stage, ())


def test_a_score_over_the_threshold_promotes_as_before_even_with_a_hand_raise():
    decision = decide(person(), remembered(Stage.RAW), 70, Grade.C, NOW, HAND_RAISERS, NOW, raised())

    assert decision.transitions[0].reason == "score 70 >= threshold 60 and grade C meets minimum C"
