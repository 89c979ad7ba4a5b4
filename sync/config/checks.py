"""Checks that look across sections: every field a rule names is one the portal reads, every rule a rule names
exists (and no rule refers to itself), and the first run reads web events as far back as the model looks.

A typo in a field name (``jobtitle``, ``Industry``, ``where = { URL = ... }``) would otherwise silently disable
the rule: the field is simply never there. Each problem names ``file:key`` and suggests the name meant.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from leadstage.connectors.base import COMPANY_PREFIX
from leadstage.connectors.hubspot.settings import DEFAULT_COMPANY_FIELDS as DEFAULT_COMPANY_PROPERTIES
from leadstage.connectors.hubspot.settings import DEFAULT_FIELD_MAP
from leadstage.connectors.salesforce.settings import DEFAULT_COMPANY_FIELDS, DEFAULT_FIELDS
from leadstage.mapping.derived import DERIVED
from leadstage.mapping.model import ACTIVITY_ATTRIBUTES
from leadstage.sync.config.portals import PortalSection, company_field_map
from leadstage.sync.config.scoring import (
    BantRuleSpec,
    BantSection,
    ConditionSpec,
    FitRuleSpec,
    ScoringSection,
    TemperatureSection,
)
from leadstage.sync.config.stages import StagesSection

CONVERTED_CONTACT = "converted_contact_id"
# Every canonical field some connector reads, and the CRM's own names for them (for "did you mean").
CRM_NAMES: dict[str, tuple[str, str]] = {
    **{crm: (name, "HubSpot") for crm, name in DEFAULT_FIELD_MAP.items()},
    **{crm: (name, "Salesforce") for fields in DEFAULT_FIELDS.values() for crm, name in fields.items()},
}
ALL_CANONICAL = (
    frozenset(name for name, _ in CRM_NAMES.values())
    | frozenset(DERIVED)
    | {CONVERTED_CONTACT}
    | {COMPANY_PREFIX + name for name in DEFAULT_COMPANY_PROPERTIES.values()}
    | {COMPANY_PREFIX + name for fields in DEFAULT_COMPANY_FIELDS.values() for name in fields.values()}
)
DEFAULT_LOOKBACK_DAYS = 180.0


def portal_fields(section: PortalSection) -> frozenset[str]:
    """The canonical fields this portal reads: its CRM's standard ones, its own mapping, the derived ones, and its
    company's (``company.industry``...)."""
    if section.crm == "hubspot":
        standard = set(DEFAULT_FIELD_MAP.values())
    else:
        standard = set(DEFAULT_FIELDS[section.object].values()) | {CONVERTED_CONTACT}
    company = {COMPANY_PREFIX + name for name in company_field_map(section).values()}
    return frozenset(standard | set(section.fields) | set(DERIVED) | company)


def _suggestion(name: str, known: Sequence[str]) -> str:
    if name in CRM_NAMES:
        canonical, crm = CRM_NAMES[name]
        return f"{name!r} is {crm}'s name for the canonical field {canonical!r}; rules use canonical names"
    lowered = name.lower()
    if lowered in known:
        return f"did you mean {lowered!r}? (canonical names are lower case)"
    close = difflib.get_close_matches(lowered, known, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(known))}"


CRITERIA = ("budget", "authority", "need", "timeline")


def _nested(key: str, table: Any) -> Iterator[tuple[str, Any]]:
    """(key, table) of a condition table and of every table in its groups (all, any, not), depth first."""
    yield key, table
    for group in ("all", "any"):
        for index, part in enumerate(getattr(table, group, None) or ()):
            yield from _nested(f"{key}.{group}[{index}]", part)
    inner = getattr(table, "not_", None)
    if inner is not None:
        yield from _nested(f"{key}.not", inner)


