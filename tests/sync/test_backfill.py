"""`leadstage backfill`: resumable recomputation, dry runs whose exported diff is what a real run writes, SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from leadstage.sync.cli import app
from tests.conftest import TOKEN, TOKEN_ENV, config_data, make_sandbox, write_config

runner = CliRunner()
SINCE = "2020-01-01"
# The tests' clock stands still, so the runs' own writes carry the very moment a default --until would end on.
UNTIL = "2030-01-01"


def _outputs(box):
    return {cid: {k: v for k, v in c.items() if k.startswith("leadstage_")} for cid, c in box.hubspot.contacts.items()}


@pytest.fixture
def portal(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, contacts=250)
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    monkeypatch.setenv("LEADSTAGE_FIXED_CLOCK", clock.now().isoformat())
    data = config_data(tmp_path, box.url)
    path = write_config(tmp_path / "leadstage.toml", data)
    assert runner.invoke(app, ["setup", "-c", str(path)]).exit_code == 0
    yield box, path, data
    box.stop()


def test_a_dry_run_writes_nothing_and_exports_exactly_what_the_real_backfill_writes(portal, tmp_path):
    box, path, data = portal
    assert runner.invoke(app, ["sync", "-c", str(path)]).exit_code == 0
    data["scoring"]["fit"][0]["points"] = 45  # the admin rewards senior titles more, then recomputes everyone
    data["stages"]["mql_threshold"] = 50
    write_config(path, data)
    before = _outputs(box)
    box.reset_counts()

    dry = runner.invoke(
        app,
        [
            "backfill",
            "-c",
            str(path),
            "--since",
            SINCE,
            "--until",
            UNTIL,
            "--dry-run",
            "--export",
            str(tmp_path / "diff.json"),
            "--json",
        ],
    )
    assert dry.exit_code == 0, dry.output
    assert "contacts.batch_update" not in box.counts()
    assert _outputs(box) == before
    exported = json.loads((tmp_path / "diff.json").read_text())
    assert json.loads(dry.output)["exported"]["records"] == len(exported) > 0

    real = runner.invoke(app, ["backfill", "-c", str(path), "--since", SINCE, "--until", UNTIL, "--json"])

    assert real.exit_code == 0, real.output
    after = _outputs(box)
    changed = {cid for cid in after if after[cid] != before[cid]}
    assert changed == {item["contact_id"] for item in exported}
    for item in exported:
        for name, value in item["values"].items():
            assert after[item["contact_id"]][f"leadstage_{name}"] == value
    assert json.loads(real.output)["updated"] == len(exported)


def test_csv_export_has_one_row_per_contact(portal, tmp_path):
    _, path, _ = portal
    result = runner.invoke(
        app,
        [
            "backfill",
            "-c",
            str(path),
            "--since",
            SINCE,
            "--until",
            UNTIL,
            "--dry-run",
            "--export",
            str(tmp_path / "diff.csv"),
        ],
    )

    assert result.exit_code == 0, result.output
    lines = (tmp_path / "diff.csv").read_text().splitlines()
    assert lines[0].startswith("contact_id,score,fit_score") and len(lines) == 251


def test_a_limited_backfill_stops_and_resume_finishes_it(portal):
    box, path, _ = portal

    first = runner.invoke(
        app, ["backfill", "-c", str(path), "--since", SINCE, "--until", UNTIL, "--limit", "100", "--json"]
    )
    again = runner.invoke(app, ["backfill", "-c", str(path), "--since", SINCE, "--until", UNTIL])
    resumed = runner.invoke(app, ["backfill", "-c", str(path), "--resume", "--json"])
    nothing = runner.invoke(app, ["backfill", "-c", str(path), "--resume"])

    assert first.exit_code == 0 and json.loads(first.output)["status"] == "stopped"
    assert json.loads(first.output)["evaluated"] == 100
    assert again.exit_code == 2 and "add --resume to continue it" in again.output
    assert resumed.exit_code == 0 and json.loads(resumed.output)["evaluated"] == 150
    assert nothing.exit_code == 2 and "no interrupted backfill" in nothing.output
    assert all("leadstage_score" in c for c in box.hubspot.contacts.values())


def test_a_backfill_waits_for_no_one_and_refuses_a_portal_someone_works(portal, tmp_path):
    box, path, data = portal
    from leadstage.sync.state import StateStore

    store = StateStore(data["state"]["url"])
    from datetime import UTC, datetime

    store.acquire_lease("main", "daemon:host:1", timedelta(minutes=10), datetime.now(UTC) + timedelta(days=3650))
    store.close()

    result = runner.invoke(app, ["backfill", "-c", str(path), "--since", SINCE, "--until", UNTIL])

    assert result.exit_code == 3 and "being worked by daemon:host:1" in result.output
    assert "contacts.batch_update" not in box.counts()


def test_bad_backfill_arguments_are_usage_errors(portal, tmp_path):
    _, path, _ = portal
    cases = [
        (["--since", "yesterday"], "give a date like"),
        (["--since", "2026-07-01", "--until", "2026-06-01"], "must be before"),
        (["--since", SINCE, "--until", UNTIL, "--export", str(tmp_path / "x.json")], "--export goes with --dry-run"),
        (
            ["--since", SINCE, "--until", UNTIL, "--dry-run", "--export", str(tmp_path / "x.txt")],
            "use a .csv, .json or .jsonl",
        ),
        (["--until", UNTIL], "give --since"),
    ]
    for args, message in cases:
        result = runner.invoke(app, ["backfill", "-c", str(path), *args])
        assert result.exit_code == 2 and message in result.output, (args, result.output)


def _backfill_process(path, clock, *args):
    env = {**os.environ, TOKEN_ENV: TOKEN, "LEADSTAGE_FIXED_CLOCK": clock.now().isoformat()}
    return subprocess.Popen(
        [sys.executable, "-m", "leadstage", "backfill", "-c", str(path), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _positions(db):
    try:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT count(*) FROM sweep_positions WHERE stream = 'backfill'").fetchone()[0]
    except sqlite3.OperationalError:  # the subprocess has not created its tables yet
        return 0


@pytest.mark.subprocess
def test_a_backfill_killed_with_sigkill_and_resumed_ends_in_the_uninterrupted_state(tmp_path, clock, monkeypatch):
    clean_box = make_sandbox(clock, contacts=600)
    killed_box = make_sandbox(clock, contacts=600, latency_ms=15)
    try:
        paths = {}
        for name, box in (("clean", clean_box), ("killed", killed_box)):
            folder = tmp_path / name
            folder.mkdir()
            paths[name] = write_config(folder / "leadstage.toml", config_data(folder, box.url))
            monkeypatch.setenv(TOKEN_ENV, TOKEN)
            monkeypatch.setenv("LEADSTAGE_FIXED_CLOCK", clock.now().isoformat())
            assert runner.invoke(app, ["setup", "-c", str(paths[name])]).exit_code == 0

        clean = _backfill_process(paths["clean"], clock, "--since", SINCE, "--until", UNTIL)
        assert clean.wait(timeout=120) == 0, clean.stderr.read()

        victim = _backfill_process(paths["killed"], clock, "--since", SINCE, "--until", UNTIL)
        db = tmp_path / "killed" / "state.db"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (db.exists() and _positions(db)):
            time.sleep(0.05)  # polling the subprocess's progress, not waiting on a retry
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        assert victim.returncode == -signal.SIGKILL
        assert _outputs(killed_box) != _outputs(clean_box)  # it really was interrupted

        resumed = _backfill_process(paths["killed"], clock, "--resume")
        assert resumed.wait(timeout=120) == 0, resumed.stderr.read()

        assert _outputs(killed_box) == _outputs(clean_box)
    finally:
        clean_box.stop()
        killed_box.stop()
