"""Properties that hold for models using groups, tiers, references, both combine modes, filtered and decayed
windows and hand-raisers (hypothesis): bounds, decay only cools, no automatic demotion."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from leadstage.mapping import groups
from leadstage.mapping.evaluate import QualificationModel, evaluate
from leadstage.mapping.model import Activity, Contact, Grade, Stage, StageState, TransitionSource
from leadstage.mapping.stages import HandRaise, StageRules, decide
from tests.mapping.scoring_support import NOW
from tests.mapping.test_fast_path import activity_lists, grouped_models, people, previous_states
from tests.mapping.test_scoring_properties import PROPERTY_SETTINGS
from tests.mapping.test_stages import RULES
from tests.mapping.test_stages_properties import LIFECYCLES, START, STATUSES, _person


@PROPERTY_SETTINGS
@given(grouped_models(), people, activity_lists, previous_states)
def test_scores_and_their_parts_stay_within_0_to_100_whatever_the_rules(
    model: QualificationModel, contact: Contact, activities: list[Activity], previous: StageState | None
) -> None:
    evaluation = evaluate(contact, activities, previous, model, NOW)
    result = evaluation.score

    assert isinstance(result.score, int) and 0 <= result.score <= 100
    assert 0 <= result.fit <= 100 and 0 <= result.engagement <= 100
    assert 0 <= int(evaluation.values["fit_score"]) <= 100 and 0 <= int(evaluation.values["engagement_score"]) <= 100


def _positive(model: QualificationModel) -> QualificationModel:
    """The model with positive engagement points."""
    scoring = model.scoring
    engagement = tuple(dataclasses.replace(rule, points=abs(rule.points)) for rule in scoring.engagement_rules)
    return dataclasses.replace(model, scoring=dataclasses.replace(scoring, engagement_rules=engagement))


@PROPERTY_SETTINGS
@given(grouped_models().map(_positive), people, activity_lists, st.floats(0, 400))
def test_as_time_passes_engagement_and_every_window_only_cool_down(
    model: QualificationModel, contact: Contact, activities: list[Activity], days_later: float
) -> None:
    earlier = evaluate(contact, activities, None, model, NOW)
    later = evaluate(contact, activities, None, model, NOW + timedelta(days=days_later))

    assert later.score.engagement_raw <= earlier.score.engagement_raw
    for before, after in zip(earlier.temperature.points_by_window, later.temperature.points_by_window, strict=True):
        assert after.points <= before.points
    # A fit rule naming an engagement rule may change as its activities age out: otherwise the score only falls.
    names = [rule.name for rule in model.scoring.engagement_rules]
    if not any(repr(groups.RuleRef(name)) in repr(model.scoring.fit_rules) for name in names):
        assert later.score.fit_raw == earlier.score.fit_raw
        assert later.score.score <= earlier.score.score


hand_raises = st.none() | st.builds(
    HandRaise,
    st.sampled_from(["Demo request", "Title"]),
    st.none() | st.integers(-100, 10).map(lambda days: START + timedelta(days=days)),
    st.floats(-60, 60),
)
step = st.tuples(st.integers(0, 100), st.sampled_from(list(Grade)), st.integers(0, 72), hand_raises)
HAND_RAISERS = dataclasses.replace(RULES, mql_rules=("Demo request", "Title"))


@PROPERTY_SETTINGS
@given(
    st.sampled_from(LIFECYCLES),
    st.sampled_from(STATUSES),
    st.lists(step, min_size=1, max_size=12),
    st.sampled_from([HAND_RAISERS, dataclasses.replace(HAND_RAISERS, mql_rules_skip_grade=True)]),
)
def test_hand_raisers_promote_raw_and_recycled_to_mql_only_and_never_demote(
    lifecycle: str, status: str | None, steps: list, rules: StageRules
) -> None:
    now = START
    contact = _person(lifecycle, status, now)
    state = decide(contact, None, 0, Grade.D, None, rules, now).state
    for score, grade, hours, hand_raise in steps:
        now += timedelta(hours=hours)
        last = hand_raise.at if hand_raise is not None and hand_raise.at is not None else None
        decision = decide(contact, state, score, grade, last, rules, now, hand_raise)
        for transition in decision.transitions:
            assert transition.source is TransitionSource.COMPUTED
            assert transition.to_stage is Stage.MQL
            assert transition.from_stage in (Stage.RAW, Stage.RECYCLED)
        if state.stage.rank is not None and decision.stage.rank is not None:
            assert decision.stage.rank >= state.stage.rank
        if state.stage is Stage.DISQUALIFIED:
            assert decision.stage is Stage.DISQUALIFIED
        state = decision.state
