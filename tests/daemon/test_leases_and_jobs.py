"""The daemon's portal jobs in process: the lease decides who works a portal; a crash does not stop the daemon."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from leadstage.sync.daemon.jobs import PortalWorker
from leadstage.sync.daemon.metrics import DaemonMetrics
from leadstage.sync.daemon.scheduler import job_specs
from tests.conftest import make_harness, make_sandbox

LEASE = timedelta(seconds=600)  # the example config's lease_seconds


def _worker(h, connector=None, stopping=lambda: False):
    metrics = DaemonMetrics(["main"])
    worker = PortalWorker(
        h.settings, h.portal, connector or h.connector, h.store, h.clock, "daemon-1", metrics, stopping
    )
    return worker, metrics


def _value(metrics, name, **labels):
    return metrics.registry.get_sample_value(name, {"portal": "main", **labels})


class Spy:
    """The real connector, with a hook after each write (and optionally a failure in the contact sweep)."""

    def __init__(self, inner, after_write=lambda: None, fail_sweep=False):
        self.inner, self.after_write, self.fail_sweep = inner, after_write, fail_sweep

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def write(self, updates):
        result = self.inner.write(updates)
        self.after_write()
        return result

    def pull_contacts(self, position):
        if self.fail_sweep:
            raise RuntimeError("bug in the sweep")
        return self.inner.pull_contacts(position)


def test_a_portal_leased_by_another_worker_is_skipped_without_a_single_request(harness):
    worker, metrics = _worker(harness)
    harness.store.acquire_lease("main", "backfill:host:1", LEASE, harness.clock.now())
    harness.box.reset_counts()

    result = worker.run("sync")

    assert result.status == "skipped" and result.exit_code == 0
    assert harness.box.total_requests() == 0 and harness.store.runs("main") == []
    assert _value(metrics, "leadstage_lease_skips_total", kind="sync") == 1
    assert harness.store.lease_holder("main", harness.clock.now()) == "backfill:host:1"


def test_an_expired_lease_of_a_crashed_worker_is_taken_over_and_given_back_after_the_run(harness):
    worker, metrics = _worker(harness)
    harness.store.acquire_lease("main", "crashed:host:2", LEASE, harness.clock.now() - 2 * LEASE)

    result = worker.run("sync")

    assert result.status == "ok" and result.summary.counts.updated == 150
    assert harness.store.lease_holder("main", harness.clock.now()) is None
    assert _value(metrics, "leadstage_runs_total", kind="sync", status="ok") == 1
    assert _value(metrics, "leadstage_records_total", kind="sync", outcome="updated") == 150


@pytest.fixture
def big(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, contacts=350)
    h = make_harness(tmp_path, box, clock, monkeypatch)
    h.connector.setup()
    yield h
    h.connector.close()
    h.store.close()
    box.stop()


def test_pages_renew_the_lease_so_a_run_longer_than_the_lease_keeps_it(big):
    stolen = []

    def slow_page():
        big.clock.advance(seconds=0.6 * LEASE.total_seconds())
        stolen.append(big.store.acquire_lease("main", "daemon-2", LEASE, big.clock.now()))

    worker, _ = _worker(big, Spy(big.connector, after_write=slow_page))

    result = worker.run("sync")

    assert result.status == "ok" and len(stolen) == 4  # four pages, 2.4 leases long in all
    assert not any(stolen)


def test_a_lost_lease_stops_the_run_after_the_page_in_hand(big):
    def stalled_page():
        big.clock.advance(seconds=LEASE.total_seconds() + 1)
        big.store.acquire_lease("main", "daemon-2", LEASE, big.clock.now())  # takes over the expired lease

    worker, _ = _worker(big, Spy(big.connector, after_write=stalled_page))

    result = worker.run("sync")

    assert result.status == "stopped" and result.summary.counts.updated == 100
    assert big.store.lease_holder("main", big.clock.now()) == "daemon-2"  # not released: it is not ours


def test_a_run_that_raises_is_logged_recorded_as_crashed_and_the_next_run_works(harness, caplog):
    broken = Spy(harness.connector, fail_sweep=True)
    worker, metrics = _worker(harness, broken)

    with caplog.at_level(logging.ERROR, logger="leadstage.sync.daemon.jobs"):
        crashed = worker.run("sync")
    broken.fail_sweep = False
    recovered = worker.run("sync")

    assert crashed.status == "crashed" and crashed.exit_code == 1
    assert any(r.exc_info and "bug in the sweep" in str(r.exc_info[1]) for r in caplog.records)
    first, second = sorted(harness.store.runs("main"), key=lambda r: r["id"])
    assert first["status"] == "crashed" and "RuntimeError: bug in the sweep" in first["error"]
    assert recovered.status == "ok" and second["status"] == "ok"
    assert _value(metrics, "leadstage_runs_total", kind="sync", status="crashed") == 1
    assert harness.store.lease_holder("main", harness.clock.now()) is None


def test_a_run_asked_to_stop_before_it_starts_does_nothing(harness):
    worker, _ = _worker(harness, stopping=lambda: True)
    harness.box.reset_counts()

    assert worker.run("sync").status == "skipped"
    assert harness.box.total_requests() == 0


def test_the_rescore_job_runs_from_the_state_store_without_reading_the_crm(harness):
    worker, metrics = _worker(harness)
    worker.run("sync")
    harness.box.reset_counts()

    result = worker.run("rescore")

    assert result.status == "ok" and result.summary.kind == "rescore"
    assert "contacts.list" not in harness.box.counts() and "contacts.search" not in harness.box.counts()
    assert _value(metrics, "leadstage_records_total", kind="rescore", outcome="pulled") == 150


NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _portal(harness, name="main", **section):
    return replace(harness.portal, name=name, section=harness.portal.section.model_copy(update=section))


def test_each_portal_gets_a_sync_now_on_its_interval_or_cron_and_a_rescore_unless_zero(harness):
    every = _portal(harness, sync_every_minutes=5, rescore_every_hours=6)
    cron = _portal(harness, "cron", sync_cron="*/15 * * * *", rescore_every_hours=0)

    specs = {spec.id: spec for spec in job_specs([every, cron], NOW, lambda portal: None)}

    assert set(specs) == {"main:sync", "main:rescore", "cron:sync"}
    assert isinstance(specs["main:sync"].trigger, IntervalTrigger)
    assert specs["main:sync"].trigger.interval == timedelta(minutes=5)
    assert specs["main:sync"].first_run == NOW and specs["cron:sync"].first_run == NOW
    assert isinstance(specs["cron:sync"].trigger, CronTrigger)
    assert str(specs["cron:sync"].trigger.timezone) == "UTC"
    assert specs["main:rescore"].trigger.interval == timedelta(hours=6)
    assert specs["main:rescore"].first_run == NOW + timedelta(hours=6)  # never rescored: after one interval


def test_the_rescore_keeps_its_rhythm_across_restarts(harness):
    portal = _portal(harness, rescore_every_hours=6)

    def due(last):
        return job_specs([portal], NOW, lambda name: last)[1].first_run

    assert due(NOW - timedelta(hours=2)) == NOW + timedelta(hours=4)
    assert due(NOW - timedelta(hours=9)) == NOW  # overdue: at once


def test_the_lease_of_a_dead_daemon_on_this_host_is_taken_over_at_once(harness):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    worker, _ = _worker(harness)
    harness.store.acquire_lease("main", f"{socket.gethostname()}:{gone.pid}:0badc0de", LEASE, harness.clock.now())

    assert worker.run("sync").status == "ok"
