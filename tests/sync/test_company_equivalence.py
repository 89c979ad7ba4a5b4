"""The shipped model scores a person the same wherever the portal keeps their company's firmographics: on the
HubSpot contact, on its associated company, or partly on each; on a Salesforce Lead, or on a Contact's Account.

The records are made in the sandboxes, synced with the example config, and the scores read back through the CRMs'
APIs with the real clients.
"""

from __future__ import annotations

import json

import pytest
from hubspot import HubSpot
from simple_salesforce import Salesforce
from typer.testing import CliRunner

from leadstage.sandbox import salesforce_session
from leadstage.sync.cli import app
from tests.conftest import (
    SF_PASSWORD,
    SF_SECURITY_TOKEN,
    SF_USER,
    TOKEN,
    make_harness,
    make_sandbox,
    make_sf_harness,
)

# One person: a VP at a 300-people software company in the United States with 20M revenue.
PERSON = {"jobtitle": "VP of Sales", "phone": "+1 555 0100"}
ON_CONTACT = {
    "industry": "Software",
    "numemployees": "100-500",
    "annualrevenue": "20000000",
    "country": "United States",
}
ON_COMPANY = {
    "industry": "COMPUTER_SOFTWARE",
    "numberofemployees": "300",
    "annualrevenue": "20000000",
    "country": "United States",
}
runner = CliRunner()
HUBSPOT_SCORES = ("leadstage_fit_score", "leadstage_score", "leadstage_grade")
SALESFORCE_SCORES = ("LeadStage_Fit_Score__c", "LeadStage_Score__c", "LeadStage_Grade__c")


def _hubspot_scores(box, ids: list[str]) -> list[tuple[str, ...]]:
    client = HubSpot(access_token=TOKEN, host=box.url)
    read = [client.crm.contacts.basic_api.get_by_id(i, properties=list(HUBSPOT_SCORES)) for i in ids]
    return [tuple(contact.properties[name] for name in HUBSPOT_SCORES) for contact in read]


def test_hubspot_firmographics_on_the_contact_on_the_company_or_split_score_the_same(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock)
    try:
        portal = box.hubspot
        on_contact = portal.add_contact({"email": "ann@acme.example", **PERSON, **ON_CONTACT})
        on_company = portal.add_contact({"email": "bob@globex.example", **PERSON})
        globex = portal.add_company({"name": "Globex", "domain": "globex.example", **ON_COMPANY})
        portal.associate(on_company, globex)
        # enrichment has not filled this company yet: the contact's own values stand in
        split = portal.add_contact({"email": "cyd@initech.example", **PERSON, **ON_CONTACT})
        initech = portal.add_company({"name": "Initech", "domain": "initech.example", "country": "United States"})
        portal.associate(split, initech)
        h = make_harness(tmp_path, box, clock, monkeypatch)
        h.connector.setup()

        run = h.run()

        scores = _hubspot_scores(box, [on_contact, on_company, split])
        explained = runner.invoke(app, ["explain", split, "-c", str(h.settings.path), "--json"])
        sources = json.loads(explained.stdout)["field_sources"]
        assert run.status == "ok"
        assert scores[0] == scores[1] == scores[2]
        assert int(scores[0][0]) >= 60  # industry, size, revenue, country and the VP all counted
        assert sources["company.industry"] == f"contact's own industry (company {initech} has none)"
        assert sources["company.country"] == f"company {initech}"
    finally:
        box.stop()


def test_hubspot_company_values_win_over_the_contacts_own(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock)
    try:
        portal = box.hubspot
        # the contact still says software; the company was enriched since: a 12-people retailer
        person = portal.add_contact({"email": "dee@shop.example", **PERSON, **ON_CONTACT})
        shop = portal.add_company({"name": "Shop", "industry": "RETAIL", "numberofemployees": "12"})
        portal.associate(person, shop)
        alone = portal.add_contact({"email": "eve@acme.example", **PERSON, **ON_CONTACT})
        h = make_harness(tmp_path, box, clock, monkeypatch)
        h.connector.setup()

        h.run()

        (shop_scores, alone_scores) = _hubspot_scores(box, [person, alone])
        assert int(alone_scores[0]) - int(shop_scores[0]) == 40  # no target industry (20), no target size (20)
    finally:
        box.stop()


@pytest.fixture
def salesforce(clock):
    box = make_sandbox(clock, leads=1)  # with the LeadStage_*__c fields
    yield box
    box.stop()


def _salesforce_scores(box, object_name: str, record_id: str) -> tuple[str, ...]:
    sf = Salesforce(
        username=SF_USER, password=SF_PASSWORD, security_token=SF_SECURITY_TOKEN, session=salesforce_session(box.url)
    )
    record = getattr(sf, object_name).get(record_id)
    return tuple(str(record[name]) for name in SALESFORCE_SCORES)


def test_the_same_people_as_salesforce_leads_or_contacts_with_an_account_score_the_same(
    tmp_path, clock, monkeypatch, salesforce
):
    org = salesforce.salesforce
    firm = {"Industry": "Technology", "NumberOfEmployees": 300, "AnnualRevenue": 20000000}
    person = {"Title": "VP of Sales", "Phone": "+1 555 0100"}
    lead = org.add(
        "Lead",
        {"LastName": "Ann", "Email": "ann@acme.example", "Company": "Acme", "Country": "United States"} | firm | person,
    )
    account = org.add("Account", {"Name": "Globex", "BillingCountry": "United States"} | firm)
    contact = org.add("Contact", {"LastName": "Bob", "Email": "bob@globex.example", "AccountId": account} | person)
    leads = make_sf_harness(tmp_path / "leads", salesforce, clock, monkeypatch, object="Lead")
    contacts = make_sf_harness(tmp_path / "contacts", salesforce, clock, monkeypatch, object="Contact")

    runs = [leads.run(), contacts.run()]

    lead_scores = _salesforce_scores(salesforce, "Lead", lead)
    contact_scores = _salesforce_scores(salesforce, "Contact", contact)
    assert [run.status for run in runs] == ["ok", "ok"]
    assert lead_scores == contact_scores
    assert float(lead_scores[0]) >= 60
