"""Salesforce end to end, and the proof that the connector boundary is right: the same scoring config gives the
same stages and scores for equivalent HubSpot and Salesforce data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from leadstage.connectors.clock import FixedClock
from tests.conftest import START, make_harness, make_sandbox, make_sf_harness


@pytest.fixture
def sf(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, leads=300)
    h = make_sf_harness(tmp_path, box, clock, monkeypatch)
    yield h
    h.connector.close()
    h.store.close()
    box.stop()


def test_a_second_salesforce_run_writes_nothing(sf):
    first = sf.run()
    sf.clock.advance(minutes=5)
    sf.box.reset_counts()

    second = sf.run()

    assert first.status == "ok" and first.counts.updated == 300
    assert second.status == "ok" and second.counts.updated == 0
    assert "sf.collections" not in sf.box.counts()
    converted = [r for r in sf.box.salesforce.records("Lead").values() if r.get("IsConverted")]
    assert converted and all(r.get("LeadStage_Funnel_Stage__c") is None for r in converted)  # written to Contacts
    contacts = sf.box.salesforce.records("Contact")
    assert all(contacts[r["ConvertedContactId"]].get("LeadStage_Funnel_Stage__c") == "sql" for r in converted)


def test_records_salesforce_refuses_go_to_the_dead_letter_table(sf):
    plain = sorted(i for i, r in sf.box.salesforce.records("Lead").items() if not r.get("IsConverted"))
    sf.box.salesforce.lock_rows(plain[:2], times=100)  # held for good
    sf.box.salesforce.lock_rows(plain[2:4], times=1)  # released after a moment: retried, not dead-lettered

    run = sf.run()

    assert run.status == "partial" and run.counts.failed == 2 and run.counts.updated == 298
    assert sorted(letter["contact_id"] for letter in sf.store.dead_letters("main")) == plain[:2]
    assert all("UNABLE_TO_LOCK_ROW" in letter["reason"] for letter in sf.store.dead_letters("main"))


def test_a_lead_deleted_in_salesforce_leaves_the_state_store(sf):
    sf.run()
    gone = sorted(sf.box.salesforce.records("Lead"))[5]
    sf.clock.advance(minutes=30)
    sf.box.salesforce.delete("Lead", gone)
    sf.clock.advance(minutes=1)

    run = sf.run()

    assert run.counts.deleted == 1
    assert gone not in sf.store.load_contacts("main", [gone])
    assert sf.store.history("main", gone)  # its funnel history stays for the reports


# -- the same people in both CRMs ------------------------------------------------------------------------------
PEOPLE = [
    # email, title, industry, employees (HubSpot band, Salesforce number), revenue, HubSpot stage, SF status
    (
        "ada@acme.io",
        "VP of Marketing",
        "Software",
        ("500-1000", 500),
        40_000_000,
        ("lead", None),
        "Open - Not Contacted",
    ),
    (
        "bob@initech.com",
        "Marketing Manager",
        "Retail",
        ("25-50", 25),
        2_000_000,
        ("lead", "IN_PROGRESS"),
        "Working - Contacted",
    ),
    (
        "cy@umbrella.com",
        "Chief Technology Officer",
        "Healthcare",
        ("100-500", 100),
        90_000_000,
        ("lead", "UNQUALIFIED"),
        "Closed - Not Converted",
    ),
    ("di@hooli.com", "Student", "Education", ("1-5", 1), None, ("subscriber", None), "Open - Not Contacted"),
    (
        "ed@globex.com",
        "Head of Sales",
        "Financial Services",
        ("1000+", 1000),
        12_000_000,
        ("lead", "BAD_TIMING"),
        "Nurturing",
    ),
]
DAY = timedelta(days=1)


def _midnight(days_ago: int) -> datetime:
    return datetime(2026, 6, 1, tzinfo=UTC) - days_ago * DAY


def _fill_hubspot(box, clock: FixedClock, now: datetime) -> dict[str, str]:
    ids = {}
    for email, title, industry, (band, _), revenue, (lifecycle, status), _sf in PEOPLE:
        props = {
            "email": email,
            "jobtitle": title,
            "industry": industry,
            "numemployees": band,
            "country": "United States",
            "phone": "+1 555 0100",
            "lifecyclestage": lifecycle,
        }
        if revenue:
            props["annualrevenue"] = str(revenue)
        if status:
            props["hs_lead_status"] = status
        ids[email] = box.hubspot.add_contact(props)
    for index, email in enumerate(ids):
        cid = ids[email]
        for days_ago in range(index, 6):
            at = _midnight(days_ago * 3)
            box.hubspot.add_activity("calls", cid, {"hs_call_status": "COMPLETED", "hs_timestamp": at.isoformat()})
            box.hubspot.add_activity(
                "emails",
                cid,
                {
                    "hs_email_direction": "INCOMING_EMAIL",
                    "hs_email_subject": "Re: pricing",
                    "hs_timestamp": at.isoformat(),
                },
            )
        box.hubspot.add_activity(
            "meetings",
            cid,
            {
                "hs_meeting_outcome": "COMPLETED",
                "hs_timestamp": _midnight(2).isoformat(),
                "hs_meeting_start_time": _midnight(2).isoformat(),
                "hs_meeting_title": "Discovery",
            },
        )
        if index % 2 == 0:
            box.hubspot.add_web_event(cid, "e_submitted_form", _midnight(4), {"hs_form_title": "Request a demo"})
            box.hubspot.add_web_event(cid, "e_attended_webinar", _midnight(10), {"hs_webinar_title": "Pipeline 101"})
    return ids


def _fill_salesforce(box, clock: FixedClock, now: datetime) -> dict[str, str]:
    org = box.salesforce
    demo = org.add("Campaign", {"Name": "Request a demo", "Type": "Web Form"})
    webinar = org.add("Campaign", {"Name": "Pipeline 101", "Type": "Webinar"})
    ids = {}
    for email, title, industry, (_, employees), revenue, _hs, status in PEOPLE:
        fields = {
            "Email": email,
            "LastName": email.split("@")[0],
            "Company": email.split("@")[1],
            "Title": title,
            "Industry": industry,
            "NumberOfEmployees": employees,
            "Country": "United States",
            "Phone": "+1 555 0100",
            "Status": status,
        }
        if revenue:
            fields["AnnualRevenue"] = revenue
        ids[email] = org.add("Lead", fields)
    for index, email in enumerate(ids):
        lead = ids[email]
        for days_ago in range(index, 6):
            clock.t = _midnight(days_ago * 3).timestamp()
            org.add(
                "Task", {"WhoId": lead, "Subject": "Call", "TaskSubtype": "Call", "Type": "Call", "Status": "Completed"}
            )
            org.add(
                "Task",
                {
                    "WhoId": lead,
                    "Subject": "Re: pricing",
                    "TaskSubtype": "Email",
                    "Type": "Email",
                    "Status": "Completed",
                },
            )
        org.add(
            "Event",
            {
                "WhoId": lead,
                "Subject": "Discovery",
                "StartDateTime": _midnight(2),
                "EndDateTime": _midnight(2) + timedelta(minutes=30),
            },
        )
        if index % 2 == 0:
            org.add(
                "CampaignMember",
                {
                    "LeadId": lead,
                    "CampaignId": demo,
                    "Status": "Responded",
                    "HasResponded": True,
                    "FirstRespondedDate": _midnight(4).date(),
                },
            )
            org.add(
                "CampaignMember",
                {
                    "LeadId": lead,
                    "CampaignId": webinar,
                    "Status": "Attended",
                    "HasResponded": True,
                    "FirstRespondedDate": _midnight(10).date(),
                },
            )
    clock.t = now.timestamp()
    return ids


def test_the_same_scoring_gives_the_same_stages_and_scores_in_hubspot_and_salesforce(tmp_path, monkeypatch):
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    clock = FixedClock(START - timedelta(days=40))
    hub_box, sf_box = make_sandbox(clock), make_sandbox(clock)
    sf_box.seed_salesforce(n_leads=0, seed=1, now=clock.now(), with_leadstage_fields=True)
    try:
        hub_ids = _fill_hubspot(hub_box, clock, now)
        sf_ids = _fill_salesforce(sf_box, clock, now)
        clock.t = now.timestamp()
        hub = make_harness(tmp_path / "hubspot", hub_box, clock, monkeypatch)
        sfh = make_sf_harness(tmp_path / "salesforce", sf_box, clock, monkeypatch)
        hub.connector.setup()

        assert hub.run().status == "ok" and sfh.run().status == "ok"

        hub_contacts = hub_box.hubspot.contacts
        leads = sf_box.salesforce.records("Lead")
        compared = []
        for email in hub_ids:
            h, s = hub_contacts[hub_ids[email]], leads[sf_ids[email]]
            compared.append(email)
            assert h["leadstage_funnel_stage"] == s["LeadStage_Funnel_Stage__c"], email
            assert int(h["leadstage_score"]) == int(s["LeadStage_Score__c"]), email
            assert int(h["leadstage_fit_score"]) == int(s["LeadStage_Fit_Score__c"]), email
            assert h["leadstage_grade"] == s["LeadStage_Grade__c"], email
            assert h["leadstage_temperature"] == s["LeadStage_Temperature__c"], email
        stages = {hub_contacts[hub_ids[e]]["leadstage_funnel_stage"] for e in compared}
        # ed was recycled before his latest activity, so both CRMs make him an MQL again.
        assert {"raw", "sal", "mql", "disqualified"} <= stages
        assert len({hub_contacts[hub_ids[e]]["leadstage_score"] for e in compared}) > 2
    finally:
        hub_box.stop()
        sf_box.stop()


def test_a_large_salesforce_run_reads_and_writes_through_the_bulk_api(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, leads=300)
    try:
        h = make_sf_harness(tmp_path, box, clock, monkeypatch, bulk_threshold=100)

        first = h.run()
        clock.advance(minutes=5)
        second = h.run()

        counts = box.counts()
        assert first.status == "ok" and first.counts.updated == 300
        assert counts["sf.bulk.query.create"] == 1 and counts["sf.bulk.ingest.create"] >= 1
        assert second.counts.updated == 0
        plain = [r for r in box.salesforce.records("Lead").values() if not r.get("IsConverted")]
        assert all(r.get("LeadStage_Funnel_Stage__c") for r in plain)
    finally:
        box.stop()
