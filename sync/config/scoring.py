"""The ``[scoring]``, ``[bant]`` and ``[temperature]`` config sections, and the domain models built from them.

Every model forbids unknown keys, so a typo is an error rather than a silently ignored rule. Validation
errors are raised inside the validators of the key at fault, so pydantic's ``loc`` points at it
(``scoring.fit[2].regex``, ``scoring.fit[3].all[1].not.regex``) and the message says what to do.

A condition table is ``{ field = "...", <one operator> }``, a group ``{ all = [...] }``, ``{ any = [...] }`` or
``{ not = {...} }`` (nesting allowed), or, inside a group or as a BANT rule, a reference ``{ rule = "<name>" }``.
Which rules names refer to is checked across sections (``checks.reference_problems``), with ``file:key``.
"""

from __future__ import annotations

import difflib
import math
from typing import Annotated, Any, Self

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from leadstage.mapping.bant import ActivityRule, BantModel, BantRef, BantRule, ClauseRule, Cutoffs, FieldRule
from leadstage.mapping.conditions import (
    DEFAULT_BAND_MODE,
    Absent,
    BandMode,
    Condition,
    Contains,
    Equals,
    OneOf,
    Present,
    Range,
    Regex,
    RegexError,
    Where,
    compile_regex,
)
from leadstage.mapping.groups import AllOf, AnyOf, Clause, FieldTest, Not, RuleRef
from leadstage.mapping.model import ActivityKind
from leadstage.mapping.scoring import (
    DEFAULT_COMBINE,
    DEFAULT_HALF_LIFE_DAYS,
    DEFAULT_MAX_FUTURE_DAYS,
    DEFAULT_WEIGHT,
    AnyFitRule,
    Combine,
    EngagementRule,
    FitGroup,
    FitRule,
    FitTiers,
    ScoringModel,
    Tier,
)
from leadstage.mapping.temperature import TemperatureModel, Window
from leadstage.sync.config.base import StrictSection

KNOWN_KINDS: tuple[str, ...] = tuple(kind.value for kind in ActivityKind)
OPERATOR_KEYS = "equals, one_of, regex, range/min/max, present, absent, contains"
GROUP_KEYS = "all, any, not"
BANT_CRITERIA_COUNT = 4
DEFAULT_CUTOFFS = {"A": 4, "B": 3, "C": 2}
DEFAULT_HOT = {"within_days": 7, "min_points": 20}
DEFAULT_WARM = {"within_days": 30, "min_points": 5}


def _known_kind(kind: str) -> str:
    if kind in KNOWN_KINDS:
        return kind
    close = difflib.get_close_matches(kind, KNOWN_KINDS, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ValueError(f"unknown activity kind {kind!r}; {hint}known kinds: {', '.join(KNOWN_KINDS)}")


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"must be a finite number, got {value}")
    return value


def _above_zero(value: float) -> float:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"must be a number above 0, got {value}")
    return value


def _not_negative(value: float) -> float:
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"must be 0 or more, got {value}")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


KindName = Annotated[str, AfterValidator(_known_kind)]
FiniteNumber = Annotated[float, AfterValidator(_finite)]
PositiveNumber = Annotated[float, AfterValidator(_above_zero)]
NonNegativeNumber = Annotated[float, AfterValidator(_not_negative)]
Name = Annotated[str, AfterValidator(_not_blank)]


class RangeSpec(StrictSection):
    """``range = { min = 50, max = 5000 }``: either end may be left out."""

    min: FiniteNumber | None = None
    max: FiniteNumber | None = None


