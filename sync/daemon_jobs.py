"""One portal's work in ``leadstage daemon``: its sync and rescore runs, under the portal's lease.

The lease (a row in the state store) is what keeps a second daemon, or a backfill, off a portal this daemon is
working: a run starts only when the lease is ours, renews it as pages commit, and gives it back at the end.
A lease another worker let expire is taken over, and so is at once the lease of a dead process of this host.
Inside one daemon, a per-portal lock keeps the sync and the rescore of a portal from running at the same time
(they share the daemon's lease holder name).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from leadstage.connectors.base import Connector
from leadstage.connectors.resilience import TimeSource

from .config import PortalSettings, Settings
from .engine import RunCounts, RunOptions, RunSummary, SyncRun
from .metrics import CRASHED, DaemonMetrics
from .state import StateStore

log = logging.getLogger(__name__)

SYNC, RESCORE = "sync", "rescore"
SKIPPED = "skipped"
# The should_stop hook is asked after every page of every phase (web events included, where no on_page fires),
# so renewing there once a third of the lease has passed keeps a long phase from losing the lease.
RENEW_FRACTION = 1 / 3
# Salesforce has no 429s: the org's daily quota stops a run instead (QuotaExhausted, seen here only as text).


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
    """This daemon's name in the leases table: host, process, and a random part (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


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
        self._renewed_at = 0.0
        self._lease_lost = False

    def run(self, kind: str) -> JobResult:
        """One scheduled run (the job function). Never raises."""
        try:
            with self._busy:
                if self._stopping() or not self._take_lease(kind):
                    return JobResult(SKIPPED)
                try:
                    return self._execute(kind)
                finally:
                    self._store.release_lease(self.name, self.holder)
        except Exception:  # the state store unreachable, or a bug: log it, the daemon goes on with the next run
            log.exception("portal %s: the %s job failed", self.name, kind, extra={"portal": self.name})
            now = self._clock.now()
            self._metrics.run_crashed(self.name, kind, None, now, now)
            return JobResult(CRASHED)

    # -- the lease --------------------------------------------------------------------------------------------
    def _take_lease(self, kind: str) -> bool:
        now = self._clock.now()
        if self._store.take_over_if_gone(self.name, self.holder, self._ttl, now):
            self._renewed_at, self._lease_lost = self._clock.monotonic(), False
            return True
        other = self._store.lease_holder(self.name, now)
        log.info(
            "portal %s: %s skipped, the lease is held by %s (another daemon or a backfill)",
            self.name,
            kind,
            other,
            extra={"portal": self.name},
        )
        self._metrics.lease_skipped(self.name, kind)
        return False

    def _renew(self) -> None:
        if self._lease_lost:
            return
        if not self._store.acquire_lease(self.name, self.holder, self._ttl, self._clock.now()):
            self._lease_lost = True
            log.error(
                "portal %s: the lease was taken over by %s (not renewed within %.0f s); stopping after this page",
                self.name,
                self._store.lease_holder(self.name, self._clock.now()),
                self._ttl.total_seconds(),
                extra={"portal": self.name},
            )
        self._renewed_at = self._clock.monotonic()

    def _on_page(self, _counts: RunCounts) -> None:
        self._renew()

    def _should_stop(self) -> bool:
        if self._clock.monotonic() - self._renewed_at >= self._ttl.total_seconds() * RENEW_FRACTION:
            self._renew()
        return self._stopping() or self._lease_lost

    # -- the run ----------------------------------------------------------------------------------------------
    def _execute(self, kind: str) -> JobResult:
        options = RunOptions(
            overlap=timedelta(minutes=self._settings.sync.overlap_minutes),
            first_run_lookback=timedelta(days=self._settings.sync.first_run_lookback_days),
            rescore=kind == RESCORE,
        )
        run = SyncRun(
            self.name,
            self.portal.model,
            self.connector,
            self._store,
            self._clock.now,
            options,
            on_page=self._on_page,
            should_stop=self._should_stop,
        )
        started = self._clock.now()
        self._metrics.run_started(self.name, kind)
        try:
            summary = run.execute()
        except Exception as error:
            self._crashed(run, kind, started, error)
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

    def _crashed(self, run: SyncRun, kind: str, started: datetime, error: Exception) -> None:
        ended = self._clock.now()
        run_id = run.run_id or None
        log.error(
            "portal %s: %s run %s crashed (a bug: please report it); the daemon goes on",
            self.name,
            kind,
            run_id,
            exc_info=error,
            extra={"portal": self.name, "run_id": run_id},
        )
        if run_id is not None:
            message = f"{type(error).__name__}: {error}"
            try:
                self._store.finish_run(run_id, CRASHED, run.counts.as_dict(), ended, message)
            except Exception:
                log.exception("portal %s: could not record run %s as crashed", self.name, run_id)
        self._metrics.run_crashed(self.name, kind, run_id, started, ended)
