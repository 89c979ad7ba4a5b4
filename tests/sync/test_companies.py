"""Company data: a contact is scored with its company's fields (HubSpot: its primary company; Salesforce: a
Contact's Account, a Lead's own company fields), companies are read once, and a company changed between runs has
its contacts evaluated again without any change to them."""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from datetime import timedelta

from typer.testing import CliRunner

from leadstage.sync.cli import app
from leadstage.sync.config import settings_from_data
from leadstage.sync.demo.main import example_config_text
from tests.conftest import TOKEN, TOKEN_ENV, make_harness, make_sandbox, make_sf_harness, write_config

runner = CliRunner()
DAY = timedelta(days=1)
# A model that reads the company: 20 points for a target industry, 20 for 50-5,000 employees, nothing else.
COMPANY_MODEL = {
    "scoring": {
        "fit_weight": 1.0,
        "engagement_weight": 0.0,
        "fit": [
            {"name": "Target industry", "field": "company.industry", "one_of": ["COMPUTER_SOFTWARE"], "points": 20},
            {"name": "Company size", "field": "company.employees", "min": 50, "max": 5000, "points": 20},
        ],
        "engagement": [],
    },
    "bant": {"budget": [], "authority": [], "need": [], "timeline": []},
    "temperature": {"hot": {"within_days": 7, "min_points": 20}, "warm": {"within_days": 30, "min_points": 5}},
}


def _company_model(folder):
    """The example's tables, with COMPANY_MODEL's scoring, BANT and temperature and no hand-raiser rules."""
    stages = tomllib.loads(example_config_text())["stages"]
    return {**COMPANY_MODEL, "stages": {**stages, "mql_rules": []}}


def _hubspot(tmp_path, clock, monkeypatch):
    """Three people of one company that holds their firmographics; the config file carries the company model."""
    box = make_sandbox(clock)
    company = box.hubspot.add_company(
        {"name": "Acme", "domain": "acme.example", "industry": "COMPUTER_SOFTWARE", "numberofemployees": "300"}
    )
    people = [box.hubspot.add_contact({"email": f"p{i}@acme.example"}) for i in range(3)]
    for person in people:
        box.hubspot.associate(person, company, primary=True)
    h = make_harness(tmp_path, box, clock, monkeypatch, sections=_company_model(tmp_path))
    h.connector.setup()
    return box, h, company, people


def test_a_contact_is_scored_with_its_primary_company_read_once_for_all_its_people(tmp_path, clock, monkeypatch):
    box, h, company, people = _hubspot(tmp_path, clock, monkeypatch)
    try:
        box.reset_counts()
        first = h.run()
        reads = box.counts().get("companies.batch_read", 0)
        clock.advance(minutes=15)
        box.reset_counts()
        second = h.run()

        assert first.status == "ok" and reads == 1  # three people, one company, one batch read
        assert all(box.hubspot.contacts[p]["leadstage_fit_score"] == "40" for p in people)
        stored = h.store.load_contacts("main", people)[people[0]]
        assert stored.fields["company.industry"] == "COMPUTER_SOFTWARE" and stored.fields["company_id"] == company
        assert second.counts.updated == 0 and "companies.batch_read" not in box.counts()  # held by the store
    finally:
        box.stop()


def test_a_company_changed_between_runs_has_its_contacts_evaluated_again(tmp_path, clock, monkeypatch):
    box, h, company, people = _hubspot(tmp_path, clock, monkeypatch)
    try:
        h.run()
        clock.advance(hours=1)
        box.hubspot.update_company(company, {"numberofemployees": "12"})  # enrichment: a small company after all
        clock.advance(minutes=5)
        box.reset_counts()

        run = h.run()

        calls = Counter(box.counts())
        assert run.status == "ok" and run.counts.updated == 3
        assert all(box.hubspot.contacts[p]["leadstage_fit_score"] == "20" for p in people)
        assert calls["companies.search"] == 1 and calls["contacts.batch_update"] == 1
        assert "contacts.batch_read" not in calls and "companies.batch_read" not in calls  # from the store
    finally:
        box.stop()


def test_explain_says_a_value_came_from_the_company(tmp_path, clock, monkeypatch):
    box, h, company, people = _hubspot(tmp_path, clock, monkeypatch)
    try:
        h.run()
        monkeypatch.setenv(TOKEN_ENV, TOKEN)

        result = runner.invoke(app, ["explain", people[0], "-c", str(h.settings.path), "--json"])
        text = runner.invoke(app, ["explain", people[0], "-c", str(h.settings.path)])

        data = json.loads(result.stdout)
        assert data["field_sources"]["company.industry"] == f"company {company}"
        assert data["field_sources"]["email"] == "contact"
        assert f"company {company}" in text.output
    finally:
        box.stop()


def test_the_contacts_of_a_company_that_cannot_be_read_go_to_the_dead_letters(tmp_path, clock, monkeypatch):
    box, h, company, people = _hubspot(tmp_path, clock, monkeypatch)
    try:
        box.hubspot.update_company(company, {"name": "Acme " + "x" * 10_001})

        run = h.run()

        letters = h.store.dead_letters("main")
        assert run.status == "partial" and {letter["contact_id"] for letter in letters} == set(people)
        assert all(f"its company {company} cannot be read" in letter["reason"] for letter in letters)
    finally:
        box.stop()


def test_a_salesforce_contact_reads_its_account_in_the_same_query_and_follows_its_changes(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, leads=3)
    try:
        org = box.salesforce
        account = org.add("Account", {"Name": "Acme", "Industry": "Technology", "NumberOfEmployees": 300})
        people = [
            org.add("Contact", {"LastName": f"P{i}", "Email": f"p{i}@acme.example", "AccountId": account})
            for i in range(3)
        ]
        model = _company_model(tmp_path)
        model["scoring"] = json.loads(json.dumps(model["scoring"]))
        model["scoring"]["fit"][0]["one_of"] = ["Technology"]
        h = make_sf_harness(tmp_path, box, clock, monkeypatch, object="Contact")
        data = {**tomllib.loads(h.settings.path.read_text(encoding="utf-8")), **model}
        h.settings = settings_from_data(write_config(h.settings.path, data), data)
        h.portal = h.settings.portal("main")
        h.fresh_connector()
        first = h.run()
        contacts = org.records("Contact")
        scored = [contacts[p].get("LeadStage_Fit_Score__c") for p in people]
        clock.advance(hours=1)
        org.update("Account", account, {"NumberOfEmployees": 12})
        clock.advance(minutes=5)
        box.reset_counts()
        second = h.run()

        assert first.status == "ok" and scored == [40, 40, 40]
        assert second.counts.updated == 3
        assert [org.records("Contact")[p]["LeadStage_Fit_Score__c"] for p in people] == [20, 20, 20]
    finally:
        box.stop()
