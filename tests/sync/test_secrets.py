"""A sync with recognisable secrets, under failures and debug logging: the secrets appear nowhere we keep or print."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import (
    SF_PASSWORD,
    SF_SECURITY_TOKEN,
    SF_USER,
    SF_USER_ENV,
    TOKEN,
    TOKEN_ENV,
    config_data,
    make_sandbox,
    salesforce_portal,
    write_config,
)

pytestmark = pytest.mark.subprocess  # starts leadstage (or a racer, a browser) as processes


def _leadstage(path, env, *args):
    command = [
        sys.executable,
        "-m",
        "leadstage",
        "--log-level",
        "debug",
        "--log-format",
        "json",
        *args,
        "-c",
        str(path),
    ]
    return subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True, timeout=120, check=False)


def _everything_kept(folder):
    """Every byte leadstage keeps: the state database (with its dead letters and run errors) and its WAL."""
    return b"".join(p.read_bytes() for p in folder.glob("state.db*"))


def test_a_hubspot_token_never_appears_in_output_logs_errors_or_the_state_store(tmp_path, clock):
    box = make_sandbox(clock, contacts=60)
    try:
        path = write_config(tmp_path / "leadstage.toml", config_data(tmp_path, box.url))
        env = {TOKEN_ENV: TOKEN}
        box.hubspot.reject_writes({"101", "102"}, "Property values were not valid")  # dead letters with payloads
        box.inject("contacts.list", status=503, times=2)  # retries, logged
        box.inject("associations.batch_read", reset=True)  # a connection error, logged

        runs = [
            _leadstage(path, env, "setup"),
            _leadstage(path, env, "sync"),
            _leadstage(path, env, "explain", "101"),
            _leadstage(path, env, "dead-letters", "list", "--json"),
        ]
        wrong = _leadstage(path, {TOKEN_ENV: "pat-na1-WRONG-canary-5521"}, "check")  # refused: an error path

        assert runs[1].returncode == 1 and wrong.returncode == 2
        assert '"level": "debug"' in runs[1].stderr or '"level": "warning"' in runs[1].stderr  # logs were written
        printed = "".join(r.stdout + r.stderr for r in [*runs, wrong])
        assert TOKEN not in printed and "pat-na1-WRONG-canary-5521" not in printed
        kept = _everything_kept(tmp_path)
        assert kept and TOKEN.encode() not in kept
        assert b"Property values were not valid" in kept  # the dead letters are there, the token is not
    finally:
        box.stop()


def test_salesforce_passwords_tokens_and_session_ids_never_appear_anywhere(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, leads=40)
    issued: list[str] = []
    issue = box.salesforce.issue_session

    def issue_and_remember(username=None):
        session_id = issue(username)
        issued.append(session_id)
        return session_id

    monkeypatch.setattr(box.salesforce, "issue_session", issue_and_remember)
    try:
        data = config_data(tmp_path, box.url)
        data["portals"] = {"main": salesforce_portal(box)}
        path = write_config(tmp_path / "leadstage.toml", data)
        env = {
            SF_USER_ENV: SF_USER,
            "LEADSTAGE_TEST_SF_PASSWORD": SF_PASSWORD,
            "LEADSTAGE_TEST_SF_TOKEN": SF_SECURITY_TOKEN,
        }
        box.inject("sf.collections", status=503, times=1)
        box.salesforce.expire_sessions()

        runs = [_leadstage(path, env, "sync"), _leadstage(path, env, "check")]
        bad = _leadstage(path, {**env, "LEADSTAGE_TEST_SF_PASSWORD": "canary-password-9913"}, "check")

        assert runs[0].returncode == 0, runs[0].stderr[-2000:]
        assert bad.returncode == 2 and "INVALID_LOGIN" in bad.stderr
        printed = "".join(r.stdout + r.stderr for r in [*runs, bad])
        assert len(issued) == 2  # sync and check each logged in (the wrong password got no session)
        secrets = (SF_PASSWORD, SF_SECURITY_TOKEN, SF_PASSWORD + SF_SECURITY_TOKEN, "canary-password-9913", *issued)
        for secret in secrets:
            assert secret not in printed
            assert secret.encode() not in _everything_kept(tmp_path)
    finally:
        box.stop()
