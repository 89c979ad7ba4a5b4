"""The runs table: every run with its kind, status, counts, duration and the process that ran it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from leadstage.sync.state import schema as t
from leadstage.sync.state.leases import Leases, holder_gone

log = logging.getLogger(__name__)

RUNNING, CRASHED = "running", "crashed"


class RunLog(Leases):
    """Mixed into StateStore (the leases tell whether a running run's process is still there)."""

    def start_run(self, portal: str, kind: str, now: datetime, holder: str | None = None) -> int:
        """Record a run as running; ``holder`` names its process (see ``close_abandoned_runs``)."""
        with self.transaction() as conn:
            result = conn.execute(
                insert(t.runs).values(
                    portal=portal, kind=kind, started_at=now, status=RUNNING, counts={}, holder=holder
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def close_abandoned_runs(self, portal: str | None, now: datetime) -> list[int]:
        """Mark ``crashed`` the runs still recorded as running whose process is gone; returns their ids.

        A run is gone when its process ran on this host and no longer does, or when it wrote (held the portal's
        lease) and that lease is no longer its own: it expired without renewal or another worker took it over.
        A dry run on another host holds no lease, so it is left alone until its own process ends it.
        """
        query = select(t.runs.c.id, t.runs.c.portal, t.runs.c.kind, t.runs.c.holder).where(t.runs.c.status == RUNNING)
        if portal is not None:
            query = query.where(t.runs.c.portal == portal)
        with self.engine.connect() as conn:
            running = conn.execute(query).all()
        gone = [
            run_id
            for run_id, run_portal, kind, holder in running
            if (holder is not None and holder_gone(holder))
            or (not kind.endswith("dry-run") and self.lease_holder(run_portal, now) != holder)
        ]
        if gone:
            with self.transaction() as conn:
                conn.execute(
                    update(t.runs)
                    .where(t.runs.c.id.in_(gone), t.runs.c.status == RUNNING)
                    .values(status=CRASHED, ended_at=now, error="the process running it ended without finishing it")
                )
            log.warning("marked run(s) %s crashed: their process is gone", ", ".join(map(str, gone)))
        return gone

    def finish_run(
        self, run_id: int, status: str, counts: Mapping[str, Any], now: datetime, error: str | None = None
    ) -> None:
        with self.transaction() as conn:
            started = conn.execute(select(t.runs.c.started_at).where(t.runs.c.id == run_id)).scalar_one()
            conn.execute(
                update(t.runs)
                .where(t.runs.c.id == run_id)
                .values(
                    status=status,
                    counts=dict(counts),
                    ended_at=now,
                    error=error,
                    duration_s=(now - started).total_seconds(),
                )
            )

    def last_run_started(self, portal: str, kind: str) -> datetime | None:
        """When the portal's latest run of this kind started (the daemon schedules its rescore from it)."""
        query = (
            select(t.runs.c.started_at)
            .where(t.runs.c.portal == portal, t.runs.c.kind == kind)
            .order_by(t.runs.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            value = conn.execute(query).scalar()
        return value if isinstance(value, datetime) else None

    def runs(self, portal: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        query = select(t.runs).order_by(t.runs.c.id.desc()).limit(limit)
        if portal is not None:
            query = query.where(t.runs.c.portal == portal)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]
