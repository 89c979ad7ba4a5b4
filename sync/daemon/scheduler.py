"""``leadstage daemon``: every configured portal on a schedule, until SIGTERM or SIGINT.

One APScheduler ``BlockingScheduler`` (UTC) in the main thread, with per portal an incremental sync job
(every ``sync_every_minutes``, or on ``sync_cron``; the first one at start) and a rescore job for decay
(every ``rescore_every_hours``, 0 for none). Jobs never overlap themselves (``max_instances=1``), late runs
collapse into one (``coalesce``) and start only within ``misfire_grace_seconds``. Each run holds the portal's
lease (see ``daemon_jobs``), so several daemons, and backfills, can share one state store safely.

Stopping: SIGTERM and SIGINT are not handled by a Python signal handler (which may interrupt the scheduler while
it holds a lock) but blocked and received by a thread of ours with ``sigwait``. The first one asks running runs
to stop after the page in hand (it commits; the run ends as "stopped"), shuts the scheduler down waiting for
them, gives back the leases, and the process exits 0. Later signals are logged and ignored.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from apscheduler.events import EVENT_SCHEDULER_STARTED, SchedulerEvent
from apscheduler.schedulers.base import STATE_RUNNING, STATE_STOPPED
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from leadstage.connectors.base import Connector
from leadstage.connectors.clock import SystemClock, TimeSource
from leadstage.sync.config import ConfigError, PortalSettings, Settings
from leadstage.sync.daemon.jobs import RESCORE, SYNC, PortalWorker, new_holder
from leadstage.sync.daemon.metrics import DaemonMetrics, MetricsServer
from leadstage.sync.run.connect import build_connector, open_store

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
EXIT_OK = 0


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: which portal, which kind of run, when."""

    portal: str
    kind: str
    trigger: BaseTrigger
    first_run: datetime

    @property
    def id(self) -> str:
        return f"{self.portal}:{self.kind}"


def job_specs(
    portals: Sequence[PortalSettings], now: datetime, last_rescore: Callable[[str], datetime | None]
) -> list[JobSpec]:
    """The jobs of these portals: a sync (first one now), and a rescore unless its interval is 0.

    The rescore keeps its rhythm across restarts: it is due an interval after the last one (now if overdue).
    """
    specs: list[JobSpec] = []
    for portal in portals:
        section = portal.section
        trigger: BaseTrigger
        if section.sync_cron:
            trigger = CronTrigger.from_crontab(section.sync_cron, timezone="UTC")
        else:
            trigger = IntervalTrigger(minutes=section.sync_every_minutes, timezone="UTC")
        specs.append(JobSpec(portal.name, SYNC, trigger, now))
        if section.rescore_every_hours > 0:
            every = timedelta(hours=section.rescore_every_hours)
            last = last_rescore(portal.name)
            first = now + every if last is None else max(last + every, now)
            specs.append(
                JobSpec(portal.name, RESCORE, IntervalTrigger(seconds=every.total_seconds(), timezone="UTC"), first)
            )
    return specs


class SignalSource(Protocol):
    """Where stop signals come from (the real one: ``SignalWatcher``; tests pass their own)."""

    def block(self) -> None: ...

    def start(self, on_signal: Callable[[int], None]) -> None: ...

    def close(self) -> None: ...


