"""Evaluation results -> the CRM field values leadstage writes, and the comparison that finds real changes.

Outputs have canonical names (``score``, ``grade``, ``funnel_stage``...); each connector maps them to its
CRM's field names. Values are strings in one canonical format per kind, so a value read back from the CRM
compares equal to the value we wrote ("42" and "42.0" are the same number).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from .model import Grade, Stage, Temperature


class OutputKind(StrEnum):
    NUMBER = "number"
    ENUMERATION = "enumeration"
    DATETIME = "datetime"
    BOOL = "bool"
    STRING = "string"


@dataclass(frozen=True, slots=True)
class OutputSpec:
    """One field leadstage owns in the CRM."""

    name: str
    kind: OutputKind
    label: str
    options: tuple[str, ...] = ()
    description: str = ""


STAGE_DATE_OUTPUTS: Mapping[Stage, str] = {
    Stage.MQL: "mql_date",
    Stage.SAL: "sal_date",
    Stage.SQL: "sql_date",
    Stage.RECYCLED: "recycled_date",
}

OUTPUT_SPECS: tuple[OutputSpec, ...] = (
    OutputSpec("score", OutputKind.NUMBER, "Lead score", description="0..100: fit and engagement, weighted"),
    OutputSpec("fit_score", OutputKind.NUMBER, "Fit score", description="0..100 from contact properties"),
    OutputSpec("engagement_score", OutputKind.NUMBER, "Engagement score", description="0..100, decays"),
    OutputSpec("grade", OutputKind.ENUMERATION, "BANT grade", tuple(g.value for g in Grade)),
    OutputSpec("temperature", OutputKind.ENUMERATION, "Temperature", tuple(t.value for t in Temperature)),
    OutputSpec("funnel_stage", OutputKind.ENUMERATION, "Funnel stage", tuple(s.value for s in Stage)),
    OutputSpec("mql_date", OutputKind.DATETIME, "Became MQL"),
    OutputSpec("sal_date", OutputKind.DATETIME, "Became SAL"),
    OutputSpec("sql_date", OutputKind.DATETIME, "Became SQL"),
    OutputSpec("recycled_date", OutputKind.DATETIME, "Recycled"),
    OutputSpec("sla_breached", OutputKind.BOOL, "Hand-over SLA breached", ("true", "false")),
    OutputSpec("score_reason", OutputKind.STRING, "Why this score", description="the rules that counted most"),
)
OUTPUT_KINDS: Mapping[str, OutputKind] = {spec.name: spec.kind for spec in OUTPUT_SPECS}
SCORE_REASON_MAX_CHARS = 500


@dataclass(frozen=True, slots=True)
class PromotionRule:
    """Optionally mirror our MQL decision into a CRM field (HubSpot lifecyclestage, a Salesforce status).

    ``order`` lists the field's values in the only direction the CRM moves them; a value later than ``value``
    is never overwritten, unless ``allow_backward`` (then it is cleared first, in a separate request).
    """

    field: str
    value: str
    order: Sequence[str] = ()
    allow_backward: bool = False


def format_number(value: float) -> str:
    """Numbers as the CRMs echo them back: integers without a decimal point."""
    rounded = round(value, 2)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:g}"


def format_datetime(moment: datetime) -> str:
    """UTC, to the millisecond, with a Z: the format HubSpot returns (Salesforce accepts it)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def format_bool(value: bool) -> str:
    return "true" if value else "false"


def format_score_reason(fit_labels: Sequence[str], engagement_labels: Sequence[str]) -> str:
    """The score reason from the labels of the fit and engagement rules that counted, in rule order, cut to
    ``SCORE_REASON_MAX_CHARS``."""
    fit = ", ".join(fit_labels) if fit_labels else "none"
    engagement = ", ".join(engagement_labels) if engagement_labels else "none"
    text = f"fit: {fit}; engagement: {engagement}"
    if len(text) > SCORE_REASON_MAX_CHARS:
        text = text[: SCORE_REASON_MAX_CHARS - 3] + "..."
    return text


def _as_instant(text: str) -> float | None:
    raw = text.strip()
    if raw.isdigit():
        return int(raw) / 1000
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def same_value(kind: OutputKind | None, current: str | None, desired: str) -> bool:
    """True when the CRM's current value already means ``desired``."""
    if current is None or current == "":
        return desired == ""
    if current == desired:
        return True
    if kind is OutputKind.NUMBER:
        try:
            return float(current) == float(desired)
        except ValueError:
            return False
    if kind is OutputKind.DATETIME:
        a, b = _as_instant(current), _as_instant(desired)
        # Salesforce keeps seconds, HubSpot milliseconds: compare to the second.
        return a is not None and b is not None and int(a) == int(b)
    if kind is OutputKind.BOOL or kind is OutputKind.ENUMERATION:
        return current.strip().lower() == desired.strip().lower()
    return False


def changed_values(desired: Mapping[str, str], current: Mapping[str, str]) -> dict[str, str]:
    """The desired values the CRM does not hold yet."""
    return {
        name: value
        for name, value in desired.items()
        if not same_value(OUTPUT_KINDS.get(name), current.get(name), value)
    }


def promotion_value(current: str | None, stage: Stage, rule: PromotionRule) -> tuple[str | None, bool]:
    """What to write into the promotion field: (value or None, whether to clear it first)."""
    if stage is not Stage.MQL:
        return None, False
    if current is None or current == "":
        return rule.value, False
    if current.lower() == rule.value.lower():
        return None, False
    order = [value.lower() for value in rule.order]
    if current.lower() not in order or rule.value.lower() not in order:
        return (rule.value, False) if not order else (None, False)
    if order.index(current.lower()) < order.index(rule.value.lower()):
        return rule.value, False
    if rule.allow_backward:
        return rule.value, True
    return None, False
