"""Properties of the stage machine that hold for any inputs (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from leadstage.mapping.model import Contact, Grade, Stage, TransitionSource
from leadstage.mapping.stages import decide
from tests.mapping.test_stages import RULES

START = datetime(2026, 1, 1, tzinfo=UTC)
LIFECYCLES = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "other"]
STATUSES = [None, "NEW", "IN_PROGRESS", "UNQUALIFIED", "BAD_TIMING", "OPEN_DEAL"]

step = st.tuples(
    st.integers(0, 100),  # score
    st.sampled_from(list(Grade)),
    st.integers(0, 72),  # hours since the previous evaluation
    st.one_of(st.none(), st.integers(-100, 10)),  # last activity, in days from now
)


def _person(lifecycle, status, at):
    fields = {"lifecycle_stage": lifecycle}
    if status is not None:
        fields["lead_status"] = status
    return Contact(id="7", updated_at=at, fields=fields)


def _rank(stage):
    return stage.rank if stage.rank is not None else -1


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(LIFECYCLES), st.sampled_from(STATUSES), st.lists(step, min_size=1, max_size=12))
def test_nothing_is_demoted_while_the_crm_says_the_same(lifecycle, status, steps):
    now = START
    contact = _person(lifecycle, status, now)
    state = decide(contact, None, 0, Grade.D, None, RULES, now).state
    for score, grade, hours, activity_days in steps:
        now += timedelta(hours=hours)
        last = now + timedelta(days=activity_days) if activity_days is not None else None
        decision = decide(contact, state, score, grade, last, RULES, now)
        for transition in decision.transitions:
            assert transition.source is TransitionSource.COMPUTED
            assert transition.to_stage is Stage.MQL
            assert transition.from_stage in (Stage.RAW, Stage.RECYCLED)
        if state.stage.rank is not None and decision.stage.rank is not None:
            assert decision.stage.rank >= state.stage.rank
        if state.stage is Stage.DISQUALIFIED:
            assert decision.stage is Stage.DISQUALIFIED
        state = decision.state


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(LIFECYCLES), st.sampled_from(STATUSES), step)
def test_decisions_are_deterministic(lifecycle, status, one):
    score, grade, hours, activity_days = one
    now = START + timedelta(hours=hours)
    last = now + timedelta(days=activity_days) if activity_days is not None else None
    contact = _person(lifecycle, status, START)
    first = decide(contact, None, score, grade, last, RULES, now)
    second = decide(contact, None, score, grade, last, RULES, now)
    assert first == second


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(LIFECYCLES), st.sampled_from(STATUSES), st.integers(0, 100), st.sampled_from(list(Grade)))
def test_a_higher_score_never_gives_a_lower_stage(lifecycle, status, score, grade):
    contact = _person(lifecycle, status, START)
    low = decide(contact, None, score, grade, None, RULES, START)
    high = decide(contact, None, min(100, score + 20), grade, None, RULES, START)
    assert _rank(high.stage) >= _rank(low.stage) or high.stage == low.stage
