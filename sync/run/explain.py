"""``leadstage explain CONTACT_ID``: why a person has the score, grade, temperature and stage they have.

By default the explanation is computed from the state store (what the last run saw), with no API call; with
``fresh`` the contact and its activities are read from the CRM first (nothing is written either way). It runs the
very ``evaluate()`` a sync runs, so what it shows is what a run would write.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from leadstage.connectors.base import COMPANY_ID, COMPANY_PREFIX, Connector
from leadstage.mapping.derived import DERIVED
from leadstage.mapping.evaluate import Evaluation, QualificationModel, evaluate
from leadstage.mapping.model import Activity, Contact
from leadstage.mapping.scoring import ScoreResult, ScoringModel
from leadstage.mapping.values import OUTPUT_KINDS, same_value
from leadstage.sync.run.companies import attach_companies
from leadstage.sync.run.engine import scoring_time
from leadstage.sync.state import StateStore, StoredContact


class ExplainError(Exception):
    """The contact cannot be explained (unknown id, for instance)."""


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    return value


def _load(
    portal: str, store: StateStore, connector: Connector | None, contact_id: str, now: datetime
) -> tuple[Contact, list[Activity], StoredContact | None, str]:
    stored = store.load_contacts(portal, [contact_id]).get(contact_id)
    if connector is None:
        if stored is None:
            raise ExplainError(
                f"contact {contact_id} is not in the state store of portal {portal!r}: "
                "run a sync first, or add --fresh to read it from the CRM"
            )
        contact = stored.as_contact(now)
        activities = store.load_activities(portal, [contact_id]).get(contact_id, [])
        return contact, activities, stored, "state store (what the last run saw)"
    page = connector.read_contacts([contact_id])
    if page.rejected:
        raise ExplainError(f"contact {contact_id} cannot be read: {page.rejected[0].reason}")
    if not page.contacts:
        raise ExplainError(f"contact {contact_id} does not exist in the CRM (deleted or merged?)")
    joined = attach_companies(portal, page.contacts, connector, store)
    if joined.failures:
        raise ExplainError(f"contact {contact_id} cannot be evaluated: {joined.failures[0].reason}")
    contact = joined.contacts[0]
    activities = store.load_activities(portal, [contact_id], refreshed={contact_id}).get(contact_id, [])
    activities += connector.fetch_activities([contact_id])
    return contact, activities, stored, "CRM (read just now)"


def explain(
    portal: str,
    model: QualificationModel,
    store: StateStore,
    contact_id: str,
    now: datetime,
    connector: Connector | None = None,
) -> dict[str, Any]:
    """The full explanation of one contact, as plain data (printable as JSON)."""
    contact, activities, stored, source = _load(portal, store, connector, contact_id, now)
    as_of = scoring_time(now)
    evaluation = evaluate(contact, activities, stored.stage if stored else None, model, now, as_of)
    return {
        "contact_id": contact.id,
        "source": source,
        "as_of": as_of.isoformat(),
        "fields": dict(contact.fields),
        "field_sources": field_sources(contact),
        "activities": len(activities),
        "score": _score(evaluation, model),
        "bant": _jsonable(evaluation.bant) | {"grade": evaluation.bant.grade.value},
        "temperature": _jsonable(evaluation.temperature),
        "stage": _stage(evaluation, stored),
        "values": _values(evaluation, contact, model),
        "history": [
            {k: _jsonable(v) for k, v in row.items() if k not in ("id", "portal")}
            for row in store.history(portal, contact.id)
        ],
    }


def field_sources(contact: Contact) -> dict[str, str]:
    """Where each field's value came from: the contact's own record, its company's, or derived from another field
    (a company field the company lacks is the contact's own)."""
    company_id = contact.fields.get(COMPANY_ID)
    sources: dict[str, str] = {}
    for name in contact.fields:
        if name in contact.derived:
            source = DERIVED[name][0]
            if name.startswith(COMPANY_PREFIX):
                lacking = f"company {company_id} has none" if company_id else "no company"
                sources[name] = f"contact's own {source} ({lacking})"
            else:
                sources[name] = f"derived from {source}"
        elif name.startswith(COMPANY_PREFIX):
            sources[name] = f"company {company_id}" if company_id else "the record's own company fields"
        else:
            sources[name] = "contact"
    return sources


def _score(evaluation: Evaluation, model: QualificationModel) -> dict[str, Any]:
    data: dict[str, Any] = _jsonable(evaluation.score)
    data["formula"] = formula(evaluation.score, model.scoring)
    data["threshold"] = model.stages.mql_threshold
    return data


def formula(score: ScoreResult, scoring: ScoringModel) -> str:
    """How the score was computed, with the numbers, in the words of its combine mode."""
    weights = (scoring.fit_weight, scoring.engagement_weight)
    if score.combine == "net":
        return (
            f"score = round({weights[0]:g} x fit {score.fit_raw:.1f} + {weights[1]:g} x engagement "
            f"{score.engagement_raw:.1f}) within 0..100 = {score.score} (combine = net: negative fit points "
            "subtract from engagement; only the total is clamped)"
        )
    return (
        f"score = round({weights[0]:g} x fit {score.fit:.1f} + {weights[1]:g} x engagement {score.engagement:.1f}) "
        f"= {score.score} (combine = clamped: fit {score.fit_raw:.1f} and engagement {score.engagement_raw:.1f} "
        "each clamped to 0..100 first)"
    )


def _stage(evaluation: Evaluation, stored: StoredContact | None) -> dict[str, Any]:
    decision = evaluation.decision
    return {
        "before": stored.stage.stage.value if stored else None,
        "decided": decision.stage.value,
        "reason": decision.reason,
        "observed_in_crm": decision.state.observed.value if decision.state.observed else None,
        "transitions_now": [_jsonable(t) for t in decision.transitions],
        "sla_breached": decision.sla_breached,
        "entered": {stage.value: moment.isoformat() for stage, moment in decision.state.entered.items()},
    }


def _values(evaluation: Evaluation, contact: Contact, model: QualificationModel) -> dict[str, Any]:
    current = dict(contact.written)
    if model.promotion is not None:
        current[model.promotion.field] = contact.get(model.promotion.field) or ""
    return {
        name: {
            "would_write": value,
            "crm_now": current.get(name),
            "changes": not same_value(OUTPUT_KINDS.get(name), current.get(name), value),
        }
        for name, value in evaluation.values.items()
    }