class SignalWatcher:
    """Receives SIGTERM/SIGINT in a thread of its own (``sigwait``), calling ``on_signal`` there.

    ``block()`` must run in the main thread before any other thread starts, so every thread inherits the mask
    and the signals wait (pending) until ``start()``.
    """

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._closed = False
        self._previous: set[int | signal.Signals] | None = None

    def block(self) -> None:
        self._previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)

    def start(self, on_signal: Callable[[int], None]) -> None:
        def watch() -> None:
            while True:
                signum = signal.sigwait(STOP_SIGNALS)
                if self._closed:
                    return
                on_signal(signum)

        self._thread = threading.Thread(target=watch, name="leadstage-signals", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop watching; signals that arrived meanwhile are dropped (logged), then the old mask is back."""
        self._closed = True
        if self._thread is not None and self._thread.ident is not None and self._thread.is_alive():
            signal.pthread_kill(self._thread.ident, signal.SIGTERM)  # wakes its sigwait
            self._thread.join()
        if self._previous is not None:
            while (pending := signal.sigtimedwait(STOP_SIGNALS, 0)) is not None:
                log.info("ignoring %s received while shutting down", signal.Signals(pending.si_signo).name)
            signal.pthread_sigmask(signal.SIG_SETMASK, self._previous)


ConnectorFactory = Callable[[Settings, PortalSettings, TimeSource], Connector]


class Daemon:
    """The scheduler, the portal workers, the metrics endpoint and the stop sequence."""

    def __init__(
        self,
        settings: Settings,
        portals: Sequence[str] = (),
        clock: TimeSource | None = None,
        signals: SignalSource | None = None,
        connector_factory: ConnectorFactory = build_connector,
    ) -> None:
        """Everything that can be wrong with the config fails here (ConfigError), before anything runs."""
        chosen = [settings.portal(name) for name in dict.fromkeys(portals)] or list(settings.portals.values())
        self.settings = settings
        self.clock = clock or SystemClock()
        self.holder = new_holder()
        self.stopping = threading.Event()
        self.metrics = DaemonMetrics([p.name for p in chosen])
        self.scheduler = BlockingScheduler(timezone="UTC")
        self._signals = signals or SignalWatcher()
        self._stop_done = threading.Event()
        self._stop_lock = threading.Lock()
        connectors = {p.name: connector_factory(settings, p, self.clock) for p in chosen}
        self.store = open_store(settings)
        self.workers = {
            p.name: PortalWorker(
                settings, p, connectors[p.name], self.store, self.clock, self.holder, self.metrics, self.stopping.is_set
            )
            for p in chosen
        }

    # -- the long-running mode --------------------------------------------------------------------------------
    def serve(self) -> int:
        """Run the schedule until a stop signal; 0 after a clean stop."""
        self._signals.block()
        server: MetricsServer | None = None
        try:
            server = self._start_metrics_server()
            self._add_jobs()
            self.scheduler.add_listener(self._scheduler_started, EVENT_SCHEDULER_STARTED)
            log.info(
                "daemon %s started: portals %s%s",
                self.holder,
                ", ".join(self.workers),
                f"; /metrics and /healthz on port {server.port}" if server else "",
            )
            self.scheduler.start()  # blocks until the stop sequence shuts it down
            self._stop_done.wait()
        finally:
            if server is not None:
                server.stop()
            self.close()
        log.info("daemon %s stopped", self.holder)
        return EXIT_OK

    def _add_jobs(self) -> None:
        # The scheduler runs on the wall clock, whatever clock the runs are given.
        now = datetime.now(UTC)
        for spec in job_specs([w.portal for w in self.workers.values()], now, self._last_rescore):
            self.scheduler.add_job(
                self.workers[spec.portal].run,
                spec.trigger,
                args=(spec.kind,),
                id=spec.id,
                name=spec.id,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(1, round(self.settings.daemon.misfire_grace_seconds)),
                next_run_time=spec.first_run,
            )

    def _start_metrics_server(self) -> MetricsServer | None:
        daemon = self.settings.daemon
        if daemon.metrics_port == 0:
            return None
        try:
            server = MetricsServer(
                self.metrics, daemon.metrics_host, daemon.metrics_port, self.scheduler_state, self.holder
            )
        except OSError as error:
            where = f"{daemon.metrics_host}:{daemon.metrics_port}"
            problem = f"cannot listen on {where} ({error.strerror}); choose a free port, or 0 for no endpoint"
            raise ConfigError([f"{self.settings.path}:daemon.metrics_port: {problem}"]) from None
        server.start()
        return server

    def _last_rescore(self, portal: str) -> datetime | None:
        return self.store.last_run_started(portal, RESCORE)

    def _scheduler_started(self, _event: SchedulerEvent) -> None:
        # Signals wait (blocked) until the scheduler runs, so the stop sequence always finds it running.
        self._signals.start(self.request_stop)

    def scheduler_state(self) -> str:
        """running, stopping (a stop signal came), paused or stopped (also: not started yet)."""
        state = self.scheduler.state
        if state == STATE_RUNNING and not self.stopping.is_set():
            return "running"
        if state == STATE_STOPPED:
            return "stopped"
        return "stopping" if self.stopping.is_set() else "paused"

    # -- stopping ---------------------------------------------------------------------------------------------
    def request_stop(self, signum: int) -> None:
        """A stop signal: the first starts the stop sequence (in its own thread); later ones are ignored."""
        name = signal.Signals(signum).name
        with self._stop_lock:
            if self.stopping.is_set():
                log.warning("%s received while stopping: ignored, the runs in hand finish their page first", name)
                return
            self.stopping.set()
        log.info("%s received: finishing the page in hand, then stopping", name)
        if self.scheduler.running:
            threading.Thread(target=self._shutdown_scheduler, name="leadstage-stop").start()
        else:
            self._stop_done.set()

    def _shutdown_scheduler(self) -> None:
        try:
            self.scheduler.pause()  # no new job starts while the running ones finish
            self.scheduler.shutdown(wait=True)
        finally:
            self._stop_done.set()

    # -- the one-shot mode ------------------------------------------------------------------------------------
    def run_once(self) -> int:
        """One sync of each portal, one after the other; 0 if all went through (or were stopped by a signal)."""
        self._signals.block()
        self._signals.start(self.request_stop)
        code = EXIT_OK
        try:
            for worker in self.workers.values():
                if self.stopping.is_set():
                    break
                code = max(code, worker.run(SYNC).exit_code)
        finally:
            self.close()
        return code

    def close(self) -> None:
        """Give back any lease still held, close connections, stop watching signals."""
        for worker in self.workers.values():
            try:
                self.store.release_lease(worker.name, self.holder)
            except Exception:
                log.exception("portal %s: could not release the lease", worker.name)
            worker.connector.close()
        self.store.close()
        self._signals.close()
