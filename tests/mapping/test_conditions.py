"""Conditions on one value, operator by operator, and the lenient reading of numbers CRMs send as text."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from leadstage.mapping.conditions import (
    Absent,
    Condition,
    Contains,
    Equals,
    OneOf,
    Present,
    Range,
    Regex,
    RegexError,
    describe_where,
    parse_band,
    parse_number,
    where_holds,
)
from leadstage.mapping.model import Contact
from leadstage.mapping.validate import FieldRules, problems

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("condition", "value", "holds"),
    [
        # equals: case-insensitive, surrounding spaces ignored, a missing value never equals
        (Equals("Software"), "software", True),
        (Equals("Software"), "  SOFTWARE ", True),
        (Equals("Software"), "Software Development", False),
        (Equals("true"), "True", True),
        (Equals("Software"), None, False),
        # one_of: like equals, against several values
        (OneOf(("Software", "Healthcare")), "healthcare", True),
        (OneOf(("Software", "Healthcare")), "Retail", False),
        (OneOf(("Software",)), None, False),
        # regex: search anywhere; case as the pattern says
        (Regex.compile(r"(?i)\b(vp|director)\b"), "VP of Sales", True),
        (Regex.compile(r"(?i)\b(vp|director)\b"), "MVP Developer", False),
        (Regex.compile(r"@(gmail|yahoo)\."), "ann@gmail.com", True),
        (Regex.compile(r"Director"), "director", False),
        (Regex.compile(r".*"), None, False),
        # range: inclusive ends, either end open, non-numbers are simply outside
        (Range(50, 5000), "50", True),
        (Range(50, 5000), "5000", True),
        (Range(50, 5000), "49.99", False),
        (Range(50, 5000), "5001", False),
        (Range(min=50), "1000000", True),
        (Range(max=10), "-3", True),
        (Range(50, 5000), "1,200", True),
        (Range(50, 5000), "100-500", True),
        (Range(1000), "1000+", True),
        (Range(1_000_000), "1.5e6", True),
        (Range(5_000_000), "$8,500,000", True),
        (Range(50, 5000), "lots", False),
        (Range(50, 5000), "", False),
        (Range(50, 5000), "nan", False),
        (Range(min=0), "inf", False),
        (Range(50, 5000), None, False),
        # present / absent: blank counts as absent
        (Present(), "+1 555 0100", True),
        (Present(), "   ", False),
        (Present(), None, False),
        (Absent(), None, True),
        (Absent(), "", True),
        (Absent(), "x", False),
        # contains: case-insensitive substring
        (Contains("/pricing"), "https://example.com/Pricing/enterprise", True),
        (Contains("/pricing"), "https://example.com/blog", False),
        (Contains("/pricing"), None, False),
    ],
)
def test_condition_holds(condition: Condition, value: str | None, holds: bool) -> None:
    assert condition.holds(value) is holds


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1200", 1200.0),
        (" 42 ", 42.0),
        ("-3.5", -3.5),
        ("1,200", 1200.0),
        ("1,200,000.50", 1_200_000.5),
        ("1.5e6", 1_500_000.0),
        ("100-500", 100.0),
        ("100 - 500", 100.0),
        ("1,001-5,000", 1001.0),
        ("100 to 500", 100.0),
        ("1000+", 1000.0),
        ("10,001+", 10001.0),
        ("$5,000,000", 5_000_000.0),
        ("€250", 250.0),
    ],
)
def test_numbers_are_read_leniently(text: str, number: float) -> None:
    assert parse_number(text) == number


@pytest.mark.parametrize("text", ["", "lots", "1,2", "12 apples", "nan", "inf", "-", "1.2.3"])
def test_values_that_are_not_numbers_read_as_none(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        (Equals("Software"), "equals 'Software'"),
        (OneOf(("Software", "Healthcare")), "is one of 'Software', 'Healthcare'"),
        (Regex.compile("(?i)vp"), "matches regex '(?i)vp'"),
        (Range(50, 5000), "is between 50 and 5,000"),
        (Range(min=5_000_000), "is at least 5,000,000"),
        (Range(max=2.5), "is at most 2.5"),
        (Present(), "is present"),
        (Absent(), "is absent"),
        (Contains("/pricing"), "contains '/pricing'"),
    ],
)
def test_conditions_describe_themselves_for_explanations(condition: Condition, words: str) -> None:
    assert condition.describe() == words


def test_a_pattern_that_backtracks_for_hours_in_python_runs_in_linear_time() -> None:
    catastrophic = Regex.compile("(a+)+$")  # Python's re: about 2**40 steps on the value below

    assert catastrophic.holds("a" * 40 + "!") is False
    assert catastrophic.holds("a" * 40) is True


@pytest.mark.parametrize("pattern", ["(?i)manager(?!.*director)", "(?<=vp )sales", r"(a)\1"])
def test_lookaround_and_backreferences_are_refused_with_the_reason(pattern: str) -> None:
    with pytest.raises(RegexError) as refused:
        Regex.compile(pattern)

    assert str(refused.value)  # RE2's own words, e.g. "invalid perl operator: (?!"


def test_where_needs_every_attribute_condition_to_hold() -> None:
    where = (("url", Contains("/pricing")), ("title", Present()))

    assert where_holds(where, {"url": "https://x.io/pricing", "title": "Pricing"})
    assert not where_holds(where, {"url": "https://x.io/pricing"})
    assert where_holds((), {})
    assert describe_where(where) == "url contains '/pricing' and title is present"


def test_a_range_needs_an_end_and_its_ends_in_order() -> None:
    with pytest.raises(ValueError, match="needs min, max or both"):
        Range()
    with pytest.raises(ValueError, match="above max"):
        Range(10, 5)


# -- number bands ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "band"),
    [
        ("25-50", (25.0, 50.0)),
        ("25 - 50", (25.0, 50.0)),
        ("1000+", (1000.0, math.inf)),
        ("10,001+", (10001.0, math.inf)),
        ("5,000-10,000", (5000.0, 10000.0)),
        ("100 to 500", (100.0, 500.0)),
        ("$1,000,000-$5,000,000", (1_000_000.0, 5_000_000.0)),
        ("1,001–5,000", (1001.0, 5000.0)),  # an en dash
        ("500-100", (100.0, 500.0)),  # written high to low
        ("1200", (1200.0, 1200.0)),
        ("1.5e6", (1_500_000.0, 1_500_000.0)),
        ("$8,500,000", (8_500_000.0, 8_500_000.0)),
        ("-3", (-3.0, -3.0)),
    ],
)
def test_a_band_reads_as_its_low_and_high_end(text: str, band: tuple[float, float]) -> None:
    assert parse_band(text) == band
    number = parse_number(text)
    assert number is not None and band[0] <= number <= band[1]  # the number validate reads is one of the band's


@pytest.mark.parametrize("text", ["", "lots", "25-", "nan", "inf", "$1M-$5M", "12 apples"])
def test_what_is_not_a_number_is_not_a_band_either(text: str) -> None:
    assert parse_band(text) is None
    assert parse_number(text) is None  # validate.problems and the bands agree on what a number is


@pytest.mark.parametrize(
    ("band", "range_", "midpoint", "overlap", "within", "lower"),
    [
        # value "25-50": midpoint 37.5
        ("25-50", Range(min=50), False, True, False, False),
        ("25-50", Range(min=30), True, True, False, False),
        ("25-50", Range(20, 60), True, True, True, True),
        ("25-50", Range(max=30), False, True, False, True),
        # "100-500": midpoint 300
        ("100-500", Range(min=200), True, True, False, False),
        ("100-500", Range(50, 5000), True, True, True, True),
        ("100-500", Range(max=250), False, True, False, True),
        # an open band counts by its lower end for the midpoint, and never lies within a range with an upper end
        ("1000+", Range(50, 5000), True, True, False, True),
        ("1000+", Range(min=1000), True, True, True, True),
        ("1000+", Range(max=999), False, False, False, False),
        ("10,001+", Range(50, 5000), False, False, False, False),
        # a single number: every mode agrees
        ("75", Range(50, 100), True, True, True, True),
        ("49", Range(50, 100), False, False, False, False),
    ],
)
def test_a_range_meets_a_band_as_its_band_mode_says(
    band: str, range_: Range, midpoint: bool, overlap: bool, within: bool, lower: bool
) -> None:
    expected = {"midpoint": midpoint, "overlap": overlap, "within": within, "lower": lower}
    for mode, holds in expected.items():
        assert Range(range_.min, range_.max, mode).holds(band) is holds, mode  # type: ignore[arg-type]
    assert range_.holds(band) is midpoint  # the default


@pytest.mark.parametrize(
    ("condition", "value", "reading"),
    [
        (Range(50, 5000), "100-500", "band 100..500, midpoint 300"),
        (Range(50, 5000), "1000+", "band 1,000+, midpoint 1,000"),
        (Range(50, 5000, "overlap"), "25-50", "band 25..50, overlap"),
        (Range(50, 5000, "lower"), "25-50", "band 25..50, lower end 25"),
        (Range(50, 5000), "75", None),
        (Range(50, 5000), "lots", None),
        (Range(50, 5000), None, None),
    ],
)
def test_a_range_says_how_it_read_a_band(condition: Range, value: str | None, reading: str | None) -> None:
    assert condition.reading(value) == reading


def test_a_range_names_its_band_mode_unless_it_is_the_midpoint() -> None:
    assert Range(50, 5000).describe() == "is between 50 and 5,000"
    assert Range(min=50, band="overlap").describe() == "is at least 50 (a band by overlap)"
    with pytest.raises(ValueError, match="band must be one of midpoint, overlap, within, lower"):
        Range(min=1, band="middle")  # type: ignore[arg-type]


def test_validation_still_accepts_bands_as_numbers() -> None:
    rules = FieldRules(required=(), numeric=("employees",))

    for band in ("25-50", "1000+", "5,000-10,000", "100 to 500"):
        assert problems(Contact("1", NOW, {"employees": band}), rules) == []
    assert problems(Contact("1", NOW, {"employees": "lots"}), rules) == ["employees is not a number: 'lots'"]
