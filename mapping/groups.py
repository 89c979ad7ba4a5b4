"""Conditions on a person: a field condition, groups of them (all, any, not), and references to rules by name.

A fit rule, a tier of a tiered fit rule, a BANT rule or a group member is one of these *clauses*:

- ``FieldTest``: a condition on one contact field (``job_title`` matches a regex);
- ``AllOf`` / ``AnyOf``: every / at least one of its clauses holds (an empty group is refused);
- ``Not``: its clause does not hold;
- ``RuleRef``: a fit rule of the scoring model fires for the person (optionally: fires with one of ``tiers``), or
  an engagement rule counts (the person has an activity it matches within the scoring model's ``max_age_days``).

Groups nest: "a manager, and not one of the senior titles" is
``AllOf((FieldTest("job_title", Regex("(?i)\\bmanager\\b")), Not(RuleRef("Seniority"))))``.

References are resolved once, when a model is compiled (``RuleResolver``): a reference becomes the referenced
rule's own compiled condition, so nothing is looked up by name per person; a rule that refers to itself through
any chain of references is refused, naming the chain. Compiled clauses (``Check``) say which contact fields and
which engagement matchers they read, so a rule's outcome can be remembered per combination of those values.
``trace()`` explains an outcome: which parts held, with the values seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeAlias

from .conditions import Condition, Range

# Per matcher position of an activity plan: the ages of the activities it matched, ascending; None for none.
# (The same type as activities.MatcherAges, spelt out here so that this module needs nothing of the pass.)
Found: TypeAlias = Sequence[list[float] | None]


def _yes(holds: bool) -> str:
    return "yes" if holds else "no"


def _seen(value: str | None) -> str:
    return "(no value)" if value is None else repr(value)


@dataclass(frozen=True, slots=True)
class FieldTest:
    """Holds when the contact's ``field`` meets ``condition``."""

    field: str
    condition: Condition

    def describe(self) -> str:
        return f"{self.field} {self.condition.describe()}"


@dataclass(frozen=True, slots=True)
class AllOf:
    """Holds when every one of ``parts`` holds."""

    parts: tuple[Clause, ...]

    def __post_init__(self) -> None:
        if not self.parts:
            raise ValueError("an 'all' group needs at least one condition")

    def describe(self) -> str:
        return "all of [" + "; ".join(part.describe() for part in self.parts) + "]"


@dataclass(frozen=True, slots=True)
class AnyOf:
    """Holds when at least one of ``parts`` holds."""

    parts: tuple[Clause, ...]

    def __post_init__(self) -> None:
        if not self.parts:
            raise ValueError("an 'any' group needs at least one condition")

    def describe(self) -> str:
        return "any of [" + "; ".join(part.describe() for part in self.parts) + "]"


@dataclass(frozen=True, slots=True)
class Not:
    """Holds when ``part`` does not."""

    part: Clause

    def describe(self) -> str:
        return f"not [{self.part.describe()}]"


@dataclass(frozen=True, slots=True)
class RuleRef:
    """Holds when the fit rule ``name`` fires (with one of ``tiers``, when given) or the engagement rule ``name``
    counts."""

    name: str
    tiers: tuple[str, ...] = ()

    def describe(self) -> str:
        return f"rule {self.name!r}" + (f" in tiers {', '.join(self.tiers)}" if self.tiers else "")


Clause: TypeAlias = FieldTest | AllOf | AnyOf | Not | RuleRef


def rule_refs(clause: Clause) -> Iterable[RuleRef]:
    """Every rule reference within ``clause``, depth first."""
    if isinstance(clause, RuleRef):
        yield clause
    elif isinstance(clause, AllOf | AnyOf):
        for part in clause.parts:
            yield from rule_refs(part)
    elif isinstance(clause, Not):
        yield from rule_refs(clause.part)


# -- compiled clauses ----------------------------------------------------------------------------------------------
class Check(Protocol):
    """A clause ready to run on one person: their fields and what the pass over their activities found."""

    @property
    def fields(self) -> tuple[str, ...]:
        """The contact fields the outcome depends on (each once, in order)."""

    @property
    def slots(self) -> tuple[int, ...]:
        """The engagement matchers (activity plan positions) the outcome depends on."""

    def holds(self, fields: Mapping[str, str], found: Found) -> bool: ...

    def trace(self, fields: Mapping[str, str], found: Found) -> str:
        """The outcome in words, with the values seen: "job_title 'VP Sales' matches regex '(?i)vp': yes"."""


def _union(parts: Iterable[tuple[object, ...]]) -> tuple[object, ...]:
    seen: list[object] = []
    for part in parts:
        for item in part:
            if item not in seen:
                seen.append(item)
    return tuple(seen)


