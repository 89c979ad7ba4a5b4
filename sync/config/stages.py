"""The ``[stages]`` config section: MQL threshold, hand-over SLA, and per CRM the mapping of its fields' values
to funnel stages, plus the optional promotion of our MQL decision into a CRM field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from leadstage.connectors.hubspot.settings import CREATED_PROPERTY, LIFECYCLE_ORDER, lifecycle_date_properties
from leadstage.connectors.salesforce.settings import CONVERTED_DATE_FIELD, CONVERTED_FIELD, CREATED_FIELD
from leadstage.mapping.model import Grade, Stage
from leadstage.mapping.stages import IGNORE, SignalMap, StageRules
from leadstage.mapping.values import PromotionRule
from leadstage.sync.config.base import Section

StageName = Literal["raw", "mql", "sal", "sql", "opportunity", "customer", "recycled", "disqualified", "ignore"]
DatedStage = Literal["raw", "mql", "sal", "sql", "opportunity", "customer", "recycled", "disqualified"]
CrmFieldName = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=100)]

# HubSpot's standard values. Portals customise them: unknown values are quarantined, never guessed.
HUBSPOT_SIGNALS: dict[str, dict[str, StageName]] = {
    "lifecycle_stage": {
        "subscriber": "raw",
        "lead": "raw",
        "marketingqualifiedlead": "mql",
        "salesqualifiedlead": "sql",
        "opportunity": "opportunity",
        "customer": "customer",
        "evangelist": "customer",
        "other": "ignore",
    },
    "lead_status": {
        "NEW": "ignore",
        "OPEN": "ignore",
        "ATTEMPTED_TO_CONTACT": "sal",
        "CONNECTED": "sal",
        "IN_PROGRESS": "sal",
        "OPEN_DEAL": "opportunity",
        "UNQUALIFIED": "disqualified",
        "BAD_TIMING": "recycled",
    },
}

# Salesforce's default Lead Status picklist (orgs change it: `leadstage setup` lists the org's values).
SALESFORCE_SIGNALS: dict[str, dict[str, StageName]] = {
    "lead_status": {
        "Open - Not Contacted": "raw",
        "Working - Contacted": "sal",
        "Closed - Converted": "sql",
        "Closed - Not Converted": "disqualified",
    },
    "converted": {"true": "sql", "false": "ignore"},
}

DEFAULT_SIGNALS = {"hubspot": HUBSPOT_SIGNALS, "salesforce": SALESFORCE_SIGNALS}


class PromoteSection(Section):
    """Mirror our MQL decision into a CRM field (HubSpot: lifecyclestage = marketingqualifiedlead)."""

    enabled: bool = False
    field: str = "lifecycle_stage"
    value: str = "marketingqualifiedlead"
    order: list[str] = list(LIFECYCLE_ORDER)
    allow_backward: bool = False

    @field_validator("value")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("give the CRM value that means MQL")
        return value


class CrmStagesSection(Section):
    """``[stages.<crm>]``: which CRM field values mean which stage, and where the CRM keeps stage dates."""

    signals: dict[str, dict[str, StageName]] | None = None
    strict: bool = True
    promote: PromoteSection = PromoteSection()
    # The CRM's own stage dates date a stage seen for the first time (or set by the CRM between runs):
    # HubSpot's per lifecycle stage dates, Salesforce's CreatedDate and (converted leads) ConvertedDate.
    standard_dates: bool = True
    # More date fields, per stage: sal = "accepted_date" or ["field", "fallback_field"] (the first holding a date).
    entry_dates: dict[DatedStage, list[CrmFieldName]] = {}

    @field_validator("entry_dates", mode="before")
    @classmethod
    def _one_or_several(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {stage: [names] if isinstance(names, str) else names for stage, names in value.items()}
        return value

    @field_validator("signals")
    @classmethod
    def _not_empty(cls, signals: dict[str, dict[str, StageName]] | None) -> dict[str, dict[str, StageName]] | None:
        for name, values in (signals or {}).items():
            if not values:
                raise ValueError(f"signals.{name} maps no values; remove it or map its values to stages")
        return signals


class StagesSection(Section):
    """``[stages]``: the stage rules shared by every CRM, and ``[stages.hubspot]`` / ``[stages.salesforce]``.

    ``mql_rules`` names fit or engagement rules that make a hand-raiser an MQL whatever its score (checked against
    the scoring rules in ``checks.reference_problems``); ``mql_rules_min_fit`` may be -inf for no minimum.
    """

    mql_threshold: Annotated[int, Field(ge=0, le=100)] = 60
    mql_min_grade: Literal["A", "B", "C", "D"] | None = None
    handover_sla_hours: Annotated[float, Field(gt=0, le=24 * 365)] | None = 48.0
    mql_rules: list[Annotated[str, Field(min_length=1)]] = []
    mql_rules_skip_grade: bool = False
    mql_rules_min_fit: Annotated[float, Field(allow_inf_nan=True)] = 0.0

    @field_validator("mql_rules_min_fit")
    @classmethod
    def _not_nan(cls, value: float) -> float:
        if value != value or value == float("inf"):
            raise ValueError("must be a number of fit points (or -inf for no minimum)")
        return value

    hubspot: CrmStagesSection = CrmStagesSection()
    salesforce: CrmStagesSection = CrmStagesSection()

    def for_crm(self, crm: str) -> CrmStagesSection:
        section: CrmStagesSection = getattr(self, crm)
        return section


def build_stage_rules(section: StagesSection, crm_section: CrmStagesSection, crm: str) -> StageRules:
    """The stage rules for one CRM: configured signals, or that CRM's standard values."""
    signals = crm_section.signals if crm_section.signals is not None else DEFAULT_SIGNALS[crm]
    maps = tuple(
        SignalMap(
            field=name,
            values={value: None if stage == IGNORE else Stage(stage) for value, stage in values.items()},
            strict=crm_section.strict,
        )
        for name, values in signals.items()
    )
    return StageRules(
        signals=maps,
        mql_threshold=section.mql_threshold,
        mql_min_grade=Grade(section.mql_min_grade) if section.mql_min_grade else None,
        handover_sla_hours=section.handover_sla_hours,
        mql_rules=tuple(section.mql_rules),
        mql_rules_skip_grade=section.mql_rules_skip_grade,
        mql_rules_min_fit=section.mql_rules_min_fit,
    )


