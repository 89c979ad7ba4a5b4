"""The funnel report from a portal's state store: its stage history streamed in id order, and the grouping field."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select

from leadstage.mapping.model import AT_MODIFIED, Stage
from leadstage.sync.report.funnel import (
    GROUP_BY_CHOICES,
    GROUP_BY_FIELDS,
    LOAD_BATCH,
    FunnelReport,
    HistoryRow,
    Period,
    field_group,
    funnel_report,
)
from leadstage.sync.state import StateStore
from leadstage.sync.state import schema as t


def load_history(store: StateStore, portal: str, before: datetime | None = None) -> Iterator[HistoryRow]:
    """The portal's stage history in id order, read in batches (keyset on id; memory stays flat)."""
    history = t.stage_history.c
    after = 0
    while True:
        query = (
            select(
                history.id,
                history.contact_id,
                history.from_stage,
                history.to_stage,
                history.at,
                history.source,
                history.at_source,
            )
            .where(history.portal == portal, history.id > after)
            .order_by(history.id)
            .limit(LOAD_BATCH)
        )
        if before is not None:
            query = query.where(history.at < before)
        with store.engine.connect() as conn:
            batch = conn.execute(query).all()
        if not batch:
            return
        for row in batch:
            yield HistoryRow(
                int(row.id),
                str(row.contact_id),
                Stage(row.from_stage) if row.from_stage else None,
                Stage(row.to_stage),
                row.at,
                str(row.source),
                dated=is_crm_stage_date(row.at_source),
            )
        after = int(batch[-1].id)


def is_crm_stage_date(at_source: str | None) -> bool:
    """Whether a history row's time is a stage date the CRM keeps (not its last modification, not computed)."""
    return at_source is not None and at_source.startswith("crm:") and at_source != AT_MODIFIED


def load_field(store: StateStore, portal: str, name: str) -> dict[str, str | None]:
    """One canonical field of every stored contact (contact id -> value)."""
    return {contact.contact_id: contact.fields.get(name) for batch in store.iter_contacts(portal) for contact in batch}


def report_from_store(
    store: StateStore, portal: str, period: Period, sla_hours: float | None, group_by: str | None = None
) -> FunnelReport:
    """Load the portal's history (and the grouping field) and compute the report."""
    if group_by is not None and group_by not in GROUP_BY_CHOICES:
        raise ValueError(f"group by {group_by!r}: choose one of {', '.join(GROUP_BY_CHOICES)}")
    group_of = (
        field_group(load_field(store, portal, GROUP_BY_FIELDS[group_by])) if group_by in GROUP_BY_FIELDS else None
    )
    rows = load_history(store, portal, before=period.until)
    return funnel_report(portal, rows, period, sla_hours, group_by, group_of)
