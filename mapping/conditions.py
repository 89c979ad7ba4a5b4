"""Conditions on one value: a contact field or an activity attribute.

A condition is told the value (a string as the CRM sent it, or None when the CRM holds none) and says
whether it holds. The caller looked the value up, so it knows the value seen; ``describe()`` gives the
rule's own words for explanations ("matches regex '(?i)vp'", "is between 50 and 5,000").

Regular expressions run on RE2, a linear-time engine: no pattern, however written, can make matching take longer
than a pass over the text (Python's ``re`` backtracks, and ``(a+)+$`` on forty a's and a "!" would spin for
hours). RE2 has no lookaround and no backreferences; such a pattern is refused when the config is loaded.

Text comparisons ignore case (and, for ``equals``/``one_of``, surrounding spaces). Numbers are read leniently
because CRMs send strings: "1,200", "1.5e6", "$5,000,000", HubSpot's employee ranges "100-500" (read as the
lower bound, 100) and "1000+" (1000). A value that is not a number makes a range condition false.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

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
    """Holds when the value reads as a number within ``min``..``max`` (inclusive; either end may be open)."""

    min: float | None = None
    max: float | None = None

    def __post_init__(self) -> None:
        if self.min is None and self.max is None:
            raise ValueError("a range needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"range min ({self.min}) is above max ({self.max})")

    def holds(self, value: str | None) -> bool:
        if value is None:
            return False
        number = parse_number(value)
        if number is None:
            return False
        return (self.min is None or number >= self.min) and (self.max is None or number <= self.max)

    def describe(self) -> str:
        if self.max is None:
            return f"is at least {_format_number(self.min or 0.0)}"
        if self.min is None:
            return f"is at most {_format_number(self.max)}"
        return f"is between {_format_number(self.min)} and {_format_number(self.max)}"


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
