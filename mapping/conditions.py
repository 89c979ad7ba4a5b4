"""Conditions on one value: a contact field or an activity attribute.

A condition is told the value (a string as the CRM sent it, or None when the CRM holds none) and says
whether it holds. The caller looked the value up, so it knows the value seen; ``describe()`` gives the
rule's own words for explanations ("matches regex '(?i)vp'", "is between 50 and 5,000").

Regular expressions run on RE2, a linear-time engine: no pattern, however written, can make matching take longer
than a pass over the text (Python's ``re`` backtracks, and ``(a+)+$`` on forty a's and a "!" would spin for
hours). RE2 has no lookaround and no backreferences; such a pattern is refused when the config is loaded. "X but
not Y" is a group (``groups``): ``all = [X, { not = Y }]``.

Text comparisons ignore case (and, for ``equals``/``one_of``, surrounding spaces). Numbers are read leniently
because CRMs send strings: "1,200", "1.5e6", "$5,000,000". A value that is not a number makes a range condition
false.

Number bands. CRMs also send ranges: HubSpot's employee counts "25-50" and "1000+", picklists such as
"5,000-10,000" or "100 to 500". ``parse_band`` reads them as (low, high), high infinite for an open band ("1000+"),
and a single number as (n, n). ``parse_number`` reads a band as its lower end (what ``validate`` checks: a band is
a number). A range condition (``Range``) meets a band as its ``band`` mode says:

- ``midpoint`` (the default): the band's middle lies in the range; an open band counts as its lower end. "25-50"
  (37.5) is not "at least 50"; "100-500" (300) is "at least 200"; "1000+" is "between 50 and 5,000". This is what an
  admin means by "companies of 50 to 5,000 people": the typical company of the band, not its smallest one.
- ``overlap``: some number of the band lies in the range ("25-50" is "at least 50": it reaches 50).
- ``within``: the whole band lies in the range ("1000+" is never "at most 5,000").
- ``lower``: the band's lower end lies in the range (how bands were read before they were ranges).

For a single number the modes agree.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias, get_args

import re2

# "1,200", "1200.5", "1.5e6", optionally after a currency sign, optionally followed by the open end of a
# range ("1000+") or its upper bound ("100-500", "100 to 500"): the number read is always the first one.
_LOOSE_NUMBER = re.compile(
    r"""
    \s*[$€£]?\s*
    (?P<number>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?(?:e[+-]?\d+)?)
    \s*(?:\+|[-–]\s*[$€£]?[\d,.]+\+?|to\s+[$€£]?[\d,.]+\+?)?\s*
    """,
    re.VERBOSE | re.IGNORECASE,
)


# CRM values repeat a lot (HubSpot's employee ranges), and the slow path raises and catches an exception.
@functools.lru_cache(maxsize=4096)
def parse_number(text: str) -> float | None:
    """The number a CRM value stands for, or None when it is not one (or not finite)."""
    try:
        number = float(text)
    except ValueError:
        match = _LOOSE_NUMBER.fullmatch(text)
        if match is None:
            return None
        number = float(match["number"].replace(",", ""))
    return number if math.isfinite(number) else None


_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?(?:e[+-]?\d+)?"
# A band: "25-50", "5,000 - 10,000", "100 to 500", "$1,000-$5,000", "1000+", "10,001+".
_BAND = re.compile(
    rf"""
    \s*[$€£]?\s*(?P<low>[+-]?{_NUMBER})
    \s*(?:(?P<open>\+)|(?:[-–]|to\s)\s*[$€£]?\s*(?P<high>{_NUMBER})\s*(?P<open_high>\+)?)\s*
    """,
    re.VERBOSE | re.IGNORECASE,
)

Band: TypeAlias = tuple[float, float]
BandMode: TypeAlias = Literal["midpoint", "overlap", "within", "lower"]
BAND_MODES: tuple[str, ...] = get_args(BandMode)
DEFAULT_BAND_MODE: BandMode = "midpoint"


@functools.lru_cache(maxsize=4096)
def parse_band(text: str) -> Band | None:
    """The range of numbers a CRM value stands for: (low, high), high infinite for an open band ("1000+"), (n, n)
    for a single number; None when it is not a number (exactly when ``parse_number`` reads none). A band written
    high to low ("500-100") is read as 100..500."""
    number = parse_number(text)
    if number is None:
        return None
    match = _BAND.fullmatch(text)
    if match is None:
        return (number, number)
    if match["open"] is not None or match["open_high"] is not None:
        return (number, math.inf)
    high = float(match["high"].replace(",", ""))
    if not math.isfinite(high):
        return (number, number)
    return (number, high) if high >= number else (high, number)


def band_point(band: Band) -> float:
    """The number a band stands for by its midpoint: its middle, or its lower end for an open band."""
    low, high = band
    return low if high == math.inf else (low + high) / 2


def _fold(text: str) -> str:
    return text.strip().casefold()


def _format_number(number: float) -> str:
    if float(number).is_integer() and abs(number) < 1e16:
        return f"{int(number):,}"
    return f"{number:,}"


@dataclass(frozen=True, slots=True)
class Equals:
    """Holds when the value equals ``text``, ignoring case and surrounding spaces."""

    text: str
    _folded: str = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_folded", _fold(self.text))

    def holds(self, value: str | None) -> bool:
        return value is not None and _fold(value) == self._folded

    def describe(self) -> str:
        return f"equals {self.text!r}"


@dataclass(frozen=True, slots=True)
class OneOf:
    """Holds when the value equals one of ``choices``, ignoring case and surrounding spaces."""

    choices: tuple[str, ...]
    _folded: frozenset[str] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_folded", frozenset(_fold(choice) for choice in self.choices))

    def holds(self, value: str | None) -> bool:
        return value is not None and _fold(value) in self._folded

    def describe(self) -> str:
        return "is one of " + ", ".join(repr(choice) for choice in self.choices)


class RegexError(ValueError):
    """A pattern RE2 cannot compile (bad syntax, or a feature RE2 leaves out: lookaround, backreferences)."""


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # the error is raised, and reported by whoever compiles: not also printed by RE2


def compile_regex(pattern: str) -> Any:
    """``pattern`` compiled by RE2 (linear-time matching); RegexError saying why when RE2 refuses it."""
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as error:
        reason = error.args[0] if error.args else "invalid pattern"
        raise RegexError(reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)) from None


@dataclass(frozen=True, slots=True)
class Regex:
    """Holds when ``pattern`` is found anywhere in the value (a search); case as the pattern says.

    ``compiled`` is the RE2 pattern (see the module docstring).
    """

    pattern: str
    compiled: Any = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", compile_regex(self.pattern))

    @classmethod
    def compile(cls, pattern: str) -> Regex:
        """A regex condition from pattern text; raises RegexError for a pattern RE2 cannot take."""
        return cls(pattern)

    def holds(self, value: str | None) -> bool:
        return value is not None and self.compiled.search(value) is not None

    def describe(self) -> str:
        return f"matches regex {self.pattern!r}"


@dataclass(frozen=True, slots=True)
class Range:
    """Holds when the value reads as a number within ``min``..``max`` (inclusive; either end may be open).

    A band value ("25-50", "1000+") meets the range as ``band`` says (see the module docstring).
    """

    min: float | None = None
    max: float | None = None
    band: BandMode = DEFAULT_BAND_MODE

    def __post_init__(self) -> None:
        if self.min is None and self.max is None:
            raise ValueError("a range needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"range min ({self.min}) is above max ({self.max})")
        if self.band not in BAND_MODES:
            raise ValueError(f"band must be one of {', '.join(BAND_MODES)}, got {self.band!r}")

    def _contains(self, number: float) -> bool:
        return (self.min is None or number >= self.min) and (self.max is None or number <= self.max)

    def holds(self, value: str | None) -> bool:
        if value is None:
            return False
        band = parse_band(value)
        if band is None:
            return False
        low, high = band
        if low == high or self.band == "lower":
            return self._contains(low)
        if self.band == "midpoint":
            return self._contains(band_point(band))
        if self.band == "overlap":
            return (self.max is None or low <= self.max) and (self.min is None or high >= self.min)
        return self._contains(low) and self._contains(high)  # within

    def reading(self, value: str | None) -> str | None:
        """How a band value was read, for explanations ("band 100..500, midpoint 300"); None for a single number
        or a value that is not a number."""
        band = None if value is None else parse_band(value)
        if band is None or band[0] == band[1]:
            return None
        low, high = band
        shown = f"{_format_number(low)}+" if high == math.inf else f"{_format_number(low)}..{_format_number(high)}"
        if self.band == "midpoint":
            return f"band {shown}, midpoint {_format_number(band_point(band))}"
        if self.band == "lower":
            return f"band {shown}, lower end {_format_number(low)}"
        return f"band {shown}, {self.band}"

    def describe(self) -> str:
        if self.max is None:
            text = f"is at least {_format_number(self.min or 0.0)}"
        elif self.min is None:
            text = f"is at most {_format_number(self.max)}"
        else:
            text = f"is between {_format_number(self.min)} and {_format_number(self.max)}"
        return text if self.band == DEFAULT_BAND_MODE else f"{text} (a band by {self.band})"


@dataclass(frozen=True, slots=True)
class Present:
    """Holds when the CRM holds a non-blank value."""

    def holds(self, value: str | None) -> bool:
        return value is not None and value.strip() != ""

    def describe(self) -> str:
        return "is present"


@dataclass(frozen=True, slots=True)
class Absent:
    """Holds when the CRM holds no value (or a blank one)."""

    def holds(self, value: str | None) -> bool:
        return value is None or value.strip() == ""

    def describe(self) -> str:
        return "is absent"


@dataclass(frozen=True, slots=True)
class Contains:
    """Holds when ``text`` occurs in the value, ignoring case."""

    text: str
    _folded: str = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_folded", self.text.casefold())

    def holds(self, value: str | None) -> bool:
        return value is not None and self._folded in value.casefold()

    def describe(self) -> str:
        return f"contains {self.text!r}"


Condition: TypeAlias = Equals | OneOf | Regex | Range | Present | Absent | Contains

# Conditions on an activity's attributes, all of which must hold: (("url", Contains("/pricing")),).
Where: TypeAlias = tuple[tuple[str, Condition], ...]


def where_holds(where: Where, attributes: Mapping[str, str]) -> bool:
    """True when every (attribute, condition) pair holds on the activity's attributes."""
    # A plain loop rather than all(<generator>): this runs for every activity a rule looks at.
    for attribute, condition in where:  # noqa: SIM110
        if not condition.holds(attributes.get(attribute)):
            return False
    return True


def describe_where(where: Where) -> str:
    """The attribute conditions in words: "url contains '/pricing' and title is present"."""
    return " and ".join(f"{attribute} {condition.describe()}" for attribute, condition in where)
