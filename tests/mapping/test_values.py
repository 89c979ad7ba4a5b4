"""Output values: canonical formats, the comparison that finds real changes, and lifecycle promotion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from leadstage.mapping.model import Stage
from leadstage.mapping.values import (
    OutputKind,
    PromotionRule,
    changed_values,
    format_datetime,
    format_number,
    promotion_value,
    same_value,
)

LIFECYCLE = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer")
PROMOTE = PromotionRule("lifecycle_stage", "marketingqualifiedlead", LIFECYCLE)


@pytest.mark.parametrize(
    ("kind", "current", "desired", "same"),
    [
        (OutputKind.NUMBER, "42", "42", True),
        (OutputKind.NUMBER, "42.0", "42", True),
        (OutputKind.NUMBER, "41", "42", False),
        (OutputKind.NUMBER, "n/a", "42", False),
        (OutputKind.DATETIME, "2026-05-01T10:00:00.000Z", "2026-05-01T10:00:00.000Z", True),
        (
            OutputKind.DATETIME,
            "1777629600000",
            "2026-05-01T10:00:00.000Z",
            True,
        ),  # epoch ms, as HubSpot may echo
        (
            OutputKind.DATETIME,
            "2026-05-01T10:00:00.000+0000",
            "2026-05-01T10:00:00.400Z",
            True,
        ),  # SF: seconds
        (OutputKind.DATETIME, "2026-05-01T10:00:01.000Z", "2026-05-01T10:00:00.000Z", False),
        (OutputKind.BOOL, "True", "true", True),
        (OutputKind.ENUMERATION, "b", "B", True),
        (OutputKind.STRING, "fit: a", "fit: b", False),
        (OutputKind.NUMBER, None, "0", False),
        (OutputKind.STRING, "", "", True),
    ],
)
def test_same_value_compares_by_meaning(kind, current, desired, same):
    assert same_value(kind, current, desired) is same


def test_changed_values_keeps_only_what_the_crm_lacks():
    desired = {"score": "42", "grade": "B", "funnel_stage": "mql"}
    assert changed_values(desired, {"score": "42.0", "grade": "C"}) == {"grade": "B", "funnel_stage": "mql"}


def test_formats_are_the_ones_the_crm_echoes_back():
    assert format_number(42.0) == "42"
    assert format_number(12.345) == "12.35"
    moment = datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert format_datetime(moment) == "2026-05-01T10:00:00.123Z"
    assert format_datetime(datetime(2026, 5, 1, tzinfo=UTC)) == "2026-05-01T00:00:00.000Z"


@pytest.mark.parametrize(
    ("current", "stage", "rule", "expected"),
    [
        ("lead", Stage.MQL, PROMOTE, ("marketingqualifiedlead", False)),  # forward
        (None, Stage.MQL, PROMOTE, ("marketingqualifiedlead", False)),  # empty
        ("marketingqualifiedlead", Stage.MQL, PROMOTE, (None, False)),  # already there
        ("salesqualifiedlead", Stage.MQL, PROMOTE, (None, False)),  # backward: not allowed
        (
            "salesqualifiedlead",
            Stage.MQL,
            PromotionRule("lifecycle_stage", "marketingqualifiedlead", LIFECYCLE, allow_backward=True),
            ("marketingqualifiedlead", True),  # backward allowed: clear first
        ),
        ("lead", Stage.RAW, PROMOTE, (None, False)),  # only an MQL is promoted
        ("lead", Stage.SAL, PROMOTE, (None, False)),
        ("1234", Stage.MQL, PROMOTE, (None, False)),  # a custom value we cannot place: leave it
    ],
)
def test_lifecycle_promotion_moves_forward_only_unless_allowed(current, stage, rule, expected):
    assert promotion_value(current, stage, rule) == expected