class _OperatorKeys(StrictSection):
    """The operator keys a condition is written with; which one is given decides the condition."""

    equals: str | int | bool | None = None
    one_of: list[str] | None = None
    regex: str | None = None
    range: RangeSpec | None = None
    min: FiniteNumber | None = None
    max: FiniteNumber | None = None
    present: bool | None = None
    absent: bool | None = None
    contains: Name | None = None
    band: BandMode | None = None

    @field_validator("regex")
    @classmethod
    def _regex_compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                compile_regex(pattern)
            except RegexError as error:
                raise ValueError(
                    f"invalid regex {pattern!r}: {error}. Patterns run on RE2 (linear time, so none can hang a "
                    'run): no lookahead/lookbehind and no backreferences; for "X but not Y" use a group: '
                    'all = [{ field = "...", regex = "X" }, { not = { field = "...", regex = "Y" } }]. In a TOML '
                    "\"...\" string write a backslash as \\\\, or use a '...' literal string"
                ) from None
        return pattern

    @field_validator("one_of")
    @classmethod
    def _one_of_not_empty(cls, choices: list[str] | None) -> list[str] | None:
        if choices is not None and not choices:
            raise ValueError("one_of needs at least one value")
        return choices

    def _operators_given(self) -> list[str]:
        given = [
            key
            for key in ("equals", "one_of", "regex", "present", "absent", "contains")
            if getattr(self, key) is not None
        ]
        if self.range is not None or self.min is not None or self.max is not None:
            given.append("range")
        return given

    def _check_operators(self) -> None:
        given = self._operators_given()
        if len(given) != 1:
            found = ", ".join(given) if given else "none"
            raise ValueError(f"give exactly one of {OPERATOR_KEYS} (found: {found})")
        if given != ["range"]:
            if self.band is not None:
                raise ValueError("band says how a number band meets a range: give it with min/max (or range)")
            return
        if self.range is not None and (self.min is not None or self.max is not None):
            raise ValueError("give the range either as range = { min, max } or as min/max keys, not both")
        low, high = (self.range.min, self.range.max) if self.range is not None else (self.min, self.max)
        if low is None and high is None:
            raise ValueError("range needs min, max or both")
        if low is not None and high is not None and low > high:
            raise ValueError(f"range min ({low}) is above max ({high}); swap them")

    def to_condition(self) -> Condition:
        """The domain condition these keys describe (call only after validation)."""
        if self.equals is not None:
            text = str(self.equals).lower() if isinstance(self.equals, bool) else str(self.equals)
            return Equals(text)
        if self.one_of is not None:
            return OneOf(tuple(self.one_of))
        if self.regex is not None:
            return Regex.compile(self.regex)
        if self.present is not None:
            return Present() if self.present else Absent()
        if self.absent is not None:
            return Absent() if self.absent else Present()
        if self.contains is not None:
            return Contains(self.contains)
        band = self.band or DEFAULT_BAND_MODE
        if self.range is not None:
            return Range(self.range.min, self.range.max, band)
        return Range(self.min, self.max, band)


class ConditionSpec(_OperatorKeys):
    """One condition on a value, e.g. ``{ contains = "/pricing" }``."""

    @model_validator(mode="after")
    def _exactly_one_operator(self) -> Self:
        self._check_operators()
        return self


def _where(where: dict[str, ConditionSpec]) -> Where:
    return tuple((attribute, spec.to_condition()) for attribute, spec in where.items())


def _unique_names(rules: list[Any], section: str, what: str = "rule") -> None:
    first_seen: dict[str, int] = {}
    for position, rule in enumerate(rules):
        if rule.name in first_seen:
            raise ValueError(
                f"{what} name {rule.name!r} is used by {section}[{first_seen[rule.name]}] and "
                f"{section}[{position}]; give each {what} its own name (explanations list {what}s by name)"
            )
        first_seen[rule.name] = position


class _GroupKeys(_OperatorKeys):
    """The keys of a condition on a person: a field with one operator, or a group (all, any, not)."""

    field: Name | None = None
    all: list[ClauseSpec] | None = None
    any: list[ClauseSpec] | None = None
    not_: ClauseSpec | None = Field(None, alias="not")

    @field_validator("all", "any")
    @classmethod
    def _group_not_empty(cls, parts: list[ClauseSpec] | None, info: ValidationInfo) -> list[ClauseSpec] | None:
        if parts is not None and not parts:
            raise ValueError(f"an empty group: {info.field_name} = [...] needs at least one condition")
        return parts

    def _forms(self) -> list[str]:
        forms = ["field"] if self.field is not None or self._operators_given() else []
        forms += [key for key in ("all", "any") if getattr(self, key) is not None]
        return forms + (["not"] if self.not_ is not None else [])

    def _check_clause(self, forms: list[str], choices: str) -> None:
        """Exactly one of ``choices`` is given (``forms``, the ones found); a field has exactly one operator."""
        if not forms:
            raise ValueError(f"give a condition: {choices}")
        if len(forms) > 1:
            raise ValueError(
                f"give one condition per table ({choices}), not several (found: {', '.join(forms)}); "
                "to combine conditions put them in all = [...] or any = [...]"
            )
        if forms == ["field"]:
            if self.field is None:
                raise ValueError(f'{", ".join(self._operators_given())} needs field = "..." (the field it tests)')
            self._check_operators()

    def to_clause(self) -> Clause:
        """The domain clause these keys describe (call only after validation)."""
        if self.field is not None:
            return FieldTest(self.field, self.to_condition())
        if self.all is not None:
            return AllOf(tuple(part.to_clause() for part in self.all))
        if self.any is not None:
            return AnyOf(tuple(part.to_clause() for part in self.any))
        assert self.not_ is not None
        return Not(self.not_.to_clause())