class FieldCheck:
    __slots__ = ("condition", "field", "fields", "slots")

    def __init__(self, field: str, condition: Condition) -> None:
        self.field = field
        self.condition = condition
        self.fields: tuple[str, ...] = (field,)
        self.slots: tuple[int, ...] = ()

    def holds(self, fields: Mapping[str, str], found: Found) -> bool:
        return self.condition.holds(fields.get(self.field))

    def trace(self, fields: Mapping[str, str], found: Found) -> str:
        value = fields.get(self.field)
        reading = self.condition.reading(value) if isinstance(self.condition, Range) else None
        seen = _seen(value) + (f" ({reading})" if reading else "")
        return f"{self.field} {seen} {self.condition.describe()}: {_yes(self.condition.holds(value))}"


class _GroupCheck:
    __slots__ = ("fields", "parts", "slots")
    word = ""

    def __init__(self, parts: tuple[Check, ...]) -> None:
        self.parts = parts
        self.fields: tuple[str, ...] = _union(part.fields for part in parts)  # type: ignore[assignment]
        self.slots: tuple[int, ...] = _union(part.slots for part in parts)  # type: ignore[assignment]

    def holds(self, fields: Mapping[str, str], found: Found) -> bool:
        raise NotImplementedError

    def trace(self, fields: Mapping[str, str], found: Found) -> str:
        inner = "; ".join(part.trace(fields, found) for part in self.parts)
        return f"{self.word} [{inner}]: {_yes(self.holds(fields, found))}"


class AllCheck(_GroupCheck):
    __slots__ = ()
    word = "all of"

    def holds(self, fields: Mapping[str, str], found: Found) -> bool:
        for part in self.parts:  # noqa: SIM110 (a plain loop: no generator per person)
            if not part.holds(fields, found):
                return False
        return True


class AnyCheck(_GroupCheck):
    __slots__ = ()
    word = "any of"

    def holds(self, fields: Mapping[str, str], found: Found) -> bool:
        for part in self.parts:  # noqa: SIM110
            if part.holds(fields, found):
                return True
        return False


class NotCheck:
    __slots__ = ("fields", "part", "slots")

    def __init__(self, part: Check) -> None:
        self.part = part
        self.fields = part.fields
        self.slots = part.slots

    def holds(self, fields: Mapping[str, str], found: Found) -> bool:
        return not self.part.holds(fields, found)

    def trace(self, fields: Mapping[str, str], found: Found) -> str:
        return f"not [{self.part.trace(fields, found)}]: {_yes(self.holds(fields, found))}"


class TierSelect:
    """A fit rule's condition compiled: its tiers in order (one unnamed tier for a rule without tiers); ``first``
    is the position of the first tier that holds, the one that gives the rule's points."""

    __slots__ = ("fields", "name", "slots", "tiers")

    def __init__(self, name: str, tiers: tuple[tuple[str | None, Check], ...]) -> None:
        self.name = name
        self.tiers = tiers
        self.fields: tuple[str, ...] = _union(check.fields for _, check in tiers)  # type: ignore[assignment]
        self.slots: tuple[int, ...] = _union(check.slots for _, check in tiers)  # type: ignore[assignment]

    @property
    def tiered(self) -> bool:
        return self.tiers[0][0] is not None

    def first(self, fields: Mapping[str, str], found: Found) -> int | None:
        for position, (_, check) in enumerate(self.tiers):
            if check.holds(fields, found):
                return position
        return None


class FitRefCheck:
    """Holds when the fit rule ``select`` fires, with a tier among ``allowed`` when given."""

    __slots__ = ("allowed", "fields", "select", "slots")

    def __init__(self, select: TierSelect, allowed: frozenset[int] | None) -> None:
        self.select = select
        self.allowed = allowed
        self.fields = select.fields
        self.slots = select.slots

    def holds(self, fields: Mapping[str, str], found: Found) -> bool:
        position = self.select.first(fields, found)
        return position is not None and (self.allowed is None or position in self.allowed)

    def trace(self, fields: Mapping[str, str], found: Found) -> str:
        select = self.select
        position = select.first(fields, found)
        if position is None:
            inner = "no tier held" if select.tiered else select.tiers[0][1].trace(fields, found)
        else:
            tier, check = select.tiers[position]
            inner = (f"tier {tier}: " if tier is not None else "") + check.trace(fields, found)
        only = ""
        if self.allowed is not None:
            only = " in tiers " + ", ".join(str(select.tiers[n][0]) for n in sorted(self.allowed))
        return f"rule {select.name!r}{only} [{inner}]: {_yes(self.holds(fields, found))}"


class EngagementRefCheck:
    """Holds when the engagement rule reading matcher ``slot`` counts: it matched an activity no older than
    ``max_age_s``."""

    __slots__ = ("fields", "max_age_s", "name", "slot", "slots")

    def __init__(self, name: str, slot: int, max_age_s: float) -> None:
        self.name = name
        self.slot = slot
        self.max_age_s = max_age_s
        self.fields: tuple[str, ...] = ()
        self.slots: tuple[int, ...] = (slot,)

    def holds(self, fields: Mapping[str, str], found: Found) -> bool:
        ages = found[self.slot]
        return ages is not None and ages[0] <= self.max_age_s

    def trace(self, fields: Mapping[str, str], found: Found) -> str:
        return f"rule {self.name!r} counted: {_yes(self.holds(fields, found))}"


