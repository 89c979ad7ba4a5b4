"""One run of one portal as every command starts it: ``sync``, ``rescore``, ``backfill``, ``dead-letters replay``,
the daemon's jobs and the demo all come through here.

A run that writes holds the portal's lease for its whole length (see ``lease``): it renews it as pages commit,
checks it before every CRM write, and stops after the page in hand once it is lost. Runs left "running" by
processes that are gone are marked crashed before a new one starts. A stop request (SIGTERM) is asked after
every page: the page in hand is finished and committed, and the run ends as "stopped".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from leadstage.connectors.base import Connector, Update
from leadstage.connectors.clock import TimeSource
from leadstage.sync.config import PortalSettings, Settings
from leadstage.sync.run.engine import RunCounts, RunOptions, RunSummary, SyncRun
from leadstage.sync.run.lease import PortalLease, holder_name
from leadstage.sync.state import StateStore


def run_options(settings: Settings, **options: Any) -> RunOptions:
    """RunOptions with the config's timing (the incremental overlap, the first run's look-back)."""
    return RunOptions(
        overlap=timedelta(minutes=settings.sync.overlap_minutes),
        first_run_lookback=timedelta(days=settings.event_lookback_days),
        **options,
    )


def run_portal(
    settings: Settings,
    portal: PortalSettings,
    connector: Connector,
    store: StateStore,
    clock: TimeSource,
    options: RunOptions,
    role: str,
    wait_seconds: float = 0.0,
    on_page: Callable[[RunCounts], None] | None = None,
    stop_requested: Callable[[], bool] = lambda: False,
    on_planned: Callable[[Update], None] | None = None,
) -> RunSummary:
    """Run once: under the portal's lease unless a dry run (PortalBusy when another writer holds it)."""
    holder = holder_name(role)

    def run(should_stop: Callable[[], bool], may_write: Callable[[], bool] | None) -> RunSummary:
        sync = SyncRun(
            portal.name,
            portal.model,
            connector,
            store,
            clock.now,
            options,
            on_page=on_page,
            should_stop=should_stop,
            on_planned=on_planned,
            may_write=may_write,
            holder=holder,
        )
        return sync.execute()

    if options.dry_run:
        return run(stop_requested, None)
    ttl = timedelta(seconds=settings.daemon.lease_seconds)
    with PortalLease(store, portal.name, holder, ttl, clock, wait_seconds, stop_requested) as lease:
        store.close_abandoned_runs(portal.name, clock.now())
        return run(lambda: not lease.renew_if_due() or stop_requested(), lease.renew)
