"""One poisoned record, at any stage of the pipeline, costs that record alone: it is dead-lettered with its reason,
every other contact of its page is scored and written, and the next run (dry or not) does not stall on it.

Some poisons come from the CRM's data (a date beyond any calendar, a record without properties, a missing
required field); others stand for a bug that shows on one record only, injected where that stage runs.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from typer.testing import CliRunner

import leadstage.connectors.hubspot.connector as hubspot_connector
import leadstage.sync.run.engine as engine
from leadstage.sync.cli import app
from tests.conftest import TOKEN, TOKEN_ENV, config_data, make_harness, make_sandbox, write_config

runner = CliRunner()

N = 40
VICTIM = "105"
BEYOND_ANY_CALENDAR = "99999999999999999999"  # epoch ms: datetime.fromtimestamp raises OSError (EOVERFLOW)


def _bug_for_the_victim(function):
    """``function``, except that for the victim it fails the way a bug would."""

    def wrapped(*args, **kwargs):
        if any(getattr(arg, "id", None) == VICTIM or arg == VICTIM for arg in args):
            raise ZeroDivisionError("division by zero")
        return function(*args, **kwargs)

    return wrapped


def _read(box, monkeypatch):
    box.hubspot.corrupt(VICTIM, properties=None)


def _convert_a_date_beyond_any_calendar(box, monkeypatch):
    box.hubspot.corrupt(VICTIM, updatedAt=None, properties={"lastmodifieddate": BEYOND_ANY_CALENDAR})


def _convert_a_bad_stage_date(box, monkeypatch):
    box.hubspot.corrupt(VICTIM, properties={"hs_lifecyclestage_subscriber_date": BEYOND_ANY_CALENDAR})


def _convert_bug(box, monkeypatch):
    original = hubspot_connector.to_contact

    def to_contact(obj, *args, **kwargs):
        if obj.get("id") == VICTIM:
            raise KeyError("hs_object_id")
        return original(obj, *args, **kwargs)

    monkeypatch.setattr(hubspot_connector, "to_contact", to_contact)


def _validate(box, monkeypatch):
    box.hubspot.corrupt(VICTIM, properties={"email": None})


def _evaluate_bug(box, monkeypatch):
    monkeypatch.setattr(engine, "evaluate", _bug_for_the_victim(engine.evaluate))


def _diff_bug(box, monkeypatch):
    monkeypatch.setattr(engine, "diff", _bug_for_the_victim(engine.diff))


def _write_unwritable_value(box, monkeypatch):
    original = engine.diff

    def diff(contact, previous, evaluation, promotion):
        update, record = original(contact, previous, evaluation, promotion)
        if contact.id == VICTIM and update is not None:  # a value no CRM field stands for (a bug)
            update = replace(update, values={**update.values, "no_such_output": "1"})
        return update, record

    monkeypatch.setattr(engine, "diff", diff)


def _write_refused(box, monkeypatch):
    box.hubspot.reject_writes({VICTIM}, "Property values were not valid: leadstage_grade")


STAGES = {
    "read: a record without properties": (_read, "read", "the record has no properties"),
    "convert: lastmodifieddate beyond any calendar": (
        _convert_a_date_beyond_any_calendar,
        "read",
        "updatedAt is not a valid date: '99999999999999999999'",
    ),
    "convert: a stage date beyond any calendar": (
        _convert_a_bad_stage_date,
        "read",
        "property hs_lifecyclestage_subscriber_date is not a valid date",
    ),
    "convert: a bug on one record": (_convert_bug, "read", "cannot be read: KeyError: 'hs_object_id'"),
    "validate: a required field missing": (_validate, "validate", "email is missing"),
    "evaluate: a bug on one record": (_evaluate_bug, "evaluate", "evaluate failed: ZeroDivisionError"),
    "diff: a bug on one record": (_diff_bug, "diff", "diff failed: ZeroDivisionError"),
    "write: a value the CRM cannot take": (
        _write_unwritable_value,
        "write",
        "cannot be written: KeyError: 'no_such_output'",
    ),
    "write: refused by the CRM": (_write_refused, "write", "Property values were not valid"),
}


@pytest.mark.parametrize("stage", list(STAGES))
def test_a_poisoned_record_costs_only_itself_at_every_stage_and_never_stalls_the_portal(
    tmp_path, clock, monkeypatch, stage
):
    box = make_sandbox(clock, contacts=N)
    try:
        h = make_harness(tmp_path, box, clock, monkeypatch)
        h.connector.setup()
        poison, phase, reason = STAGES[stage]
        poison(box, monkeypatch)

        dry = h.run(dry_run=True)
        run = h.run()
        again = h.run(full=True)

        writes = phase == "write"  # a dry run writes nothing, so meets no write-stage poison
        assert dry.counts.failed == (0 if writes else 1) and dry.status == ("ok" if writes else "partial")
        assert run.status == "partial" and run.exit_code == 1
        assert run.counts.pulled == N and run.counts.failed == 1 and run.counts.evaluated == N - (not writes)
        letters = h.store.dead_letters("main")
        assert {letter["contact_id"] for letter in letters} == {VICTIM}
        assert letters[0]["phase"] == phase and reason in letters[0]["reason"]
        others = [cid for cid in box.hubspot.contacts if cid != VICTIM]
        assert all(box.hubspot.contacts[cid].get("leadstage_score") for cid in others)  # the page went through
        assert again.status == "partial" and again.counts.failed == 1  # the next run is not stuck on it
    finally:
        box.stop()


def test_a_regex_that_would_backtrack_for_hours_passes_check_and_the_sync_runs_through(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, contacts=N)
    try:
        monkeypatch.setenv(TOKEN_ENV, TOKEN)
        data = config_data(tmp_path, box.url)
        data["scoring"]["fit"].append({"name": "Aaah", "field": "job_title", "regex": "(a+)+$", "points": 5})
        path = write_config(tmp_path / "leadstage.toml", data)
        box.hubspot.corrupt(VICTIM, properties={"jobtitle": "a" * 40 + "!"})
        runner.invoke(app, ["setup", "-c", str(path)])

        checked = runner.invoke(app, ["check", "-c", str(path)])
        synced = runner.invoke(app, ["sync", "-c", str(path), "--json"])

        assert checked.exit_code == 0, checked.output
        assert synced.exit_code == 0 and json.loads(synced.stdout)["updated"] == N
        assert box.hubspot.contacts[VICTIM]["leadstage_score"]
    finally:
        box.stop()
