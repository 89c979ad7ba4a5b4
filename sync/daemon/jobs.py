"""One portal's work in ``leadstage daemon``: its sync and rescore runs, under the portal's lease.

The lease (a row in the state store) is what keeps a second daemon, or a backfill, off a portal this daemon is
working: a run starts only when the lease is ours, renews it as pages commit, and gives it back at the end.
A lease another worker let expire is taken over, and so is at once the lease of a dead process of this host.
Inside one daemon, a per-portal lock keeps the sync and the rescore of a portal from running at the same time
(they share the daemon's lease holder name).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from leadstage.connectors.base import Connector
from leadstage.connectors.clock import TimeSource
from leadstage.sync.config import PortalSettings, Settings
from leadstage.sync.daemon.metrics import CRASHED, DaemonMetrics
from leadstage.sync.run.engine import RunSummary, SyncRun
from leadstage.sync.run.lease import PortalBusy, PortalLease, holder_name
from leadstage.sync.run.runner import run_options
from leadstage.sync.state import StateStore

log = logging.getLogger(__name__)

SYNC, RESCORE = "sync", "rescore"
SKIPPED = "skipped"


@dataclass(frozen=True)
class JobResult:
    """What one scheduled job did: ``status`` is the run's, or "skipped" (lease held elsewhere, or stopping)
    or "crashed"; ``summary`` is there when the run finished."""

    status: str
    summary: RunSummary | None = None

    @property
    def exit_code(self) -> int:
        """0 ok, stopped or skipped; 1 the run had failures or crashed (as ``leadstage sync`` exits)."""
        if self.summary is not None:
            return self.summary.exit_code
        return 1 if self.status == CRASHED else 0


def new_holder() -> str:
    """This daemon's name in the leases table (its jobs share it)."""
    return holder_name("daemon")


class PortalWorker:
    """Runs one portal's jobs with one connector and the shared state store, reused across runs."""

    def __init__(
        self,
        settings: Settings,
        portal: PortalSettings,
        connector: Connector,
        store: StateStore,
        clock: TimeSource,
        holder: str,
        metrics: DaemonMetrics,
        stopping: Callable[[], bool],
    ) -> None:
        self.portal = portal
        self.name = portal.name
        self.connector = connector
        self.holder = holder
        self._settings = settings
        self._store = store
        self._clock = clock
        self._metrics = metrics
        self._stopping = stopping
        self._ttl = timedelta(seconds=settings.daemon.lease_seconds)
        self._busy = threading.Lock()

    def run(self, kind: str) -> JobResult:
        """One scheduled run (the job function). Never raises."""
        try:
            with self._busy:
                if self._stopping():
                    return JobResult(SKIPPED)
                lease = PortalLease(self._store, self.name, self.holder, self._ttl, self._clock)
                try:
                    lease.acquire()
                except PortalBusy as busy:
                    self._skipped(kind, busy.holder)
                    return JobResult(SKIPPED)
                try:
                    self._store.close_abandoned_runs(self.name, self._clock.now())
                    return self._execute(kind, lease)
                finally:
                    lease.release()
        except Exception:  # the state store unreachable, or a bug: log it, the daemon goes on with the next run
            log.exception("portal %s: the %s job failed", self.name, kind, extra={"portal": self.name})
            now = self._clock.now()
            self._metrics.run_crashed(self.name, kind, None, now, now)
            return JobResult(CRASHED)

    def _skipped(self, kind: str, other: str | None) -> None:
        log.info(
            "portal %s: %s skipped, the lease is held by %s (another daemon or a backfill)",
            self.name,
            kind,
            other,
            extra={"portal": self.name},
        )
        self._metrics.lease_skipped(self.name, kind)

    # -- the run ----------------------------------------------------------------------------------------------
    def _execute(self, kind: str, lease: PortalLease) -> JobResult:
        run = SyncRun(
            self.name,
            self.portal.model,
            self.connector,
            self._store,
            self._clock.now,
            run_options(self._settings, rescore=kind == RESCORE),
            should_stop=lambda: not lease.renew_if_due() or self._stopping(),
            may_write=lease.renew,
            holder=self.holder,
        )
        started = self._clock.now()
        self._metrics.run_started(self.name, kind)
        try:
            summary = run.execute()
        except Exception as error:  # recorded as crashed in the runs table by the run itself
            log.error(
                "portal %s: %s run %s crashed (a bug: please report it); the daemon goes on",
                self.name,
                kind,
                run.run_id or None,
                exc_info=error,
                extra={"portal": self.name, "run_id": run.run_id or None},
            )
            self._metrics.run_crashed(self.name, kind, run.run_id or None, started, self._clock.now())
            return JobResult(CRASHED)
        self._metrics.observe(summary, summary.counts.rate_limited)
        c = summary.counts
        log.info(
            "portal %s: %s run %s %s (pulled %d, updated %d, unchanged %d, failed %d, API calls %d) by %s",
            self.name,
            kind,
            summary.run_id,
            summary.status,
            c.pulled,
            c.updated,
            c.unchanged,
            c.failed,
            c.api_calls,
            self.holder,
            extra={"portal": self.name, "run_id": summary.run_id},
        )
        return JobResult(summary.status, summary)
