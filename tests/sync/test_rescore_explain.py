"""`leadstage rescore` (decay without pulling) and `leadstage explain` (every number, with its reason)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from leadstage.sync.cli import app
from leadstage.sync.run.explain import explain
from tests.conftest import TOKEN, TOKEN_ENV, config_data, write_config

runner = CliRunner()


def _crm_scores(box):
    return {cid: c.get("leadstage_score") for cid, c in box.hubspot.contacts.items()}


def test_rescore_right_after_a_sync_changes_nothing_and_calls_nothing(harness):
    harness.run()
    harness.box.reset_counts()

    run = harness.run(rescore=True)

    assert run.kind == "rescore" and run.status == "ok"
    assert run.counts.evaluated == 150 and run.counts.updated == 0
    assert harness.box.total_requests() == 0


def test_rescore_after_a_month_writes_the_decayed_scores_without_pulling(harness):
    harness.run()
    before = _crm_scores(harness.box)
    harness.clock.advance(days=30)
    harness.box.reset_counts()

    run = harness.run(rescore=True)

    after = _crm_scores(harness.box)
    changed = {cid for cid in before if before[cid] != after[cid]}
    assert run.counts.updated > 0 and changed
    assert all(int(after[cid]) <= int(before[cid]) for cid in changed)  # decay only lowers engagement
    assert set(harness.box.counts()) == {"contacts.batch_update"}  # writes only: nothing was pulled
    harness.box.reset_counts()
    again = harness.run(rescore=True)
    assert again.counts.updated == 0 and harness.box.total_requests() == 0


def test_rescore_flags_an_mql_whose_handover_sla_ran_out(harness):
    harness.run()
    mqls = [cid for cid, c in harness.box.hubspot.contacts.items() if c.get("leadstage_funnel_stage") == "mql"]
    assert mqls
    harness.clock.advance(days=3)

    harness.run(rescore=True)

    assert all(harness.box.hubspot.contacts[cid]["leadstage_sla_breached"] == "true" for cid in mqls)


def test_a_rescore_dry_run_lists_the_changes_and_writes_nothing(harness):
    harness.run()
    harness.clock.advance(days=30)
    harness.box.reset_counts()

    run = harness.run(rescore=True, dry_run=True)

    assert run.kind == "rescore-dry-run" and run.counts.updated == len(run.planned) > 0
    assert harness.box.total_requests() == 0


def test_explain_shows_the_rules_the_values_and_the_stage_decision(harness):
    harness.run()
    target = next(
        cid
        for cid, c in harness.box.hubspot.contacts.items()
        if c.get("leadstage_funnel_stage") == "mql" and int(c["leadstage_score"]) >= 55
    )

    data = explain("main", harness.portal.model, harness.store, target, harness.clock.now())

    assert data["contact_id"] == target and data["source"].startswith("state store")
    assert data["score"]["score"] == int(harness.box.hubspot.contacts[target]["leadstage_score"])
    assert "score = round(0.5 x fit" in data["score"]["formula"] and "combine = net" in data["score"]["formula"]
    for rule in data["score"]["fit_rules"]:
        assert {"rule", "field", "value", "points"} <= set(rule)
    for rule in data["score"]["engagement_rules"]:
        assert 0 < rule["min_factor"] <= rule["max_factor"] <= 1
    assert [c["name"] for c in data["bant"]["criteria"]] == ["budget", "authority", "need", "timeline"]
    assert data["temperature"]["temperature"] in {"cold", "warm", "hot"}
    assert data["stage"]["decided"] == "mql"
    assert not any(v["changes"] for v in data["values"].values())  # the CRM already holds what a run would write
    assert [row["to_stage"] for row in data["history"]][-1] == "mql"
    json.dumps(data)


def test_explain_fresh_reads_the_crm_and_shows_what_would_change_without_writing(harness):
    harness.run()
    target = next(cid for cid, c in harness.box.hubspot.contacts.items() if c.get("leadstage_funnel_stage") == "raw")
    harness.box.hubspot.update_contact(target, {"hs_lead_status": "UNQUALIFIED"})
    harness.box.reset_counts()

    data = explain("main", harness.portal.model, harness.store, target, harness.clock.now(), harness.connector)

    assert data["source"].startswith("CRM")
    assert data["stage"]["decided"] == "disqualified"
    assert data["values"]["funnel_stage"] == {"would_write": "disqualified", "crm_now": "raw", "changes": True}
    assert "contacts.batch_update" not in harness.box.counts()


def test_explain_on_the_command_line_prints_rules_literally(tmp_path, sandbox, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    path = write_config(tmp_path / "leadstage.toml", config_data(tmp_path, sandbox.url))
    runner.invoke(app, ["setup", "-c", str(path)])
    runner.invoke(app, ["sync", "-c", str(path)])
    senior = next(cid for cid, c in sandbox.hubspot.contacts.items() if "VP" in (c.get("jobtitle") or ""))

    text = runner.invoke(app, ["explain", senior, "-c", str(path)])
    unknown = runner.invoke(app, ["explain", "999999", "-c", str(path)])

    assert text.exit_code == 0, text.output
    assert "Seniority" in text.output and "BANT grade" in text.output
    assert "[tier" in text.output  # the authority rule's trace "[tier VP: ...]", not eaten as markup
    assert unknown.exit_code == 1 and "not in the state store" in unknown.output


def test_runs_and_dead_letters_commands_list_what_happened(tmp_path, sandbox, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    path = write_config(tmp_path / "leadstage.toml", config_data(tmp_path, sandbox.url))
    runner.invoke(app, ["setup", "-c", str(path)])
    sandbox.hubspot.reject_writes({"102"}, "Property values were not valid")
    runner.invoke(app, ["sync", "-c", str(path)])

    history = runner.invoke(app, ["runs", "-c", str(path), "--json"])
    letters = runner.invoke(app, ["dead-letters", "list", "-c", str(path)])

    (run,) = json.loads(history.output)["runs"]
    assert run["status"] == "partial" and run["counts"]["failed"] == 1
    assert "contact 102" in letters.output and "Property values were not valid" in letters.output


def test_a_free_mail_address_counts_through_its_domain_and_explain_shows_the_domain_only(harness):
    harness.run()
    contacts = harness.box.hubspot.contacts
    target = next(cid for cid, c in contacts.items() if (c.get("email") or "").lower().endswith("@gmail.com"))

    data = explain("main", harness.portal.model, harness.store, target, harness.clock.now())

    stored = harness.store.load_contacts("main", [target])[target]
    assert stored.fields["email_domain"] == "gmail.com"
    fired = {rule["rule"]: rule for rule in data["score"]["fit_rules"]}
    assert fired["Free-mail address"]["field"] == "email_domain"
    assert fired["Free-mail address"]["value"] == "gmail.com"
    assert "Free-mail address -20" in contacts[target]["leadstage_score_reason"]
    assert contacts[target]["email"] not in json.dumps(data["score"])  # the address is not in the explanation


def test_explain_shows_the_tier_that_counted_and_the_group_parts_that_held_with_the_values_seen(harness):
    harness.run()
    contacts = harness.box.hubspot.contacts
    vp = next(cid for cid, c in contacts.items() if (c.get("jobtitle") or "").startswith("VP of"))
    student = next(cid for cid, c in contacts.items() if (c.get("email") or "").endswith(".edu"))

    senior = explain("main", harness.portal.model, harness.store, vp, harness.clock.now())
    pupil = explain("main", harness.portal.model, harness.store, student, harness.clock.now())

    seniority = next(rule for rule in senior["score"]["fit_rules"] if rule["rule"] == "Seniority")
    assert (seniority["tier"], seniority["points"], seniority["value"]) == ("VP", 20, contacts[vp]["jobtitle"])
    assert "Seniority: VP +20" in contacts[vp]["leadstage_score_reason"]
    authority = next(c for c in senior["bant"]["criteria"] if c["name"] == "authority")
    assert (
        authority["holds"]
        and "rule 'Seniority' in tiers C-level, VP, Director [tier VP: job_title" in (authority["reason"])
    )
    fired = next(rule for rule in pupil["score"]["fit_rules"] if rule["rule"] == "Student")
    assert fired["field"] == "job_title, email_domain" and fired["points"] == -30
    assert fired["detail"].startswith("any of [job_title 'Student' matches regex")
    assert fired["detail"].endswith("]: yes")
    assert contacts[student]["email"] not in json.dumps(pupil["score"])  # the group shows the domain, not the address


def test_the_formula_says_how_fit_and_engagement_were_combined():
    from leadstage.mapping.scoring import ScoreResult, ScoringModel
    from leadstage.sync.run.explain import formula

    net = ScoreResult(0, 0.0, 41.0, (), (), (), -40.0, 41.0, "net")
    clamped = ScoreResult(21, 0.0, 41.0, (), (), (), -40.0, 41.0, "clamped")

    assert formula(net, ScoringModel(combine="net")) == (
        "score = round(0.5 x fit -40.0 + 0.5 x engagement 41.0) within 0..100 = 0 (combine = net: negative fit "
        "points subtract from engagement; only the total is clamped)"
    )
    assert formula(clamped, ScoringModel()) == (
        "score = round(0.5 x fit 0.0 + 0.5 x engagement 41.0) = 21 (combine = clamped: fit -40.0 and engagement "
        "41.0 each clamped to 0..100 first)"
    )


def test_explain_on_the_command_line_shows_tiers_group_details_and_the_combine_mode(tmp_path, sandbox, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    path = write_config(tmp_path / "leadstage.toml", config_data(tmp_path, sandbox.url))
    runner.invoke(app, ["setup", "-c", str(path)])
    runner.invoke(app, ["sync", "-c", str(path)])
    student = next(cid for cid, c in sandbox.hubspot.contacts.items() if (c.get("email") or "").endswith(".edu"))

    text = runner.invoke(app, ["explain", student, "-c", str(path)], terminal_width=400)

    assert text.exit_code == 0, text.output
    assert "combine = net" in text.output and "written as parts (each 0..100)" in text.output
    assert "any of [job_title 'Student'" in text.output and "Student" in text.output
