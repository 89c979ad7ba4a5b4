"""The command line: exit codes, messages that name file and key, and the demo's promised output."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from leadstage.sync.cli import app
from tests.conftest import TOKEN, TOKEN_ENV, config_data, write_config

runner = CliRunner()


@pytest.fixture
def config_path(tmp_path, sandbox, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    return write_config(tmp_path / "leadstage.toml", config_data(tmp_path, sandbox.url))


def test_check_reports_missing_fields_then_setup_creates_them(config_path, sandbox):
    before = runner.invoke(app, ["check", "-c", str(config_path)])
    created = runner.invoke(app, ["setup", "-c", str(config_path), "--json"])
    after = runner.invoke(app, ["check", "-c", str(config_path), "--json"])

    assert before.exit_code == 1 and "run `leadstage setup`" in before.output
    assert created.exit_code == 0 and "leadstage_score" in json.loads(created.output)["created"]
    assert after.exit_code == 0 and json.loads(after.output)["missing_fields"] == []


def test_after_setup_check_is_clean_with_no_note_about_options(config_path, sandbox):
    runner.invoke(app, ["setup", "-c", str(config_path)])

    result = runner.invoke(app, ["check", "-c", str(config_path), "--json"])

    data = json.loads(result.output)
    assert result.exit_code == 0 and data["notes"] == [] and data["missing_inputs"] == [] and data["state_reachable"]


def test_check_lists_mapped_fields_the_crm_does_not_have(tmp_path, sandbox, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    data = config_data(tmp_path, sandbox.url)
    data["portals"]["main"]["fields"] = {"budget": "budget_range"}
    data["stages"]["hubspot"]["entry_dates"] = {"sal": "accepted_on"}
    path = write_config(tmp_path / "leadstage.toml", data)
    runner.invoke(app, ["setup", "-c", str(path)])

    result = runner.invoke(app, ["check", "-c", str(path)])
    as_json = runner.invoke(app, ["check", "-c", str(path), "--json"])

    assert result.exit_code == 1
    assert "the CRM has no field budget_range (mapped as 'budget'): rules on it never hold" in result.output
    assert "the CRM has no field accepted_on (a stage date field)" in result.output
    assert json.loads(as_json.output)["missing_inputs"] == ["accepted_on", "budget_range"]


def test_check_stops_with_exit_2_naming_the_key_of_a_dead_state_store(tmp_path, sandbox, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    monkeypatch.setenv("LEADSTAGE_STATE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/leadstage")
    data = config_data(tmp_path, sandbox.url)
    data["state"] = {"url_env": "LEADSTAGE_STATE_URL"}
    path = write_config(tmp_path / "leadstage.toml", data)

    result = runner.invoke(app, ["check", "-c", str(path)])

    assert result.exit_code == 2 and f"{path}:state.url_env: the state store cannot be used" in result.output
    assert sandbox.total_requests() == 0


def test_sync_prints_a_json_summary_and_exits_0(config_path, sandbox):
    runner.invoke(app, ["setup", "-c", str(config_path)])

    result = runner.invoke(app, ["sync", "-c", str(config_path), "--json"])

    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["status"] == "ok" and summary["updated"] == 150 and summary["api_calls"] > 0


def test_sync_exits_1_when_records_were_dead_lettered(config_path, sandbox):
    runner.invoke(app, ["setup", "-c", str(config_path)])
    sandbox.hubspot.reject_writes({"101"}, "Property values were not valid")

    result = runner.invoke(app, ["sync", "-c", str(config_path)])

    assert result.exit_code == 1
    assert "failed 1" in result.output and "dead-letter" in result.output


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (lambda d: d["scoring"]["fit"][0].update(regex="(unclosed"), "scoring.fit[0].regex"),
        (lambda d: d["stages"].update(mql_threshold=140), "stages.mql_threshold"),
        (lambda d: d["portals"]["main"].update(crm="pipedrive"), "portals.main.crm"),
        (lambda d: d["portals"]["main"].update(token="pat-na1-12345678"), "portals.main"),
        (lambda d: d["scoring"].update(half_life_days=-3), "scoring.half_life_days"),
        (lambda d: d["sync"].update(overlap_minuts=5), "sync.overlap_minuts"),
        (lambda d: d["scoring"]["fit"][1].update(matches="x"), "scoring.fit[1]"),  # an unknown operator
        (lambda d: d["scoring"]["engagement"][0].update(kind="pageview"), "scoring.engagement[0].kind"),
        (
            lambda d: d["stages"]["hubspot"]["signals"]["lead_status"].update(NEW="qualified"),
            "stages.hubspot.signals.lead_status.NEW",
        ),
    ],
)
def test_a_bad_config_stops_before_any_request_naming_the_key(tmp_path, sandbox, monkeypatch, edit, key):
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    data = config_data(tmp_path, sandbox.url)
    edit(data)
    path = write_config(tmp_path / "leadstage.toml", data)

    result = runner.invoke(app, ["sync", "-c", str(path)])

    assert result.exit_code == 2
    assert f"{path}:{key}" in result.output
    assert sandbox.total_requests() == 0
    assert "pat-na1-12345678" not in result.output


def test_a_missing_token_variable_is_a_config_error_naming_the_key(config_path, sandbox, monkeypatch):
    monkeypatch.delenv(TOKEN_ENV)

    result = runner.invoke(app, ["sync", "-c", str(config_path)])

    assert result.exit_code == 2
    assert f"{config_path}:portals.main.token_env: environment variable {TOKEN_ENV} is not set" in result.output
    assert sandbox.total_requests() == 0


def test_a_refused_token_exits_2_without_printing_it(config_path, sandbox, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, "pat-wrong-token-0042")

    result = runner.invoke(app, ["check", "-c", str(config_path)])

    assert result.exit_code == 2 and "401" in result.output
    assert "pat-wrong-token-0042" not in result.output


def test_a_missing_config_file_exits_2(tmp_path):
    result = runner.invoke(app, ["sync", "-c", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2 and "config file not found" in result.output


@pytest.mark.subprocess
@pytest.mark.parametrize("crm", ["hubspot", "salesforce"])
def test_the_demo_runs_the_real_sync_twice_and_the_second_run_writes_nothing(crm):
    env = {**os.environ, "PYTHONWARNINGS": "error::DeprecationWarning"}
    result = subprocess.run(
        [sys.executable, "-m", "leadstage", "demo", "--json", "--contacts", "400", "--crm", crm],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["crm"] == crm and report["contacts"] == 400
    first, second = report["runs"]
    assert set(first) >= {"pulled", "updated", "unchanged", "failed", "api_calls"}
    assert first["pulled"] == 400 and first["updated"] == 400 and first["failed"] == 0
    assert second["updated"] == 0 and second["failed"] == 0
    assert second["api_calls"] <= 8
    assert sum(report["stages"].values()) == 400
    assert report["stages"]["sal"] > 0 and report["stages"]["sql"] > 0
    if crm == "hubspot":
        assert report["stages"]["mql"] > 0


def test_check_names_stage_values_the_mapping_does_not_cover(config_path, sandbox):
    runner.invoke(app, ["setup", "-c", str(config_path)])
    options = [o["value"] for o in sandbox.hubspot.property("lifecyclestage")["options"]]
    sandbox.hubspot.set_property_options("lifecyclestage", [*options, "partner"])

    result = runner.invoke(app, ["check", "-c", str(config_path), "--json"])

    assert result.exit_code == 1
    assert json.loads(result.output)["unmapped_stage_values"] == {"lifecycle_stage": ["partner"]}


def test_salesforce_setup_explains_how_to_create_the_missing_fields(tmp_path, clock, monkeypatch):
    from tests.conftest import make_sandbox, make_sf_harness

    box = make_sandbox(clock)
    box.seed_salesforce(n_leads=5, seed=1, now=clock.now(), with_leadstage_fields=False)
    try:
        h = make_sf_harness(tmp_path, box, clock, monkeypatch)
        result = runner.invoke(app, ["setup", "-c", str(h.settings.path)])
        check = runner.invoke(app, ["check", "-c", str(h.settings.path)])
    finally:
        box.stop()

    assert result.exit_code == 0
    assert "Object Manager > Lead > Fields & Relationships > New" in result.output
    assert "LeadStage_Score__c" in result.output
    assert check.exit_code == 1 and "LeadStage_Score__c" in check.output


# What `leadstage --help` must not load: the CRM clients and their HTTP stacks, the database library and drivers,
# the scheduler (they take most of a second to import; docs/benchmarks.md has the start-up figures).
HEAVY = ("hubspot", "simple_salesforce", "sqlalchemy", "psycopg", "apscheduler", "urllib3", "requests")


@pytest.mark.subprocess
@pytest.mark.parametrize("args", [["--help"], ["--version"], ["sync", "--help"]], ids=" ".join)
def test_help_and_version_load_no_crm_client_or_database_library(args):
    probe = (
        "import sys\n"
        "from leadstage.sync.cli import main\n"
        f"sys.argv = ['leadstage', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(','.join(sorted({name.split('.')[0] for name in sys.modules})), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False)

    loaded = set(result.stderr.strip().splitlines()[-1].split(","))
    assert result.stdout.strip() and loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_tables_keep_their_full_width_when_the_output_is_not_a_terminal(config_path, sandbox):
    runner.invoke(app, ["setup", "-c", str(config_path)])
    runner.invoke(app, ["sync", "-c", str(config_path)])

    result = runner.invoke(app, ["runs", "-c", str(config_path)])

    header = next(line for line in result.output.splitlines() if "kind" in line and "started" in line)
    assert all(column in header for column in ("run", "seconds", "status", "pulled", "updated", "API calls"))
    assert max(len(line) for line in result.output.splitlines()) > 80  # not cut at a terminal's 80 columns