CLAUSE_CHOICES = (
    f'field = "..." with one of {OPERATOR_KEYS}; a group: all = [...], any = [...], not = {{...}}; '
    'or rule = "<fit or engagement rule>"'
)


class ClauseSpec(_GroupKeys):
    """One condition of a group: ``{ field = "job_title", regex = "..." }``, a nested group, or a reference to a
    rule by name, ``{ rule = "Seniority", tiers = ["VP"] }`` (holds when that rule fires, in one of those tiers)."""

    rule: Name | None = None
    tiers: list[Name] | None = None

    @model_validator(mode="after")
    def _one_condition(self) -> Self:
        self._check_clause(self._forms() + (["rule"] if self.rule is not None else []), CLAUSE_CHOICES)
        _check_tiers_chosen(self.rule, self.tiers)
        return self

    def to_clause(self) -> Clause:
        if self.rule is not None:
            return RuleRef(self.rule, tuple(self.tiers or ()))
        return super().to_clause()


def _check_tiers_chosen(rule: str | None, tiers: list[str] | None) -> None:
    if tiers is None:
        return
    if rule is None:
        raise ValueError('tiers chooses among the tiers of a rule named with rule = "..."')
    if not tiers:
        raise ValueError("tiers needs at least one tier name (leave it out for any tier)")


_GroupKeys.model_rebuild()
ClauseSpec.model_rebuild()

RULE_AT_TOP = (
    'a fit rule or tier refers to another rule inside a group: all = [{ rule = "..." }, ...] '
    "(alone, it would count the same thing twice)"
)
FIT_CHOICES = f'field = "..." with one of {OPERATOR_KEYS}; or a group: all = [...], any = [...], not = {{...}}'


class TierSpec(_GroupKeys):
    """One tier of a tiered fit rule: ``{ name = "VP", field = "job_title", regex = "...", points = 20 }``."""

    name: Name
    points: FiniteNumber
    rule: str | None = None

    @model_validator(mode="after")
    def _one_condition(self) -> Self:
        if self.rule is not None:
            raise ValueError(RULE_AT_TOP)
        self._check_clause(self._forms(), FIT_CHOICES)
        return self


class FitRuleSpec(_GroupKeys):
    """``[[scoring.fit]]``: points when a contact meets a condition (a field condition or a group), or tiers."""

    name: Name
    points: FiniteNumber | None = None
    tiers: list[TierSpec] | None = None
    rule: str | None = None

    @field_validator("tiers")
    @classmethod
    def _tiers_named_apart(cls, tiers: list[TierSpec] | None) -> list[TierSpec] | None:
        if tiers is None:
            return None
        if not tiers:
            raise ValueError("tiers needs at least one tier")
        _unique_names(tiers, "tiers", "tier")
        return tiers

    @model_validator(mode="after")
    def _condition_or_tiers(self) -> Self:
        if self.rule is not None:
            raise ValueError(RULE_AT_TOP)
        if self.tiers is not None:
            given = self._forms() + (["points"] if self.points is not None else [])
            if given:
                raise ValueError(
                    f"a tiered rule gives its condition and points per tier (found {', '.join(given)} beside "
                    "tiers): move them into the tiers"
                )
            return self
        self._check_clause(self._forms(), FIT_CHOICES + "; or tiers = [...]")
        if self.points is None:
            raise ValueError("points is missing: the points the rule gives when its condition holds")
        return self

    def to_rule(self) -> AnyFitRule:
        if self.tiers is not None:
            return FitTiers(self.name, tuple(Tier(tier.name, tier.to_clause(), tier.points) for tier in self.tiers))
        assert self.points is not None
        if self.field is not None:
            return FitRule(self.name, self.field, self.to_condition(), self.points)
        return FitGroup(self.name, self.to_clause(), self.points)


class EngagementRuleSpec(StrictSection):
    """``[[scoring.engagement]]``: points per matching activity, decayed, optionally capped."""

    name: Name
    kind: KindName | None = None
    kinds: list[KindName] | None = None
    where: dict[str, ConditionSpec] = {}
    points: FiniteNumber
    cap: PositiveNumber | None = None
    half_life_days: PositiveNumber | None = None

    @model_validator(mode="after")
    def _kind_or_kinds(self) -> Self:
        if (self.kind is None) == (self.kinds is None):
            raise ValueError('give either kind = "..." or kinds = ["...", ...] (exactly one of them)')
        if self.kinds is not None and not self.kinds:
            raise ValueError(f"kinds needs at least one activity kind; known kinds: {', '.join(KNOWN_KINDS)}")
        return self

    def to_rule(self) -> EngagementRule:
        kinds = frozenset(self.kinds or ()) | ({self.kind} if self.kind else set())
        return EngagementRule(
            name=self.name,
            kinds=kinds,
            points=self.points,
            where=_where(self.where),
            cap=self.cap,
            half_life_days=self.half_life_days,
        )


