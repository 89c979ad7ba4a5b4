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
from typing import TypeAlias

from .conditions import Where, where_holds
from .model import Activity, ActivityKind

# Distinct attribute values remembered per activity kind before the memo starts over (URLs with query strings
# can be unique; form names and page paths repeat across people).
MEMO_LIMIT = 4096
_MICROSECONDS = 1_000_000
_BEFORE_ANY_TIME = -(1 << 80)  # microseconds: earlier than any datetime
_AFTER_ANY_TIME = 1 << 80

Matcher: TypeAlias = tuple[frozenset[str], Where]
# Matcher positions an activity satisfies.
Matched: TypeAlias = tuple[int, ...]
# Per matcher position: the ages in seconds of the activities it matched, ascending, or None for none.
MatcherAges: TypeAlias = list[list[float] | None]
KNOWN_KINDS: tuple[str, ...] = tuple(kind.value for kind in ActivityKind)


class _KindPlan:
    """What the matchers of one activity kind read, and what each value seen satisfied."""

    __slots__ = ("attribute", "attributes", "constant", "matchers", "memo")

    def __init__(self, matchers: tuple[tuple[int, Where], ...]) -> None:
        self.matchers = matchers
        read: list[str] = []
        for _, where in matchers:
            for attribute, _condition in where:
                if attribute not in read:
                    read.append(attribute)
        # No attribute read: every activity of the kind satisfies the same matchers.
        self.constant: Matched | None = None if read else tuple(position for position, _ in matchers)
        self.attribute: str | None = read[0] if len(read) == 1 else None
        self.attributes: tuple[str, ...] = tuple(read)
        self.memo: dict[object, Matched] = {}

    def resolve(self, key: object, attributes: Mapping[str, str]) -> Matched:
        """The matchers the activity's attributes satisfy; remembered under ``key`` (the values read)."""
        matched = tuple(position for position, where in self.matchers if where_holds(where, attributes))
        memo = self.memo
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        memo[key] = matched
        return matched


# What the pass needs of one kind: (constant outcome or None, the one attribute read or None, memo, plan).
KindEntry: TypeAlias = tuple[Matched | None, str | None, dict[object, Matched], _KindPlan]


class ActivityPlan:
    """Compiled matchers; ``ages()`` is the one pass over a person's activities."""

    __slots__ = ("_by_kind", "matchers")

    def __init__(self, matchers: Sequence[Matcher]) -> None:
        self.matchers: tuple[Matcher, ...] = tuple(matchers)
        by_kind: dict[str, list[tuple[int, Where]]] = {}
        for position, (kinds, where) in enumerate(self.matchers):
            for kind in sorted(kinds):
                by_kind.setdefault(kind, []).append((position, where))
        # kind -> (constant outcome or None, the one attribute read or None, memo, the kind's plan); every known
        # kind is listed (None when no matcher reads it), so the pass can index rather than call ``get``.
        self._by_kind: dict[str, KindEntry | None] = dict.fromkeys(KNOWN_KINDS)
        for kind, entries in by_kind.items():
            plan = _KindPlan(tuple(entries))
            self._by_kind[kind] = (plan.constant, plan.attribute, plan.memo, plan)

    def _unknown_kind(self, kind: str) -> None:
        """Remember that no matcher reads ``kind`` (a kind the CRM added), so it is indexed next time."""
        if len(self._by_kind) < MEMO_LIMIT:
            self._by_kind[kind] = None

    def ages(
        self, activities: Iterable[Activity], as_of_us: int, until_us: int = _AFTER_ANY_TIME
    ) -> tuple[MatcherAges, Activity | None]:
        """For each matcher, the sorted ages in seconds (as of ``as_of_us``) of the activities it matched; and
        the latest activity of any kind (the first of equals), or None.

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
            try:
                entry = by_kind[activity.kind]
            except KeyError:
                self._unknown_kind(activity.kind)
                continue
            if entry is None:
                continue
            matched, attribute, memo, plan = entry
            if matched is None:
                attributes = activity.attributes
                key: object = (
                    attributes.get(attribute)
                    if attribute is not None
                    else tuple([attributes.get(name) for name in plan.attributes])
                )
                matched = memo.get(key)
                if matched is None:
                    matched = plan.resolve(key, attributes)
                if not matched:
                    continue
            age = (as_of_us - epoch_us) / _MICROSECONDS
            if age < 0.0:
                age = 0.0
            for position in matched:
                ages = found[position]
                if ages is None:
                    found[position] = [age]
                else:
                    ages.append(age)
        for ages in found:
            if ages is not None and len(ages) > 1:
                ages.sort()
        return found, latest


def compile_matchers(groups: Sequence[Sequence[Matcher]]) -> tuple[ActivityPlan, tuple[tuple[int, ...], ...]]:
    """One plan for several rule lists, and for each list its rules' matcher positions (equal matchers shared)."""
    positions: dict[Matcher, int] = {}
    slots: list[tuple[int, ...]] = []
    for group in groups:
        slots.append(tuple(positions.setdefault(matcher, len(positions)) for matcher in group))
    return ActivityPlan(list(positions)), tuple(slots)
