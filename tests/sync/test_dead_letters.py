"""`leadstage dead-letters list|replay|drop`: nothing refused is lost, and it can be retried or closed."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from leadstage.sync.cli import app
from tests.conftest import TOKEN, TOKEN_ENV, config_data, write_config

runner = CliRunner()


@pytest.fixture
def refused(tmp_path, sandbox, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    path = write_config(tmp_path / "leadstage.toml", config_data(tmp_path, sandbox.url))
    runner.invoke(app, ["setup", "-c", str(path)])
    sandbox.hubspot.reject_writes({"101", "102", "103"}, "Property values were not valid")
    assert runner.invoke(app, ["sync", "-c", str(path)]).exit_code == 1
    return path


def _letters(path, *extra):
    return json.loads(runner.invoke(app, ["dead-letters", "list", "-c", str(path), "--json", *extra]).stdout)[
        "dead_letters"
    ]


def test_replay_writes_the_refused_records_once_the_crm_accepts_them_and_closes_their_letters(refused, sandbox):
    sandbox.hubspot.reject_writes(set(), "")

    result = runner.invoke(app, ["dead-letters", "replay", "-c", str(refused), "--all", "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["closed"] == 3 and json.loads(result.stdout)["updated"] == 3
    assert all(sandbox.hubspot.contacts[cid].get("leadstage_score") for cid in ("101", "102", "103"))
    assert _letters(refused) == []
    assert {row["resolution"] for row in _letters(refused, "--all")} == {"replayed"}


def test_a_replay_that_fails_again_keeps_the_letter_open_with_a_new_one(refused, sandbox):
    first = _letters(refused)[0]["id"]

    result = runner.invoke(app, ["dead-letters", "replay", "-c", str(refused), "--id", str(first), "--json"])

    assert result.exit_code == 1 and json.loads(result.stdout)["closed"] == 0
    assert len(_letters(refused)) == 4  # the three, and the replay's new one for the same contact


def test_drop_closes_letters_without_writing(refused, sandbox):
    ids = [row["id"] for row in _letters(refused)][:2]
    sandbox.reset_counts()

    result = runner.invoke(
        app, ["dead-letters", "drop", "-c", str(refused), "--id", str(ids[0]), "--id", str(ids[1]), "--json"]
    )

    assert json.loads(result.stdout)["dropped"] == 2
    assert len(_letters(refused)) == 1
    assert sandbox.total_requests() == 0


@pytest.mark.parametrize(("args", "message"), [([], "name dead letters with --id"), (["--id", "999"], "no open")])
def test_replay_needs_letters_named(refused, args, message):
    result = runner.invoke(app, ["dead-letters", "replay", "-c", str(refused), *args])
    assert result.exit_code == 2 and message in result.output
