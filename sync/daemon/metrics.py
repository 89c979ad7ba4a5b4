"""What ``leadstage daemon`` tells its operators: Prometheus metrics in a registry of its own, and /healthz.

Counters grow from each run's ``RunSummary`` (so they equal the runs table's counts); one small WSGI app on a
daemon thread serves ``/metrics`` (Prometheus text) and ``/healthz`` (JSON: 200 while the scheduler runs, else 503).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Counter, Gauge, make_wsgi_app

from leadstage.sync.run.engine import RunSummary

log = logging.getLogger(__name__)

PREFIX = "leadstage_"
RUN_KINDS = ("sync", "rescore")
RECORD_OUTCOMES = ("pulled", "updated", "unchanged", "failed")
RUN_STATUSES = ("ok", "partial", "stopped", "failed", "crashed")
# A run that went through to the end is a success, even when some records went to the dead-letter table.
SUCCESS_STATUSES = frozenset({"ok", "partial"})
CRASHED = "crashed"

Environ = dict[str, Any]
StartResponse = Callable[..., Any]


@dataclass
class PortalHealth:
    """The latest news of one portal, as /healthz shows it."""

    running: str | None = None
    last_kind: str | None = None
    last_status: str | None = None
    last_run_id: int | None = None
    last_started_at: str | None = None
    last_ended_at: str | None = None
    last_success_at: str | None = None
    lease_skips: int = 0


class DaemonMetrics:
    """The daemon's counters and gauges (label ``portal``, and ``kind`` = sync or rescore), plus health news."""

    def __init__(self, portals: Sequence[str], registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self.runs = Counter(f"{PREFIX}runs", "Runs finished, by status.", ["portal", "kind", "status"], registry=r)
        self.records = Counter(
            f"{PREFIX}records",
            "Records per outcome (pulled, updated, unchanged, failed).",
            ["portal", "kind", "outcome"],
            registry=r,
        )
        self.api_calls = Counter(f"{PREFIX}api_calls", "Requests sent to the CRM.", ["portal", "kind"], registry=r)
        self.rate_limited = Counter(
            f"{PREFIX}rate_limited",
            "Rate-limit answers: HubSpot 429s, Salesforce runs stopped by the daily API quota.",
            ["portal"],
            registry=r,
        )
        self.last_success = Gauge(
            f"{PREFIX}last_success_timestamp_seconds",
            "When the last run that went through to the end (ok or partial) finished (Unix time).",
            ["portal", "kind"],
            registry=r,
        )
        self.last_duration = Gauge(
            f"{PREFIX}last_run_duration_seconds", "How long the last run took.", ["portal", "kind"], registry=r
        )
        self.lease_skips = Counter(
            f"{PREFIX}lease_skips",
            "Runs skipped because another worker (daemon or backfill) held the portal's lease.",
            ["portal", "kind"],
            registry=r,
        )
        self._lock = threading.Lock()
        self._health = {name: PortalHealth() for name in portals}
        for name in portals:
            self._zero(name)

    def _zero(self, portal: str) -> None:
        """Every series exists from the start (at 0), so rates and alerts work before the first event."""
        self.rate_limited.labels(portal)
        for kind in RUN_KINDS:
            self.api_calls.labels(portal, kind)
            self.lease_skips.labels(portal, kind)
            for status in RUN_STATUSES:
                self.runs.labels(portal, kind, status)
            for outcome in RECORD_OUTCOMES:
                self.records.labels(portal, kind, outcome)

    # -- events -----------------------------------------------------------------------------------------------
    def run_started(self, portal: str, kind: str) -> None:
        with self._lock:
            self._health[portal].running = kind

    def observe(self, summary: RunSummary, rate_limited: int = 0) -> None:
        """Count one finished run from its summary."""
        portal, kind, counts = summary.portal, summary.kind, summary.counts
        self.runs.labels(portal, kind, summary.status).inc()
        for outcome in RECORD_OUTCOMES:
            self.records.labels(portal, kind, outcome).inc(getattr(counts, outcome))
        self.api_calls.labels(portal, kind).inc(counts.api_calls)
        if rate_limited:
            self.rate_limited.labels(portal).inc(rate_limited)
        ended = summary.ended_at or summary.started_at
        self.last_duration.labels(portal, kind).set((ended - summary.started_at).total_seconds())
        if summary.status in SUCCESS_STATUSES:
            self.last_success.labels(portal, kind).set(ended.timestamp())
        self._finished(portal, kind, summary.status, summary.run_id, summary.started_at, ended)

    def run_crashed(self, portal: str, kind: str, run_id: int | None, started: datetime, ended: datetime) -> None:
        """A run that raised (a bug): counted by status, its records are not (it has no summary)."""
        self.runs.labels(portal, kind, CRASHED).inc()
        self.last_duration.labels(portal, kind).set((ended - started).total_seconds())
        self._finished(portal, kind, CRASHED, run_id, started, ended)

    def lease_skipped(self, portal: str, kind: str) -> None:
        self.lease_skips.labels(portal, kind).inc()
        with self._lock:
            self._health[portal].lease_skips += 1

    def _finished(
        self, portal: str, kind: str, status: str, run_id: int | None, started: datetime, ended: datetime
    ) -> None:
        with self._lock:
            health = self._health[portal]
            health.running = None
            health.last_kind, health.last_status, health.last_run_id = kind, status, run_id
            health.last_started_at, health.last_ended_at = started.isoformat(), ended.isoformat()
            if status in SUCCESS_STATUSES:
                health.last_success_at = ended.isoformat()

    # -- views ------------------------------------------------------------------------------------------------
    def health(self, scheduler: str, holder: str) -> dict[str, Any]:
        with self._lock:
            portals = {name: asdict(h) for name, h in self._health.items()}
        status = "ok" if scheduler == "running" else "unavailable"
        return {"status": status, "scheduler": scheduler, "holder": holder, "portals": portals}


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("metrics endpoint: " + format, *args)


class MetricsServer:
    """Serves /metrics and /healthz on ``host:port`` from a daemon thread (port 0 picks a free port)."""

    def __init__(
        self, metrics: DaemonMetrics, host: str, port: int, scheduler_state: Callable[[], str], holder: str
    ) -> None:
        self._metrics = metrics
        self._scheduler_state = scheduler_state
        self._holder = holder
        self._prometheus = make_wsgi_app(metrics.registry)
        self._server = make_server(host, port, self._app, _ThreadingWSGIServer, _QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="leadstage-metrics", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _app(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            result: Iterable[bytes] = self._prometheus(environ, start_response)
            return result
        if path == "/healthz":
            report = self._metrics.health(self._scheduler_state(), self._holder)
            status = "200 OK" if report["scheduler"] == "running" else "503 Service Unavailable"
            body = json.dumps(report).encode()
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        body = b"not found: try /metrics or /healthz\n"
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]
