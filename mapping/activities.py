"""One pass over a person's activities for every rule that looks at them: engagement rules and BANT activity rules.

Rules are compiled into *matchers* (activity kinds plus attribute conditions); rules with the same kinds and
conditions share one matcher, so the pricing-page engagement rule and the pricing-page BANT rule look at each
activity once. Per kind, the plan knows which matchers apply and which attributes their conditions read, and it
remembers, per attribute value seen (a URL, a form name), which matchers that value satisfies: a regex runs once
per distinct value, not once per activity. The pass gives each matcher the ages (seconds before ``as of``, 0 for
future-dated activities) of the activities it matched, sorted so that sums do not depend on activity order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeAlias

from .conditions import Where, where_holds
from .memo import BoundedMemo
from .model import MICROSECONDS_PER_SECOND, Activity

_BEFORE_ANY_TIME = -(1 << 80)  # microseconds: earlier than any datetime
_AFTER_ANY_TIME = 1 << 80


class Matcher(NamedTuple):
    """What a rule looks for: an activity of one of ``kinds`` whose attributes meet every ``where`` condition."""

    kinds: frozenset[str]
    where: Where


# The positions of the matchers an activity satisfies.
Matched: TypeAlias = tuple[int, ...]
# Per matcher position: the ages in seconds of the activities it matched, ascending; None when it matched none.
MatcherAges: TypeAlias = list[list[float] | None]


class KindPlan(NamedTuple):
    """The matchers that look at one activity kind, and what each combination of attribute values satisfied."""

    # (position, conditions) of each matcher of the kind
    matchers: tuple[tuple[int, Where], ...]
    # What every activity of the kind satisfies when no matcher reads an attribute; else None.
    always: Matched | None
    # The attribute the matchers read when they read exactly one, else None: its value alone is then the memo key,
    # as building a tuple of one per activity costs 3 µs a contact (9%) in bench/bench_scoring.py.
    attribute: str | None
    # Every attribute the matchers read, in order (a tuple of their values is the memo key).
    attributes: tuple[str, ...]
    matched_by_values: BoundedMemo[object, Matched]


# Built for every person: a plain slotted dataclass, as results are (cheaper to build and read than a NamedTuple).
@dataclass(slots=True)
class Found:
    """What one pass found: each matcher's ages, and the latest activity of any kind (first of equals) or None."""

    ages: MatcherAges
    latest: Activity | None


def _kind_plan(matchers: tuple[tuple[int, Where], ...]) -> KindPlan:
    read: list[str] = []
    for _, where in matchers:
        for attribute, _condition in where:
            if attribute not in read:
                read.append(attribute)
    always = None if read else tuple(position for position, _ in matchers)
    return KindPlan(matchers, always, read[0] if len(read) == 1 else None, tuple(read), BoundedMemo())


def _matched(plan: KindPlan, attributes: Mapping[str, str]) -> Matched:
    """The positions of the kind's matchers whose conditions the activity's attributes meet, remembered per
    values read."""
    if plan.attribute is not None:
        key: object = attributes.get(plan.attribute)
    else:
        key = tuple([attributes.get(name) for name in plan.attributes])
    matched = plan.matched_by_values.get(key)
    if matched is None:
        satisfied = tuple(position for position, where in plan.matchers if where_holds(where, attributes))
        matched = plan.matched_by_values.remember(key, satisfied)
    return matched


class ActivityPlan:
    """Compiled matchers; ``ages()`` is the one pass over a person's activities."""

    __slots__ = ("_by_kind", "matchers")

    def __init__(self, matchers: Sequence[Matcher]) -> None:
        self.matchers: tuple[Matcher, ...] = tuple(matchers)
        by_kind: dict[str, list[tuple[int, Where]]] = {}
        for position, (kinds, where) in enumerate(self.matchers):
            for kind in sorted(kinds):
                by_kind.setdefault(kind, []).append((position, where))
        # Only kinds some matcher reads: any other kind, known or one the CRM added, is passed over.
        self._by_kind = {kind: _kind_plan(tuple(entries)) for kind, entries in by_kind.items()}

    def ages(self, activities: Iterable[Activity], as_of_us: int, until_us: int = _AFTER_ANY_TIME) -> Found:
        """For each matcher, the sorted ages in seconds (as of ``as_of_us``) of the activities it matched; and
        the latest activity.

        Activities dated after ``until_us`` are not looked at (a date years ahead is bad data, not an activity
        that stays recent forever); ones between ``as_of_us`` and it (a meeting booked for next week) are age 0.
        """
        by_kind = self._by_kind
        found: MatcherAges = [None] * len(self.matchers)
        latest: Activity | None = None
        latest_us = _BEFORE_ANY_TIME
        for activity in activities:
            epoch_us = activity.epoch_us
            if epoch_us > until_us:
                continue
            if epoch_us > latest_us:
                latest_us = epoch_us
                latest = activity
            plan = by_kind.get(activity.kind)
            if plan is None:
                continue
            matched = plan.always
            if matched is None:
                matched = _matched(plan, activity.attributes)
                if not matched:
                    continue
            age = (as_of_us - epoch_us) / MICROSECONDS_PER_SECOND
            if age < 0.0:  # dated ahead, within until_us: counts as now
                age = 0.0
            for position in matched:
                ages = found[position]
                if ages is None:
                    found[position] = [age]
                else:
                    ages.append(age)
        for ages in found:
            if ages is not None:
                ages.sort()
        return Found(found, latest)


def compile_matchers(groups: Sequence[Sequence[Matcher]]) -> tuple[ActivityPlan, tuple[tuple[int, ...], ...]]:
    """One plan for several rule lists, and for each list its rules' matcher positions (equal matchers shared)."""
    positions: dict[Matcher, int] = {}
    slots: list[tuple[int, ...]] = []
    for group in groups:
        slots.append(tuple(positions.setdefault(matcher, len(positions)) for matcher in group))
    return ActivityPlan(list(positions)), tuple(slots)
