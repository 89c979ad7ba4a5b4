"""Runs that would collide: two writers on one portal, a writer waiting its turn, SIGTERM in the middle of a CLI
run, and runs whose process died. Every writer holds the portal's lease; nothing is written twice.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from leadstage.sync.cli import app
from leadstage.sync.cli.common import EXIT_BUSY, FIXED_CLOCK_ENV
from leadstage.sync.run.engine import SyncRun
from leadstage.sync.run.types import RESCORE_BATCH
from leadstage.sync.state import StateStore
from tests.conftest import TOKEN, TOKEN_ENV, config_data, make_harness, make_sandbox, write_config
from tests.daemon.support import prepare_portal, real_sandbox, wait_until

runner = CliRunner()
CONTACTS = 300
WRITE_BATCH = 100


def _portal(tmp_path, box, state_url=None, **portal):
    data = config_data(tmp_path, box.url)
    if state_url is not None:
        data["state"] = {"url": state_url}
    data["portals"]["main"].update(portal)
    path = write_config(tmp_path / "leadstage.toml", data)
    prepare_portal(path)
    return path


def _env(**extra):
    env = {key: value for key, value in os.environ.items() if key != "LEADSTAGE_FAILPOINTS"}
    return {**env, TOKEN_ENV: TOKEN, **extra}


def _leadstage(*args, **env):
    command = [sys.executable, "-m", "leadstage", *args]
    return subprocess.Popen(command, env=_env(**env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.subprocess
def test_two_syncs_started_at_the_same_moment_never_write_a_contact_twice(state_url, tmp_path, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    box = real_sandbox(CONTACTS, latency_ms=2)
    try:
        path = _portal(tmp_path, box, state_url)
        box.reset_counts()
        racers = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.sync.at_once", "sync", "-c", str(path), "--json"],
                env=_env(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        for racer in racers:  # both loaded
            assert racer.stdout is not None and racer.stdout.readline().strip() == "ready"
        for racer in racers:  # then both start at once
            assert racer.stdin is not None
            racer.stdin.write("go\n")
            racer.stdin.flush()
        results = [racer.communicate(timeout=120) for racer in racers]
        codes = sorted(racer.returncode for racer in racers)

        assert codes in ([0, EXIT_BUSY], [0, 0]), results
        busy = [err for racer, (_, err) in zip(racers, results, strict=True) if racer.returncode == EXIT_BUSY]
        assert all("is being worked by sync:" in err and "--wait" in err for err in busy)
        updated = [
            json.loads(out)["updated"] for racer, (out, _) in zip(racers, results, strict=True) if not racer.returncode
        ]
        assert sorted(updated)[-1] == CONTACTS and sum(updated) == CONTACTS  # each contact written once
        writes = Counter(r.endpoint for r in box.request_log)["contacts.batch_update"]
        assert writes == CONTACTS // WRITE_BATCH
        store = StateStore(state_url)
        history = store.history("main")
        store.close()
        moves = Counter((row["contact_id"], row["from_stage"], row["to_stage"]) for row in history)
        assert history and max(moves.values()) == 1  # every transition recorded once
    finally:
        box.stop()


def test_a_second_writer_gives_up_at_once_or_waits_its_turn_with_wait(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, contacts=20)
    try:
        monkeypatch.setenv(TOKEN_ENV, TOKEN)
        monkeypatch.setenv(FIXED_CLOCK_ENV, clock.now().isoformat())
        path = _portal(tmp_path, box)
        store = StateStore(f"sqlite:///{tmp_path / 'state.db'}")
        store.acquire_lease("main", "daemon:elsewhere:7:abc", timedelta(minutes=10), clock.now())
        box.reset_counts()

        at_once = runner.invoke(app, ["sync", "-c", str(path)])
        too_short = runner.invoke(app, ["rescore", "-c", str(path), "--wait", "60"])
        requests_while_busy, runs_while_busy = box.total_requests(), store.runs("main")
        # The fixed clock moves only when the command sleeps: waiting 15 minutes outlasts the 10-minute lease.
        waited = runner.invoke(app, ["sync", "-c", str(path), "--wait", "900", "--json"])

        assert at_once.exit_code == EXIT_BUSY and "being worked by daemon:elsewhere:7:abc" in at_once.output
        assert too_short.exit_code == EXIT_BUSY and "after waiting 60 s" in too_short.output
        assert requests_while_busy == 0 and runs_while_busy == []  # gave up before doing anything
        assert waited.exit_code == 0, waited.output
        assert json.loads(waited.stdout)["updated"] == 20
        assert store.lease_holder("main", clock.now()) is None  # given back at the end
        store.close()
    finally:
        box.stop()


def test_the_same_move_decided_twice_is_recorded_once_whatever_moment_each_run_called_now(
    tmp_path, clock, sandbox, monkeypatch
):
    h = make_harness(tmp_path, sandbox, clock, monkeypatch)
    h.connector.setup()
    h.run()
    stored = h.store.load_contacts("main", list(sandbox.hubspot.contacts))
    raw = next(cid for cid, contact in stored.items() if contact.stage.stage.value == "raw")
    # Two runs that both loaded this raw contact before either committed decide its promotion at their own now.
    from leadstage.mapping.model import Stage, Transition, TransitionSource

    since = stored[raw].stage.entered_at(Stage.RAW)
    moves = [
        Transition(
            raw,
            Stage.RAW,
            Stage.MQL,
            clock.now() + timedelta(seconds=s),
            "score",
            TransitionSource.COMPUTED,
            "computed",
            since,
        )
        for s in (1, 7)
    ]
    with h.store.transaction() as conn:
        h.store.add_transitions(conn, "main", moves[:1], 1)
    with h.store.transaction() as conn:
        h.store.add_transitions(conn, "main", moves[1:], 2)

    rows = [row for row in h.store.history("main", raw) if row["to_stage"] == "mql"]
    assert len(rows) == 1 and rows[0]["at"] == moves[0].at
    h.connector.close()
    h.store.close()


def test_a_run_that_crashes_in_process_is_recorded_as_crashed_with_why(harness, monkeypatch):
    def broken(self):
        raise RuntimeError("state of the art bug")

    monkeypatch.setattr(SyncRun, "_sweep_contacts", broken)

    with pytest.raises(RuntimeError):
        harness.run()

    (run,) = harness.store.runs("main")
    assert run["status"] == "crashed" and run["error"] == "RuntimeError: state of the art bug"


@pytest.mark.subprocess
def test_a_run_killed_with_sigkill_is_marked_crashed_by_runs_and_the_next_run_takes_over(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, contacts=150)
    try:
        monkeypatch.setenv(TOKEN_ENV, TOKEN)
        path = _portal(tmp_path, box, page_size=50)
        store = StateStore(f"sqlite:///{tmp_path / 'state.db'}")
        fixed = {FIXED_CLOCK_ENV: clock.now().isoformat()}

        killed = _leadstage("sync", "-c", str(path), **fixed, LEADSTAGE_FAILPOINTS="after_decisions=exit@2")
        killed.communicate(timeout=60)
        left_running = store.runs("main")[0]["status"]
        listed = subprocess.run(
            [sys.executable, "-m", "leadstage", "runs", "-c", str(path), "--json"],
            env=_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        killed_again = _leadstage("sync", "-c", str(path), **fixed, LEADSTAGE_FAILPOINTS="after_decisions=exit@1")
        killed_again.communicate(timeout=60)
        finished = _leadstage("sync", "-c", str(path), "--json", **fixed)
        out, err = finished.communicate(timeout=60)

        assert killed.returncode == -signal.SIGKILL and left_running == "running"
        assert listed.returncode == 0 and json.loads(listed.stdout)["runs"][0]["status"] == "crashed"
        assert finished.returncode == 0, err  # the dead process's lease was taken over at once
        statuses = [run["status"] for run in store.runs("main")]
        assert statuses == ["ok", "crashed", "crashed"]  # newest first: the next run closed the second one
        assert json.loads(out)["status"] == "ok"
        store.close()
    finally:
        box.stop()


@pytest.mark.subprocess
@pytest.mark.parametrize("command", ["sync", "rescore"])
def test_sigterm_on_a_cli_run_finishes_the_page_in_hand_exits_0_and_the_next_run_continues(
    tmp_path, monkeypatch, command
):
    box = real_sandbox(1_000, latency_ms=5)
    try:
        monkeypatch.setenv(TOKEN_ENV, TOKEN)
        path = _portal(tmp_path, box, page_size=100)
        store = StateStore(f"sqlite:///{tmp_path / 'state.db'}")
        if command == "rescore":  # a first sync fills the store; a month later every score has decayed
            assert (
                subprocess.run(
                    [sys.executable, "-m", "leadstage", "sync", "-c", str(path)],
                    env=_env(),
                    capture_output=True,
                    timeout=120,
                    check=False,
                ).returncode
                == 0
            )
        later = {FIXED_CLOCK_ENV: "2099-01-01T00:00:00+00:00"} if command == "rescore" else {}
        box.reset_counts()

        process = _leadstage(command, "-c", str(path), "--json", **later)
        wait_until(lambda: Counter(r.endpoint for r in box.request_log)["contacts.batch_update"] >= 2, "two writes")
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
        stopped = json.loads(out)
        again = _leadstage(command, "-c", str(path), "--json", **later)
        out_again, err_again = again.communicate(timeout=120)

        assert process.returncode == 0, err
        assert stopped["status"] == "stopped" and 0 < stopped["updated"] < 1_000
        assert stopped["pulled"] % (100 if command == "sync" else RESCORE_BATCH) == 0  # whole pages only
        finished = json.loads(out_again)
        assert again.returncode == 0 and finished["status"] == "ok", err_again
        if command == "sync":
            assert stopped["updated"] + finished["updated"] == 1_000  # the next run did the rest, nothing twice
        else:  # a rescore starts over from the store: after the second one, nothing is left to write
            check = runner.invoke(app, ["rescore", "-c", str(path), "--dry-run", "--json"], env=later)
            assert json.loads(check.stdout)["updated"] == 0
        store.close()
    finally:
        box.stop()