def _fit_tables(index: int, fit: FitRuleSpec) -> Iterator[tuple[str, Any]]:
    """(key, table) of a fit rule's condition tables: its own, its tiers', and all nested in their groups."""
    yield from _nested(f"scoring.fit[{index}]", fit)
    for tier_index, tier in enumerate(fit.tiers or ()):
        yield from _nested(f"scoring.fit[{index}].tiers[{tier_index}]", tier)


def _condition_tables(scoring: ScoringSection, bant: BantSection) -> Iterator[tuple[str, Any]]:
    """(key, table) of every condition table of the fit and BANT rules, nested ones included."""
    for index, fit in enumerate(scoring.fit):
        yield from _fit_tables(index, fit)
    for criterion in CRITERIA:
        for index, rule in enumerate(getattr(bant, criterion)):
            yield from _nested(f"bant.{criterion}[{index}]", rule)


def _field_references(
    stages: StagesSection, scoring: ScoringSection, bant: BantSection, crm: str
) -> Iterator[tuple[str, str]]:
    """(key, field name) of every contact field the profile's rules name, for one CRM."""
    for key, table in _condition_tables(scoring, bant):
        if getattr(table, "field", None) is not None:
            yield f"{key}.field", table.field
    crm_stages = stages.for_crm(crm)
    for name in crm_stages.signals or {}:
        yield f"stages.{crm}.signals.{name}", name
    if crm_stages.promote.enabled:
        yield f"stages.{crm}.promote.field", crm_stages.promote.field


def _attribute_references(scoring: ScoringSection, bant: BantSection) -> Iterator[tuple[str, str]]:
    """(key, attribute name) of every activity attribute a ``where`` names."""
    wheres: list[tuple[str, Mapping[str, ConditionSpec]]] = [
        (f"scoring.engagement[{index}].where", rule.where) for index, rule in enumerate(scoring.engagement)
    ]
    for criterion in CRITERIA:
        for index, rule in enumerate(getattr(bant, criterion)):
            if rule.where:
                wheres.append((f"bant.{criterion}[{index}].where", rule.where))
    for key, where in wheres:
        for attribute in where:
            yield f"{key}.{attribute}", attribute


def field_problems(
    path: Path,
    prefix: str,
    portal: str,
    section: PortalSection,
    profile: tuple[StagesSection, ScoringSection, BantSection],
) -> tuple[list[str], list[str]]:
    """Problems: every field or attribute the profile names that no connector reads, as ``file:key`` lines.
    Notes: canonical fields this portal's CRM object does not have (``industry`` on a Salesforce Contact), which
    ``leadstage check`` reports: those rules never hold there until the field is mapped."""
    stages, scoring, bant = profile
    known = sorted(portal_fields(section))
    problems: list[str] = []
    notes: list[str] = []
    for key, name in _field_references(stages, scoring, bant, section.crm):
        if name in known:
            continue
        if name in ALL_CANONICAL:
            where = "Salesforce " + section.object if section.crm == "salesforce" else "HubSpot"
            notes.append(
                f"{prefix}{key}: {name!r} is not read from {where}, so this rule never holds for portal {portal}: "
                f"map it to a {section.crm} field under [portals.{portal}.fields], or remove the rule"
            )
            continue
        problems.append(
            f"{path}:{prefix}{key}: unknown field {name!r} for portal {portal} ({section.crm}); "
            f"{_suggestion(name, known)}. A rule names a canonical field, a derived one (email_domain), or one "
            f"mapped under [portals.{portal}.fields]"
        )
    attributes = sorted(ACTIVITY_ATTRIBUTES)
    for key, name in _attribute_references(scoring, bant):
        if name not in ACTIVITY_ATTRIBUTES:
            problems.append(
                f"{path}:{prefix}{key}: unknown activity attribute {name!r}; {_suggestion(name, attributes)}"
            )
    return problems, notes


