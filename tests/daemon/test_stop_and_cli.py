"""Stopping on a signal, the command line's exit codes, and the metrics endpoint, in process."""

from __future__ import annotations

import json
import logging
import signal
import socket
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from leadstage.sync.cli import app
from leadstage.sync.config import load_settings
from leadstage.sync.daemon.metrics import DaemonMetrics, MetricsServer
from leadstage.sync.daemon.scheduler import Daemon, SignalWatcher
from leadstage.sync.run.engine import RunCounts, RunSummary
from leadstage.sync.state import StateStore
from tests.conftest import TOKEN, TOKEN_ENV
from tests.daemon.support import daemon_config, free_port, prepare_portal, real_sandbox, wait_until, write_config

runner = CliRunner()


class ManualSignals:
    """Stop signals delivered by the test instead of the operating system."""

    def __init__(self):
        self.on_signal = None
        self.blocked = self.closed = False

    def block(self):
        self.blocked = True

    def start(self, on_signal):
        self.on_signal = on_signal

    def close(self):
        self.closed = True

    def send(self, signum):
        self.on_signal(signum)


def _status(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None


def _portal_config(tmp_path, box, monkeypatch, **daemon):
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    path = write_config(tmp_path / "leadstage.toml", daemon_config(tmp_path, box.url, **daemon))
    prepare_portal(path)
    return path


def test_sigterm_finishes_the_page_in_hand_stops_the_scheduler_and_a_second_signal_is_ignored(
    tmp_path, monkeypatch, caplog
):
    box = real_sandbox(400, latency_ms=5)
    try:
        port = free_port()
        path = _portal_config(tmp_path, box, monkeypatch, metrics_port=port)
        store = StateStore(load_settings(path).state_url)
        signals = ManualSignals()
        daemon = Daemon(load_settings(path), signals=signals)
        result = {}
        thread = threading.Thread(target=lambda: result.update(code=daemon.serve()))
        caplog.set_level(logging.INFO, logger="leadstage.sync.daemon")

        thread.start()
        wait_until(lambda: store.load_position("main", "contacts"), "the first page to commit")
        healthy = _status(f"http://127.0.0.1:{port}/healthz")
        signals.send(signal.SIGTERM)
        signals.send(signal.SIGINT)
        thread.join(20)

        assert signals.blocked and signals.closed and not thread.is_alive()
        assert result["code"] == 0
        assert healthy[0] == 200 and healthy[1]["portals"]["main"]["running"] == "sync"
        run = store.runs("main")[0]
        assert run["status"] == "stopped" and 0 < run["counts"]["pulled"] < 400
        assert store.lease_holder("main", datetime.now(UTC)) is None
        assert daemon.scheduler_state() == "stopped"
        assert any("SIGINT received while stopping: ignored" in r.getMessage() for r in caplog.records)
        store.close()
    finally:
        box.stop()


def test_the_signal_watcher_receives_stop_signals_in_its_own_thread_and_restores_the_mask():
    received = []
    watcher = SignalWatcher()
    watcher.block()
    try:
        watcher.start(received.append)
        signal.pthread_kill(watcher._thread.ident, signal.SIGTERM)  # aimed at the watcher: never at pytest itself
        wait_until(lambda: received, "the watcher to see SIGTERM")
    finally:
        watcher.close()

    assert received == [signal.SIGTERM]
    assert not watcher._thread.is_alive()
    assert signal.SIGTERM not in signal.pthread_sigmask(signal.SIG_BLOCK, [])


def test_once_syncs_each_portal_once_and_exits_0(tmp_path, monkeypatch):
    box = real_sandbox(150)
    try:
        path = _portal_config(tmp_path, box, monkeypatch)

        result = runner.invoke(app, ["daemon", "-c", str(path), "--once"])

        store = StateStore(load_settings(path).state_url)
        assert result.exit_code == 0, result.output
        assert [(r["kind"], r["status"]) for r in store.runs("main")] == [("sync", "ok")]
        store.close()
    finally:
        box.stop()


def test_once_exits_1_when_the_run_fails_and_0_when_another_worker_holds_the_portal(tmp_path, monkeypatch):
    box = real_sandbox(50)
    try:
        path = _portal_config(tmp_path, box, monkeypatch)
        store = StateStore(load_settings(path).state_url)
        box.inject("contacts.list", status=400)
        failed = runner.invoke(app, ["daemon", "-c", str(path), "--once"])
        store.acquire_lease("main", "backfill:elsewhere:1", timedelta(minutes=10), datetime.now(UTC))
        skipped = runner.invoke(app, ["daemon", "-c", str(path), "--once"])

        assert failed.exit_code == 1
        assert skipped.exit_code == 0 and len(store.runs("main")) == 1
        store.close()
    finally:
        box.stop()


def test_bad_config_unknown_portal_and_busy_metrics_port_exit_2_before_anything_runs(tmp_path, monkeypatch):
    box = real_sandbox(20)
    try:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            path = _portal_config(tmp_path, box, monkeypatch, metrics_port=taken.getsockname()[1])
            box.reset_counts()

            missing = runner.invoke(app, ["daemon", "-c", str(tmp_path / "nope.toml")])
            unknown = runner.invoke(app, ["daemon", "-c", str(path), "-p", "main", "-p", "other"])
            busy = runner.invoke(app, ["daemon", "-c", str(path)])

        assert missing.exit_code == 2 and "config file not found" in missing.output
        assert unknown.exit_code == 2 and "no portal named 'other'" in unknown.output
        assert busy.exit_code == 2 and "daemon.metrics_port" in busy.output
        assert box.total_requests() == 0
        assert signal.SIGTERM not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    finally:
        box.stop()


def _summary(status, pulled, updated, api_calls, run_id=1):
    started = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    ended = datetime(2026, 6, 1, 9, 0, 30, tzinfo=UTC)
    counts = RunCounts(
        pulled=pulled, evaluated=pulled, updated=updated, unchanged=pulled - updated, api_calls=api_calls
    )
    return RunSummary(run_id, "main", "sync", status, counts, started, ended)


def test_metrics_add_up_the_summaries_and_every_series_exists_from_the_start():
    metrics = DaemonMetrics(["main"])

    def value(name, **labels):
        return metrics.registry.get_sample_value(name, {"portal": "main", **labels})

    assert value("leadstage_records_total", kind="rescore", outcome="failed") == 0
    metrics.observe(_summary("ok", 200, 150, 12))
    metrics.observe(_summary("failed", 50, 0, 7, run_id=2), rate_limited=1)

    assert value("leadstage_records_total", kind="sync", outcome="pulled") == 250
    assert value("leadstage_api_calls_total", kind="sync") == 19
    assert value("leadstage_runs_total", kind="sync", status="failed") == 1
    assert value("leadstage_rate_limited_total") == 1
    assert (
        value("leadstage_last_success_timestamp_seconds", kind="sync")
        == datetime(2026, 6, 1, 9, 0, 30, tzinfo=UTC).timestamp()
    )  # the failed run did not move it
    assert value("leadstage_last_run_duration_seconds", kind="sync") == 30


def test_healthz_answers_503_unless_the_scheduler_runs():
    state = {"now": "running"}
    server = MetricsServer(DaemonMetrics(["main"]), "127.0.0.1", 0, lambda: state["now"], "host:1:abc")
    server.start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        running = _status(f"{base}/healthz")
        state["now"] = "stopping"
        stopping = _status(f"{base}/healthz")
        unknown = _status(f"{base}/nope")
        with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:
            content_type = response.headers["Content-Type"]
    finally:
        server.stop()

    assert running[0] == 200 and running[1]["portals"] == {"main": running[1]["portals"]["main"]}
    assert stopping[0] == 503 and unknown[0] == 404
    assert content_type.startswith("text/plain")
