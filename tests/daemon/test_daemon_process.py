"""``leadstage daemon`` as the real process: stopped by SIGTERM mid-run, restarted, observed through /metrics."""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from urllib.parse import parse_qs

import pytest
from prometheus_client.parser import text_string_to_metric_families

from leadstage.mapping.values import OUTPUT_KINDS, same_value
from leadstage.sync.state import StateStore
from tests.conftest import TOKEN
from tests.daemon.support import (
    DaemonProcess,
    daemon_config,
    free_port,
    prepare_portal,
    real_sandbox,
    wait_until,
    write_config,
)

pytestmark = pytest.mark.subprocess  # starts leadstage (or a racer, a browser) as processes

CONTACTS = 2_000
PAGE = 100  # the HubSpot list page the first (full) sweep walks


def _written(box):
    """Contacts the sandbox holds leadstage values for, with those values."""
    with box.hubspot.lock:
        return {
            cid: {k: v for k, v in props.items() if k.startswith("leadstage_") and v not in (None, "")}
            for cid, props in box.hubspot.contacts.items()
            if props.get("leadstage_score") not in (None, "")
        }


def _list_requests(box):
    return [parse_qs(r.query) for r in box.request_log if r.endpoint == "contacts.list"]


def test_sigterm_mid_run_commits_the_page_in_hand_exits_0_and_the_next_start_continues(tmp_path, monkeypatch):
    box = real_sandbox(CONTACTS, latency_ms=5)
    daemon = None
    try:
        monkeypatch.setenv("LEADSTAGE_TEST_TOKEN", TOKEN)
        path = write_config(tmp_path / "leadstage.toml", daemon_config(tmp_path, box.url))
        prepare_portal(path)
        store = StateStore(f"sqlite:///{tmp_path / 'state.db'}")

        daemon = DaemonProcess(path)
        wait_until(lambda: store.load_position("main", "contacts"), "the first page to commit")
        stopped_code = daemon.stop()
        stopped_run = store.runs("main")[0]
        position = store.load_position("main", "contacts")
        written = _written(box)
        state = store.load_contacts("main", list(box.hubspot.contacts))

        assert stopped_code == 0, daemon.log_text()
        assert stopped_run["status"] == "stopped" and stopped_run["kind"] == "sync"
        done = stopped_run["counts"]["pulled"]
        assert 0 < done < CONTACTS and done % PAGE == 0  # whole pages only
        assert stopped_run["counts"]["updated"] == done
        # No page half-written: the sandbox's written contacts, the state rows and the position agree.
        assert position is not None and not position.done
        assert set(written) == set(state) == {cid for cid in box.hubspot.contacts if int(cid) < int(position.after)}
        for cid, values in written.items():  # what the CRM holds is what the state says was written
            stored = {name: value for name, value in state[cid].written.items() if name in OUTPUT_KINDS}
            names = set(stored) | {crm.removeprefix("leadstage_") for crm in values}
            assert "score" in names and names <= set(OUTPUT_KINDS)
            for n in names:
                assert same_value(OUTPUT_KINDS[n], values.get(f"leadstage_{n}", ""), stored.get(n, "")), (cid, n)
        assert store.lease_holder("main", stopped_run["ended_at"]) is None  # the lease was given back

        box.reset_counts()
        again = DaemonProcess(path, "--once", log_name="once")
        resumed_code = again.wait()
        resumed_run = store.runs("main")[0]
        lists = _list_requests(box)

        assert resumed_code == 0, again.log_text()
        assert resumed_run["status"] == "ok" and resumed_run["id"] == stopped_run["id"] + 1
        assert resumed_run["counts"]["pulled"] == CONTACTS - done
        assert lists[0]["after"] == [position.after]  # continues at the stored position...
        assert all("after" in query for query in lists)  # ...and never reads the first pages again
        assert len(lists) == math.ceil((CONTACTS - done) / PAGE)
        assert len(_written(box)) == CONTACTS and store.count_contacts("main") == CONTACTS
        store.close()
    finally:
        if daemon is not None:
            daemon.kill()
        box.stop()


def _samples(text):
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.endswith("_created"):
                continue
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode()


def test_metrics_parse_as_prometheus_text_and_match_the_run_summary_and_healthz_names_the_portal(tmp_path, monkeypatch):
    box = real_sandbox(150)
    daemon = None
    try:
        monkeypatch.setenv("LEADSTAGE_TEST_TOKEN", TOKEN)
        port = free_port()
        path = write_config(tmp_path / "leadstage.toml", daemon_config(tmp_path, box.url, metrics_port=port))
        prepare_portal(path)
        store = StateStore(f"sqlite:///{tmp_path / 'state.db'}")
        box.inject("contacts.batch_update", status=429, times=1, headers={"Retry-After": "0"})
        base = f"http://127.0.0.1:{port}"
        ok_runs = ("leadstage_runs_total", (("kind", "sync"), ("portal", "main"), ("status", "ok")))

        daemon = DaemonProcess(path)
        wait_until(lambda: [r for r in store.runs("main") if r["status"] != "running"], "the first run to finish")
        metrics = wait_until(
            lambda: (m := _samples(_get(f"{base}/metrics")[2])).get(ok_runs) == 1 and m, "the run in /metrics"
        )
        status, content_type, body = _get(f"{base}/healthz")
        run = store.runs("main")[0]

        def sample(name, **labels):
            return metrics[(name, tuple(sorted({"portal": "main", **labels}.items())))]

        assert run["status"] == "ok"
        for outcome in ("pulled", "updated", "unchanged", "failed"):
            assert sample("leadstage_records_total", kind="sync", outcome=outcome) == run["counts"][outcome]
        assert sample("leadstage_api_calls_total", kind="sync") == run["counts"]["api_calls"] > 0
        assert sample("leadstage_rate_limited_total") == 1
        assert sample("leadstage_lease_skips_total", kind="sync") == 0
        assert sample("leadstage_runs_total", kind="sync", status="failed") == 0
        assert sample("leadstage_last_success_timestamp_seconds", kind="sync") == pytest.approx(
            run["ended_at"].timestamp(), abs=1e-3
        )
        assert sample("leadstage_last_run_duration_seconds", kind="sync") == pytest.approx(run["duration_s"], abs=1e-3)
        assert status == 200 and content_type.startswith("application/json")
        health = json.loads(body)
        assert health["scheduler"] == "running"
        assert health["portals"]["main"]["last_status"] == "ok"
        assert health["portals"]["main"]["last_run_id"] == run["id"]
        assert daemon.stop() == 0
        store.close()
    finally:
        if daemon is not None:
            daemon.kill()
        box.stop()