class ScoringSection(StrictSection):
    """``[scoring]``: fit and engagement rules, weights, half-life and the maximum age of activities."""

    fit_weight: NonNegativeNumber = DEFAULT_WEIGHT
    engagement_weight: NonNegativeNumber = DEFAULT_WEIGHT
    half_life_days: PositiveNumber = DEFAULT_HALF_LIFE_DAYS
    max_age_days: PositiveNumber | None = None
    max_future_days: NonNegativeNumber = DEFAULT_MAX_FUTURE_DAYS
    combine: Combine = DEFAULT_COMBINE
    fit: list[FitRuleSpec] = []
    engagement: list[EngagementRuleSpec] = []

    @field_validator("fit")
    @classmethod
    def _unique_fit_names(cls, rules: list[FitRuleSpec]) -> list[FitRuleSpec]:
        _unique_names(rules, "fit")
        return rules

    @field_validator("engagement")
    @classmethod
    def _unique_engagement_names(cls, rules: list[EngagementRuleSpec]) -> list[EngagementRuleSpec]:
        _unique_names(rules, "engagement")
        return rules

    @model_validator(mode="after")
    def _some_weight(self) -> Self:
        if self.fit_weight == 0 and self.engagement_weight == 0:
            raise ValueError(
                "fit_weight and engagement_weight are both 0, so every score would be 0; "
                "give at least one of them a weight above 0"
            )
        return self


BANT_CHOICES = (
    'field = "..." with one condition, or kind/kinds with optional where, within_days, min_count, '
    f'or a group ({GROUP_KEYS}), or rule = "<fit or engagement rule>" (optional tiers, within_days, min_count)'
)


class BantRuleSpec(_GroupKeys):
    """One BANT rule: a field condition, activities of some kinds (optionally recent, or several), a group, or a
    rule of the scoring model named (``rule = "Seniority"``, ``rule = "Demo request"``)."""

    kind: KindName | None = None
    kinds: list[KindName] | None = None
    where: dict[str, ConditionSpec] | None = None
    within_days: PositiveNumber | None = None
    min_count: int | None = None
    rule: Name | None = None
    tiers: list[Name] | None = None

    @field_validator("min_count")
    @classmethod
    def _at_least_one(cls, count: int | None) -> int | None:
        if count is not None and count < 1:
            raise ValueError(f"min_count must be 1 or more, got {count}")
        return count

    @model_validator(mode="after")
    def _one_kind_of_rule(self) -> Self:
        is_activity = self.kind is not None or self.kinds is not None
        forms = self._forms() + (["rule"] if self.rule is not None else [])
        if is_activity:
            if forms == ["field"] and self.field is None:
                raise ValueError(
                    'condition keys on an activity rule go under where, e.g. where = { form = { contains = "demo" } }'
                )
            if forms:
                raise ValueError(f"give either {BANT_CHOICES}; not several (found: kind/kinds, {', '.join(forms)})")
        elif not forms:
            raise ValueError(f"give one of: {BANT_CHOICES}")
        elif len(forms) > 1:
            raise ValueError(f"give either {BANT_CHOICES}; not several (found: {', '.join(forms)})")
        if is_activity:
            return self._check_activity()
        if forms == ["rule"]:
            if self.where is not None:
                raise ValueError("where applies to activity rules (kind/kinds); a rule named brings its own")
            _check_tiers_chosen(self.rule, self.tiers)
            return self
        if self.where is not None or self.within_days is not None or self.min_count is not None:
            raise ValueError(
                "where, within_days and min_count apply to activity rules (kind/kinds) and to rules named (rule)"
            )
        _check_tiers_chosen(self.rule, self.tiers)
        self._check_clause(forms, BANT_CHOICES)
        return self

    def _check_activity(self) -> Self:
        if self.kind is not None and self.kinds is not None:
            raise ValueError('give either kind = "..." or kinds = ["...", ...], not both')
        if self.kinds is not None and not self.kinds:
            raise ValueError(f"kinds needs at least one activity kind; known kinds: {', '.join(KNOWN_KINDS)}")
        if self.tiers is not None:
            raise ValueError('tiers chooses among the tiers of a rule named with rule = "..."')
        return self

    def to_rule(self) -> BantRule:
        if self.field is not None:
            return FieldRule(self.field, self.to_condition())
        if self.rule is not None:
            return BantRef(self.rule, tuple(self.tiers or ()), self.within_days, self.min_count or 1)
        if self.kind is None and self.kinds is None:
            return ClauseRule(self.to_clause())
        kinds = frozenset(self.kinds or ()) | ({self.kind} if self.kind else set())
        return ActivityRule(
            kinds=kinds,
            where=_where(self.where or {}),
            within_days=self.within_days,
            min_count=self.min_count or 1,
        )


