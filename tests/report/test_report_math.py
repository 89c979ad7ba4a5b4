"""The funnel report's figures on a small history computed by hand (see tests/report/history.py)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from leadstage.mapping.model import Stage
from leadstage.sync.report.funnel import (
    NONE,
    TOTAL,
    FunnelReport,
    GroupFigures,
    HistoryRow,
    Period,
    cohort_of,
    field_group,
    funnel_report,
    percentile,
)

from .history import MARCH, OWNERS, SLA_HOURS, SOURCES, TIMELINES, at, rows


def report(group_by: str | None = None, sla_hours: float | None = SLA_HOURS, **kwargs) -> FunnelReport:
    group_of = {"source": field_group(SOURCES), "owner": field_group(OWNERS)}.get(group_by or "")
    return funnel_report("main", rows(), MARCH, sla_hours, group_by, group_of, **kwargs)


def rates(figures: GroupFigures) -> dict[str, tuple[int, int]]:
    return {c.key: (c.converted, c.entered) for c in figures.conversions}


def velocity(figures: GroupFigures, stage: Stage) -> tuple:
    v = figures.stage_velocity(stage)
    return (v.stays, v.median_days, v.p90_days, v.open, v.open_median_days, v.open_p90_days)


def test_entries_count_rows_in_the_period_and_never_first_sights():
    total = report().total

    assert total.entered == {
        Stage.RAW: 0,
        Stage.MQL: 8,  # c2 twice: re-MQL'd after the recycle
        Stage.SAL: 4,  # c7 at exactly `since` counts; c8's SAL in February does not
        Stage.SQL: 5,  # c3 skipped MQL and SAL; c7's SQL in April does not count
        Stage.OPPORTUNITY: 2,
        Stage.CUSTOMER: 1,
        Stage.RECYCLED: 2,
        Stage.DISQUALIFIED: 2,
    }
    assert total.first_seen == 1  # c10, first seen at SAL in March
    assert total.contacts == 12  # c12 has a row before `until` (its MQL at exactly `until` is outside)


def test_conversions_follow_each_entry_to_the_period_end_and_count_skipped_stages_as_passed():
    total = report().total

    assert rates(total) == {
        "mql_to_sal": (4, 8),  # c1, c2 (both times), c4 via SQL without SAL
        "sal_to_sql": (1, 4),  # c1; c2 recycled, c2 again still open, c7's SQL comes after the period
        "sql_to_opportunity": (2, 5),  # c1, c8
        "opportunity_to_customer": (1, 2),  # c1
    }
    assert total.conversion(Stage.MQL).rate == 0.5
    assert total.conversion(Stage.SAL).rate == 0.25


def test_recycle_and_disqualification_rates_are_shares_of_the_mql_entries():
    total = report().total

    assert (total.recycled, total.disqualified) == (2, 2)  # c2 (first MQL), c11; c4 (after SQL), c9
    assert total.recycle_rate == 0.25 and total.disqualification_rate == 0.25


def test_a_recycled_contact_re_mqld_is_a_second_hand_over_with_its_own_outcome():
    total = funnel_report("main", rows({"c2": TIMELINES["c2"]}), MARCH, SLA_HOURS).total

    assert total.entered[Stage.MQL] == 2 and total.entered[Stage.SAL] == 2
    assert rates(total)["mql_to_sal"] == (2, 2) and rates(total)["sal_to_sql"] == (0, 2)
    assert total.recycled == 1
    assert (total.handover.within, total.handover.breached) == (1, 1)  # 72 h the first time, 36 h the second
    assert velocity(total, Stage.RECYCLED)[:3] == (1, 10.0, 10.0)


def test_time_in_stage_counts_stays_that_ended_in_the_period_from_a_real_entry():
    total = report().total

    # MQL stays: c1 1 d, c2 3 d and 1.5 d, c4 1 d, c9 2 d, c11 4 d (c7's first sight is not measured, c8's
    # ended in February). Median of [1, 1, 1.5, 2, 3, 4] = 1.75; p90 at rank 4.5 = 3 + 0.5 * (4 - 3) = 3.5.
    # Open at the period end: c5 (7 d) and c6 (1.5 d).
    assert velocity(total, Stage.MQL) == (6, 1.75, 3.5, 2, 4.25, pytest.approx(6.45))
    # SAL: c1 2 d, c2 3 d, c8 2 d (entered in February, left in March). Open: c2 10.5 d, c7 31 d.
    assert velocity(total, Stage.SAL) == (3, 2.0, pytest.approx(2.8), 2, 20.75, pytest.approx(28.95))
    # SQL: c1 5 d, c4 6 d, c8 10 d. Open: c3 26 d, c10 14 d.
    assert velocity(total, Stage.SQL) == (3, 6.0, pytest.approx(9.2), 2, 20.0, pytest.approx(24.8))
    assert velocity(total, Stage.OPPORTUNITY) == (1, 10.0, 10.0, 1, 20.0, 20.0)
    assert velocity(total, Stage.CUSTOMER) == (0, None, None, 1, 12.0, 12.0)
    assert velocity(total, Stage.DISQUALIFIED) == (0, None, None, 2, 18.5, pytest.approx(19.7))


def test_contacts_still_at_their_first_sight_stage_are_open_without_an_age():
    total = report().total

    assert velocity(total, Stage.RAW) == (0, None, None, 1, None, None)  # c12
    assert sum(v.open for v in total.velocity) == total.contacts


def test_hand_over_sla_judges_each_mql_entry_by_the_next_move():
    handover = report().total.handover

    # within: c1 24 h, c2 36 h, c4 24 h, c9 exactly 48 h; breached: c2 72 h, c11 96 h, c5 open past its
    # deadline; pending: c6, whose deadline is after the period end.
    assert (handover.mql_entries, handover.within, handover.breached, handover.pending) == (8, 4, 3, 1)
    assert handover.breach_rate == pytest.approx(3 / 7)


def test_without_an_sla_nothing_is_judged():
    handover = report(sla_hours=None).total.handover

    assert (handover.sla_hours, handover.within, handover.breached, handover.pending) == (None, 0, 0, 0)
    assert handover.breach_rate is None and handover.mql_entries == 8


def test_rows_after_the_period_change_nothing_and_row_order_does_not_matter():
    shuffled = rows()
    random.Random(4).shuffle(shuffled)
    later = [*rows(), *rows({"c13": [("raw", at(4, 2)), ("mql", at(4, 3))]})]
    baseline = report()

    assert funnel_report("main", shuffled, MARCH, SLA_HOURS) == baseline
    assert funnel_report("main", later, MARCH, SLA_HOURS) == baseline


def test_a_period_before_any_entry_reports_zeros_and_no_rates():
    january = Period(at(1, 1), at(2, 1))

    total = funnel_report("main", rows(), january, SLA_HOURS).total

    assert sum(total.entered.values()) == 0 and total.contacts == 1  # c11's first sight on Jan 5
    assert all(c.rate is None for c in total.conversions)
    assert total.recycle_rate is None and total.handover.breach_rate is None


def test_grouping_by_source_puts_missing_values_under_none_last():
    grouped = report("source")
    by_name = {g.name: g for g in grouped.groups}

    assert [g.name for g in grouped.groups] == [
        "ads",
        "webinar",
        NONE,
    ]  # ads and webinar: 3 MQLs; ads has more contacts
    assert grouped.total.name == TOTAL and grouped.group_by == "source"
    assert rates(by_name["ads"]) == {
        "mql_to_sal": (3, 3),
        "sal_to_sql": (1, 4),
        "sql_to_opportunity": (2, 4),
        "opportunity_to_customer": (1, 2),
    }
    assert rates(by_name["webinar"])["mql_to_sal"] == (1, 3)
    assert (by_name["webinar"].disqualified, by_name[NONE].recycled) == (2, 1)
    assert rates(by_name[NONE])["mql_to_sal"] == (0, 2)  # c6 (no source) and c11 (no stored fields)
    assert (by_name[NONE].handover.breached, by_name[NONE].handover.pending) == (1, 1)
    assert sum(g.entered[Stage.MQL] for g in grouped.groups) == grouped.total.entered[Stage.MQL]


def test_grouping_by_owner_treats_a_blank_owner_as_none():
    grouped = report("owner")

    assert [(g.name, g.contacts, g.entered[Stage.MQL]) for g in grouped.groups] == [
        ("o1", 6, 5),
        ("o2", 4, 1),
        (NONE, 2, 2),  # c5 (blank owner) and c11
    ]


def test_cohorts_are_the_month_of_the_first_mql_entry():
    grouped = report("cohort")
    by_name = {g.name: g for g in grouped.groups}

    assert [g.name for g in grouped.groups] == ["2026-02", "2026-03", NONE]
    assert by_name["2026-02"].contacts == 1 and by_name["2026-02"].entered[Stage.SQL] == 1  # c8
    assert by_name["2026-02"].conversion(Stage.MQL).rate is None
    assert by_name["2026-03"].entered[Stage.MQL] == 8
    # c3 and c10 never entered MQL, c7 was only first seen there, c12's MQL is after the period.
    assert by_name[NONE].contacts == 4 and by_name[NONE].entered[Stage.SQL] == 2


def test_cohort_of_ignores_a_first_sight_at_mql():
    first_seen_at_mql = [r for r in rows() if r.contact_id == "c7"]

    assert cohort_of("c7", first_seen_at_mql) == NONE


def test_groups_without_a_row_in_the_period_are_left_out():
    january_only = {"c99": [("raw", at(1, 3)), ("mql", at(1, 4))]}
    history = [*rows(), *rows(january_only)]

    grouped = funnel_report("main", history, MARCH, SLA_HOURS, "source", field_group({**SOURCES, "c99": "fair"}))

    assert "fair" not in {g.name for g in grouped.groups}
    assert grouped.total.contacts == 13 and grouped.total.stage_velocity(Stage.MQL).open == 3


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [([], 0.5, None), ([4.0], 0.9, 4.0), ([1.0, 2.0], 0.5, 1.5), ([3.0, 1.0, 2.0, 4.0], 0.9, 3.7)],
)
def test_percentile_interpolates_between_the_closest_ranks(values, q, expected):
    assert percentile(values, q) == (pytest.approx(expected) if expected is not None else None)


def test_a_move_recorded_before_the_entry_it_follows_counts_as_zero_days():
    mql_at = at(3, 5)
    skewed = [
        HistoryRow(1, "c1", None, Stage.RAW, at(2, 1)),
        HistoryRow(2, "c1", Stage.RAW, Stage.MQL, mql_at, "computed"),
        HistoryRow(3, "c1", Stage.MQL, Stage.SAL, mql_at - timedelta(hours=1)),  # the CRM's clock, a bit behind
    ]

    total = funnel_report("main", skewed, MARCH, SLA_HOURS).total

    assert velocity(total, Stage.MQL)[:3] == (1, 0.0, 0.0)
    assert total.handover.within == 1 and total.conversion(Stage.MQL).converted == 1
