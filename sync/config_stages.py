"""The ``[stages]`` config section: MQL threshold, hand-over SLA, and per CRM the mapping of its fields' values
to funnel stages, plus the optional promotion of our MQL decision into a CRM field.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from leadstage.connectors.hubspot_settings import LIFECYCLE_ORDER
from leadstage.mapping.model import Grade, Stage
from leadstage.mapping.stages import IGNORE, SignalMap, StageRules
from leadstage.mapping.values import PromotionRule

StageName = Literal["raw", "mql", "sal", "sql", "opportunity", "customer", "recycled", "disqualified", "ignore"]

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


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PromoteSection(_Section):
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


class CrmStagesSection(_Section):
    """``[stages.<crm>]``: which CRM field values mean which stage."""

    signals: dict[str, dict[str, StageName]] | None = None
    strict: bool = True
    promote: PromoteSection = PromoteSection()

    @field_validator("signals")
    @classmethod
    def _not_empty(cls, signals: dict[str, dict[str, StageName]] | None) -> dict[str, dict[str, StageName]] | None:
        for name, values in (signals or {}).items():
            if not values:
                raise ValueError(f"signals.{name} maps no values; remove it or map its values to stages")
        return signals


class StagesSection(_Section):
    """``[stages]``: the stage rules shared by every CRM, and ``[stages.hubspot]`` / ``[stages.salesforce]``."""

    mql_threshold: Annotated[int, Field(ge=0, le=100)] = 60
    mql_min_grade: Literal["A", "B", "C", "D"] | None = None
    handover_sla_hours: Annotated[float, Field(gt=0, le=24 * 365)] | None = 48.0
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
    )


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