def _cutoff_in_range(count: int) -> int:
    if not 1 <= count <= BANT_CRITERIA_COUNT:
        raise ValueError(f"must be between 1 and {BANT_CRITERIA_COUNT} (criteria that hold), got {count}")
    return count


Cutoff = Annotated[int, AfterValidator(_cutoff_in_range)]


class CutoffsSpec(StrictSection):
    """``cutoffs = { A = 4, B = 3, C = 2 }``: criteria that must hold per grade; fewer than C is D."""

    A: Cutoff = DEFAULT_CUTOFFS["A"]
    B: Cutoff = DEFAULT_CUTOFFS["B"]
    C: Cutoff = DEFAULT_CUTOFFS["C"]

    @model_validator(mode="after")
    def _descending(self) -> Self:
        if not self.A >= self.B >= self.C:
            raise ValueError(
                f"cutoffs must descend, A >= B >= C (got A = {self.A}, B = {self.B}, C = {self.C}); "
                "a better grade needs at least as many criteria to hold"
            )
        return self


class BantSection(StrictSection):
    """``[bant]``: the rules of each criterion and the grade cut-offs."""

    cutoffs: CutoffsSpec = CutoffsSpec()
    budget: list[BantRuleSpec] = []
    authority: list[BantRuleSpec] = []
    need: list[BantRuleSpec] = []
    timeline: list[BantRuleSpec] = []


class WindowSpec(StrictSection):
    """``hot = { within_days = 7, min_points = 20 }``; optionally ``rules = ["Demo request", ...]`` (only those
    engagement rules' points count) and ``decayed = true`` (points decayed as the score decays them)."""

    within_days: PositiveNumber
    min_points: PositiveNumber
    rules: list[Name] | None = None
    decayed: bool = False

    @field_validator("rules")
    @classmethod
    def _some_rules(cls, rules: list[str] | None) -> list[str] | None:
        if rules is not None and not rules:
            raise ValueError("rules needs at least one engagement rule name (leave it out to count them all)")
        return rules


class TemperatureSection(StrictSection):
    """``[temperature]``: the hot and warm windows; reaching neither is cold."""

    hot: WindowSpec = WindowSpec.model_validate(DEFAULT_HOT)
    warm: WindowSpec = WindowSpec.model_validate(DEFAULT_WARM)


def build_scoring_model(section: ScoringSection) -> ScoringModel:
    """The scoring model the ``[scoring]`` section describes."""
    return ScoringModel(
        fit_rules=tuple(rule.to_rule() for rule in section.fit),
        engagement_rules=tuple(rule.to_rule() for rule in section.engagement),
        fit_weight=section.fit_weight,
        engagement_weight=section.engagement_weight,
        half_life_days=section.half_life_days,
        max_age_days=section.max_age_days,
        max_future_days=section.max_future_days,
        combine=section.combine,
    )


def build_bant_model(section: BantSection) -> BantModel:
    """The BANT model the ``[bant]`` section describes."""
    return BantModel(
        budget=tuple(rule.to_rule() for rule in section.budget),
        authority=tuple(rule.to_rule() for rule in section.authority),
        need=tuple(rule.to_rule() for rule in section.need),
        timeline=tuple(rule.to_rule() for rule in section.timeline),
        cutoffs=Cutoffs(a=section.cutoffs.A, b=section.cutoffs.B, c=section.cutoffs.C),
    )


def build_temperature_model(section: TemperatureSection) -> TemperatureModel:
    """The temperature model the ``[temperature]`` section describes."""
    return TemperatureModel(hot=_window(section.hot), warm=_window(section.warm))


def _window(spec: WindowSpec) -> Window:
    rules = tuple(spec.rules) if spec.rules is not None else None
    return Window(spec.within_days, spec.min_points, rules, spec.decayed)