def stage_date_fields(
    crm: str, crm_section: CrmStagesSection, rules: StageRules, crm_names: Mapping[str, str], object_name: str
) -> dict[Stage, tuple[str, ...]]:
    """Per stage, the CRM date fields that say when a record entered it, in the order they are tried.

    ``crm_names`` maps canonical fields to the CRM's names. The configured ``entry_dates`` come first; then, with
    ``standard_dates``, the dates the CRM keeps by itself for the signal values mapped to each stage (HubSpot:
    per lifecycle stage; Salesforce: ConvertedDate for a converted lead), and the creation date for raw.
    """
    fields: dict[Stage, list[str]] = {Stage(stage): list(names) for stage, names in crm_section.entry_dates.items()}

    def add(stage: Stage, names: tuple[str, ...]) -> None:
        known = fields.setdefault(stage, [])
        known.extend(name for name in names if name not in known)

    if not crm_section.standard_dates:
        return {stage: tuple(names) for stage, names in fields.items()}
    for signal in rules.signals:
        crm_field = crm_names.get(signal.field)
        for value, stage in signal.values.items():
            if stage is None:
                continue
            if crm == "hubspot" and crm_field == "lifecyclestage":
                add(stage, lifecycle_date_properties(value))
            elif crm == "salesforce" and crm_field == CONVERTED_FIELD and object_name == "Lead" and value == "true":
                add(stage, (CONVERTED_DATE_FIELD,))
    add(Stage.RAW, (CREATED_PROPERTY,) if crm == "hubspot" else (CREATED_FIELD,))
    return {stage: tuple(names) for stage, names in fields.items()}


def build_promotion(crm_section: CrmStagesSection) -> PromotionRule | None:
    promote = crm_section.promote
    if not promote.enabled:
        return None
    return PromotionRule(
        field=promote.field,
        value=promote.value,
        order=tuple(promote.order),
        allow_backward=promote.allow_backward,
    )