def check_key(check: Check, fields: Mapping[str, str], found: Found, max_age_s: float) -> object:
    """What the outcome of ``check`` depends on, to remember it by: the one field's value when it reads one field
    and no activities, else the tuple of the values and of whether each engagement rule counted (matched an
    activity no older than ``max_age_s``, the age every ``EngagementRefCheck`` of a model uses)."""
    names, slots = check.fields, check.slots
    if len(names) == 1 and not slots:
        return fields.get(names[0])
    values: list[object] = [fields.get(name) for name in names]
    for slot in slots:
        ages = found[slot]
        values.append(ages is not None and ages[0] <= max_age_s)
    return tuple(values)


# -- resolving references --------------------------------------------------------------------------------------
class RuleResolver:
    """Compiles clauses, resolving every reference to the rule it names: the only place names are looked up.

    ``fit_rules`` are the fit rules in order, each as (name, tiers), its tiers as (tier name or None for a rule
    without tiers, clause); a name given twice is referred to as its first rule. ``engagement_slots`` maps each
    engagement rule's name to its matcher's position in the activity plan; an engagement rule counts when it
    matched an activity no older than ``max_age_s``. Errors are ValueErrors naming the rule.
    """

    def __init__(
        self,
        fit_rules: Sequence[tuple[str, tuple[tuple[str | None, Clause], ...]]],
        engagement_slots: Mapping[str, int],
        max_age_s: float,
    ) -> None:
        self._fit_rules = fit_rules
        self._fit_positions: dict[str, int] = {}
        for position, (name, _) in enumerate(fit_rules):
            self._fit_positions.setdefault(name, position)
        self._engagement_slots = engagement_slots
        self._max_age_s = max_age_s
        self._selects: dict[int, TierSelect] = {}
        self._resolving: list[int] = []

    def select(self, name: str) -> TierSelect:
        """The compiled condition of the (first) fit rule named ``name``."""
        return self.select_at(self._fit_positions[name])

    def select_at(self, position: int) -> TierSelect:
        """The compiled condition of the fit rule at ``position`` (compiled once, shared by every reference)."""
        select = self._selects.get(position)
        if select is not None:
            return select
        if position in self._resolving:
            chain = [self._fit_rules[step][0] for step in self._resolving[self._resolving.index(position) :]]
            name = self._fit_rules[position][0]
            raise ValueError(f"rule {name!r} refers to itself: {' -> '.join(repr(step) for step in [*chain, name])}")
        self._resolving.append(position)
        try:
            name, clauses = self._fit_rules[position]
            tiers = tuple((tier, self.compile(clause)) for tier, clause in clauses)
        finally:
            self._resolving.pop()
        select = self._selects[position] = TierSelect(name, tiers)
        return select

    def compile(self, clause: Clause) -> Check:
        """``clause`` ready to run, its references resolved."""
        if isinstance(clause, FieldTest):
            return FieldCheck(clause.field, clause.condition)
        if isinstance(clause, AllOf):
            return AllCheck(tuple(self.compile(part) for part in clause.parts))
        if isinstance(clause, AnyOf):
            return AnyCheck(tuple(self.compile(part) for part in clause.parts))
        if isinstance(clause, Not):
            return NotCheck(self.compile(clause.part))
        return self.reference(clause)

    def reference(self, ref: RuleRef) -> Check:
        """The condition a reference stands for: the fit rule fires (in one of its tiers), or the engagement rule
        counts."""
        is_fit, is_engagement = ref.name in self._fit_positions, ref.name in self._engagement_slots
        if is_fit and is_engagement:
            raise ValueError(f"rule {ref.name!r} names both a fit and an engagement rule; rename one of them")
        if is_engagement:
            if ref.tiers:
                raise ValueError(f"rule {ref.name!r} is an engagement rule: it has no tiers")
            return EngagementRefCheck(ref.name, self._engagement_slots[ref.name], self._max_age_s)
        if not is_fit:
            raise ValueError(f"no fit or engagement rule is named {ref.name!r}")
        select = self.select(ref.name)
        return FitRefCheck(select, self._allowed(ref, select) if ref.tiers else None)

    @property
    def max_age_s(self) -> float:
        """How old an activity an engagement rule named in a clause counts (the scoring model's max age)."""
        return self._max_age_s

    def engagement_slot(self, name: str) -> int | None:
        """The matcher position of the engagement rule ``name``, None when no engagement rule has that name."""
        return self._engagement_slots.get(name)

    def is_fit(self, name: str) -> bool:
        return name in self._fit_positions

    @staticmethod
    def _allowed(ref: RuleRef, select: TierSelect) -> frozenset[int]:
        names = [tier for tier, _ in select.tiers]
        if not select.tiered:
            raise ValueError(f"rule {ref.name!r} has no tiers, so tiers = [...] cannot choose among them")
        unknown = [tier for tier in ref.tiers if tier not in names]
        if unknown:
            raise ValueError(f"rule {ref.name!r} has no tier {unknown[0]!r} (its tiers: {', '.join(map(str, names))})")
        return frozenset(names.index(tier) for tier in ref.tiers)
