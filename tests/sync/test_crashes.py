"""SIGKILL at every point of a backfill where state changes hands; each resume ends in the fault-free state.

The process is killed with SIGKILL by a failpoint (sync/failpoints.py), so there is no cleanup at all: no
finally, no lease released, no run row finished. The clock is fixed, so the clean and the resumed runs compute
the very same values, dates included.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections import Counter

import pytest

from leadstage.connectors.clock import FixedClock
from tests.conftest import START, TOKEN, TOKEN_ENV, config_data, make_sandbox, write_config

pytestmark = pytest.mark.subprocess  # starts leadstage (or a racer, a browser) as processes

SINCE, UNTIL = "2020-01-01", "2030-01-01"
CONTACTS = 300
# (failpoint, which pass of it kills): every place where a run hands state from memory to the CRM or the store.
POINTS = [
    ("run_started", 1),
    ("events_committed", 3),
    ("after_decisions", 2),
    ("before_write", 2),
    ("after_write", 2),
    ("outcome_committed", 1),
    ("before_finish", 1),
]


def _backfill(folder, clock, *args, failpoint=None):
    env = {**os.environ, TOKEN_ENV: TOKEN, "LEADSTAGE_FIXED_CLOCK": clock.now().isoformat()}
    env.pop("LEADSTAGE_FAILPOINTS", None)
    if failpoint:
        env["LEADSTAGE_FAILPOINTS"] = failpoint
    command = [sys.executable, "-m", "leadstage", "backfill", "-c", str(folder / "leadstage.toml"), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=180, check=False)


def _portal(root, name, clock):
    box = make_sandbox(clock, contacts=CONTACTS)
    folder = root / name
    folder.mkdir()
    write_config(folder / "leadstage.toml", config_data(folder, box.url))
    setup = subprocess.run(
        [sys.executable, "-m", "leadstage", "setup", "-c", str(folder / "leadstage.toml")],
        env={**os.environ, TOKEN_ENV: TOKEN},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert setup.returncode == 0, setup.stderr
    return box, folder


def _crm(box):
    return {cid: {k: v for k, v in c.items() if k.startswith("leadstage_")} for cid, c in box.hubspot.contacts.items()}


def _history(folder):
    with sqlite3.connect(folder / "state.db") as conn:
        rows = conn.execute("SELECT contact_id, from_stage, to_stage, at, source FROM stage_history").fetchall()
    return sorted(rows, key=lambda row: tuple(str(value) for value in row))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    clock = FixedClock(START)
    box, folder = _portal(tmp_path_factory.mktemp("clean"), "clean", clock)
    try:
        assert _backfill(folder, clock, "--since", SINCE, "--until", UNTIL).returncode == 0
        yield _crm(box), _history(folder)
    finally:
        box.stop()


@pytest.mark.parametrize(("point", "nth"), POINTS, ids=[p for p, _ in POINTS])
def test_a_backfill_killed_at_this_point_resumes_to_the_fault_free_state(tmp_path, reference, point, nth):
    clean_crm, clean_history = reference
    clock = FixedClock(START)
    box, folder = _portal(tmp_path, "killed", clock)
    try:
        killed = _backfill(folder, clock, "--since", SINCE, "--until", UNTIL, failpoint=f"{point}=exit@{nth}")
        assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]

        resumed = _backfill(folder, clock, "--resume")
        if resumed.returncode == 2 and "no interrupted backfill" in resumed.stderr:
            resumed = _backfill(folder, clock, "--since", SINCE, "--until", UNTIL)  # killed before the first page
        assert resumed.returncode == 0, resumed.stderr[-2000:]

        assert _crm(box) == clean_crm
        history = _history(folder)
        assert not [row for row, n in Counter(history).items() if n > 1]  # every transition recorded once
        assert history == clean_history
    finally:
        box.stop()
