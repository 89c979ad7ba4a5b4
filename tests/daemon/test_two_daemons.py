"""Two daemons on one state store: each portal is worked by one of them at a time, and both get work done."""

from __future__ import annotations

import copy
import signal
from itertools import pairwise

import pytest

from leadstage.sync.state import StateStore
from tests.daemon.support import DaemonProcess, daemon_config, prepare_portal, real_sandbox, wait_until, write_config

pytestmark = pytest.mark.subprocess  # starts leadstage (or a racer, a browser) as processes

TOKEN_A, TOKEN_B = "daemon-a-token-51c2", "daemon-b-token-93d7"  # tell the daemons apart in the request logs
STATE_URL_ENV = "LEADSTAGE_TEST_STATE_URL"


def _config(tmp_path, busy_url, quiet_url):
    """p1: a long first run (latency) and a sync every 1.2 s; p2: quick, every 10 minutes."""
    data = daemon_config(tmp_path, busy_url)
    data["state"] = {"url_env": STATE_URL_ENV}
    main = data["portals"].pop("main")
    data["portals"] = {
        "p1": {**copy.deepcopy(main), "sync_every_minutes": 0.02},
        "p2": {**copy.deepcopy(main), "base_url": quiet_url, "sync_every_minutes": 10},
    }
    return write_config(tmp_path / "leadstage.toml", data)


def _finished(store, portal):
    return [r for r in store.runs(portal, limit=1000) if r["status"] != "running"]


def _assert_one_worker_at_a_time(store, portal, box):
    """Runs of the portal never overlap, and every request the CRM saw belongs to one run of one daemon."""
    runs = sorted(store.runs(portal, limit=1000), key=lambda r: r["started_at"])
    assert runs and all(r["status"] in ("ok", "stopped") for r in runs), runs
    spans = [(r["started_at"].timestamp(), r["ended_at"].timestamp()) for r in runs]
    for (_, previous_end), (start, _) in pairwise(spans):
        assert previous_end <= start
    tokens_per_run: list[set[str]] = [set() for _ in spans]
    for request in box.request_log:
        owner = [i for i, (start, end) in enumerate(spans) if start <= request.at <= end]
        assert len(owner) == 1, f"{request.endpoint} at {request.at} is outside every run of {portal}"
        tokens_per_run[owner[0]].add(request.token)
    assert all(len(tokens) == 1 for tokens in tokens_per_run if tokens)
    return [tokens.pop() for tokens in tokens_per_run if tokens]


def test_two_daemons_share_the_portals_through_leases_and_never_work_one_portal_together(
    tmp_path, monkeypatch, state_url
):
    busy, quiet = (
        real_sandbox(1_500, latency_ms=10, tokens=(TOKEN_A, TOKEN_B)),
        real_sandbox(80, tokens=(TOKEN_A, TOKEN_B)),
    )
    daemons: list[DaemonProcess] = []
    try:
        monkeypatch.setenv(STATE_URL_ENV, state_url)
        monkeypatch.setenv("LEADSTAGE_TEST_TOKEN", TOKEN_A)
        path = _config(tmp_path, busy.url, quiet.url)
        for portal in ("p1", "p2"):
            prepare_portal(path, portal)
        for box in (busy, quiet):
            box.reset_counts()
        store = StateStore(state_url)

        a = DaemonProcess(path, token=TOKEN_A, log_name="a")
        daemons.append(a)
        wait_until(lambda: _finished(store, "p2") and store.load_position("p1", "contacts"), "daemon A at work")
        b = DaemonProcess(path, token=TOKEN_B, log_name="b")
        daemons.append(b)
        wait_until(lambda: len(_finished(store, "p2")) == 2, "daemon B to sync p2")
        skip = wait_until(
            lambda: [e for e in b.logs() if e.get("portal") == "p1" and "skipped" in e["message"]], "B to skip p1"
        )
        wait_until(lambda: len(_finished(store, "p1")) >= 2, "p1's first run to end and another to follow")
        for daemon in daemons:
            daemon.proc.send_signal(signal.SIGTERM)
        codes = [daemon.wait() for daemon in daemons]

        assert codes == [0, 0], [d.log_text() for d in daemons]
        assert f":{a.pid}:" in skip[0]["message"]  # B saw A's lease on p1, mid-run
        p1_workers = _assert_one_worker_at_a_time(store, "p1", busy)
        p2_workers = _assert_one_worker_at_a_time(store, "p2", quiet)
        assert p1_workers[0] == TOKEN_A
        assert p2_workers == [TOKEN_A, TOKEN_B]  # both daemons did work
        assert store.lease_holder("p1", store.runs("p1")[0]["ended_at"]) is None
        store.close()
    finally:
        for daemon in daemons:
            daemon.kill()
        busy.stop()
        quiet.stop()