def _close(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if not close:
        lowered = {candidate.lower(): candidate for candidate in known}
        if name.lower() in lowered:
            close = [lowered[name.lower()]]
    return f"did you mean {close[0]!r}?" if close else f"known: {', '.join(repr(k) for k in known) or 'none'}"


def _rule_references(scoring: ScoringSection, bant: BantSection) -> Iterator[tuple[str, Any, int | None]]:
    """(key, table, fit rule index or None) of every table naming a rule (``rule = "..."``): in the fit rules'
    groups (with the index of the fit rule it is in) and in BANT."""
    for index, fit in enumerate(scoring.fit):
        for key, table in _fit_tables(index, fit):
            if getattr(table, "rule", None) is not None and not isinstance(table, FitRuleSpec):
                yield key, table, index
    for criterion in CRITERIA:
        for index, rule in enumerate(getattr(bant, criterion)):
            for key, table in _nested(f"bant.{criterion}[{index}]", rule):
                if getattr(table, "rule", None) is not None:
                    yield key, table, None


def reference_problems(
    path: Path,
    prefix: str,
    stages: StagesSection,
    scoring: ScoringSection,
    bant: BantSection,
    temperature: TemperatureSection,
) -> list[str]:
    """Every rule named by a group, a BANT rule, a temperature window or ``stages.mql_rules`` must exist (with the
    tiers chosen, and options that apply to it), and no fit rule may refer to itself through any chain of
    references. Problems as ``file:key`` lines."""
    fit_index = {rule.name: index for index, rule in enumerate(scoring.fit)}
    engagement_index = {rule.name: index for index, rule in enumerate(scoring.engagement)}
    every = [*fit_index, *engagement_index]
    problems: list[str] = []

    def named(key: str, name: str, allowed: str = "fit or engagement") -> bool:
        if name in fit_index and name in engagement_index:
            problems.append(
                f"{path}:{prefix}{key}: {name!r} names both scoring.fit[{fit_index[name]}] and "
                f"scoring.engagement[{engagement_index[name]}]; rename one of them"
            )
            return False
        candidates = every if allowed == "fit or engagement" else list(engagement_index)
        if name in candidates:
            return True
        if name in fit_index:
            problems.append(
                f"{path}:{prefix}{key}: {name!r} is a fit rule (scoring.fit[{fit_index[name]}]); "
                f"only {allowed} rules can be named here"
            )
        else:
            problems.append(f"{path}:{prefix}{key}: no {allowed} rule is named {name!r}; {_close(name, candidates)}")
        return False

    for key, table, _ in _rule_references(scoring, bant):
        name = table.rule
        if not named(f"{key}.rule", name):
            continue
        if table.tiers is not None:
            if name in engagement_index:
                problems.append(f"{path}:{prefix}{key}.tiers: {name!r} is an engagement rule: it has no tiers")
            else:
                tiers = [tier.name for tier in scoring.fit[fit_index[name]].tiers or ()]
                if not tiers:
                    problems.append(f"{path}:{prefix}{key}.tiers: rule {name!r} has no tiers to choose among")
                for tier_index, tier in enumerate(table.tiers):
                    if tiers and tier not in tiers:
                        problems.append(
                            f"{path}:{prefix}{key}.tiers[{tier_index}]: rule {name!r} has no tier {tier!r}; "
                            f"{_close(tier, tiers)}"
                        )
        if isinstance(table, BantRuleSpec) and name in fit_index:
            for option in ("within_days", "min_count"):
                if getattr(table, option) is not None:
                    problems.append(
                        f"{path}:{prefix}{key}.{option}: {name!r} is a fit rule; {option} applies to activities "
                        "(an activity rule, or an engagement rule named)"
                    )
    problems.extend(_cycles(path, prefix, scoring, fit_index))
    for window in ("hot", "warm"):
        for index, name in enumerate(getattr(temperature, window).rules or ()):
            named(f"temperature.{window}.rules[{index}]", name, "engagement")
    for index, name in enumerate(stages.mql_rules):
        named(f"stages.mql_rules[{index}]", name)
    return problems


def _cycles(path: Path, prefix: str, scoring: ScoringSection, fit_index: Mapping[str, int]) -> list[str]:
    """A problem for every chain of fit rules referring back to its start, at the first reference of the chain."""
    edges: dict[int, list[tuple[str, int]]] = {}
    for key, table, owner in _rule_references(scoring, BantSection()):
        if owner is not None and table.rule in fit_index:
            edges.setdefault(owner, []).append((f"{key}.rule", fit_index[table.rule]))
    problems: list[str] = []
    reported: set[frozenset[int]] = set()
    done: set[int] = set()

    def visit(node: int, chain: list[tuple[int, str]]) -> None:
        for key, target in edges.get(node, ()):
            positions = [step for step, _ in chain]
            if target in positions:
                loop = chain[positions.index(target) :]
                members = frozenset(step for step, _ in loop)
                if members not in reported:
                    reported.add(members)
                    names = [scoring.fit[step].name for step, _ in loop] + [scoring.fit[target].name]
                    first_key = loop[1][1] if len(loop) > 1 else key
                    problems.append(
                        f"{path}:{prefix}{first_key}: rule {names[0]!r} refers to itself: "
                        f"{' -> '.join(repr(name) for name in names)}; a rule cannot depend on its own outcome"
                    )
            elif target not in done:
                visit(target, [*chain, (target, key)])
        done.add(node)

    for start in range(len(scoring.fit)):
        if start not in done:
            visit(start, [(start, "")])
    return problems


def sync_field_problems(
    path: Path, key: str, names: Sequence[str], portals: Mapping[str, PortalSection], required: bool
) -> list[str]:
    """``sync.required_fields`` / ``numeric_fields`` must name known fields. A required field a portal does not
    read at all would quarantine every one of its contacts, so it must be read by every portal; a numeric check
    on a field a portal lacks simply never applies there."""
    problems: list[str] = []
    for index, name in enumerate(names):
        for portal, section in portals.items():
            known = sorted(portal_fields(section))
            if name in known or (not required and name in ALL_CANONICAL):
                continue
            if name in ALL_CANONICAL:
                reason = f"portal {portal} ({section.crm}) does not read {name!r}, so every contact would fail it"
            else:
                reason = f"unknown field {name!r} for portal {portal} ({section.crm}); {_suggestion(name, known)}"
            problems.append(f"{path}:{key}[{index}]: {reason}")
            break
    return problems


def lookback_needed(scoring: ScoringSection, bant: BantSection, temperature: TemperatureSection) -> tuple[float, str]:
    """How many days back the profile's rules look at activities, and the key that looks furthest."""
    needs: list[tuple[float, str]] = [
        (temperature.hot.within_days, "temperature.hot.within_days"),
        (temperature.warm.within_days, "temperature.warm.within_days"),
    ]
    if scoring.max_age_days is not None:
        needs.append((scoring.max_age_days, "scoring.max_age_days"))
    for criterion in CRITERIA:
        for index, rule in enumerate(getattr(bant, criterion)):
            if rule.within_days is not None:
                needs.append((rule.within_days, f"bant.{criterion}[{index}].within_days"))
    return max(needs)


def event_lookback(
    path: Path, configured: float | None, profiles: Mapping[str, tuple[ScoringSection, BantSection, TemperatureSection]]
) -> tuple[float, list[str]]:
    """The first run's look-back for web events: as configured, else far enough for every profile in use (at
    least 180 days). A configured one shorter than a rule's look-back is a problem: those events are never read.
    """
    problems: list[str] = []
    furthest = DEFAULT_LOOKBACK_DAYS
    for prefix, sections in profiles.items():
        days, key = lookback_needed(*sections)
        furthest = max(furthest, days)
        if configured is not None and days > configured:
            problems.append(
                f"{path}:sync.first_run_lookback_days: is {configured:g} days, but {prefix}{key} looks back "
                f"{days:g} days: web events older than {configured:g} days are never read, so that rule could "
                f"never count them; raise it to at least {days:g} (or leave it out: it then follows the model)"
            )
    return (configured if configured is not None else furthest), problems
