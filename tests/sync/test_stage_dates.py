"""Stage entry dates come from the CRM, not from the record's last modification.

Hand-derived: a contact that became an MQL five days ago and was edited two hours ago entered MQL five days ago,
so its hand-over SLA (48 h) is breached and its MQL date is that day. The dates a CRM keeps: HubSpot's lifecycle
stage dates, Salesforce's CreatedDate and ConvertedDate, or a date field the config names.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from leadstage.mapping.values import format_datetime
from leadstage.sync.cli import app
from tests.conftest import START, TOKEN, TOKEN_ENV, make_harness, make_sandbox, make_sf_harness

runner = CliRunner()
DAY = timedelta(days=1)


def _iso(moment: datetime) -> str:
    return format_datetime(moment)


def _edit_at(box, clock, moment, contact_id, properties):
    """Someone edits the contact in HubSpot at ``moment`` (the sandbox stamps lastmodifieddate then)."""
    saved = clock.t
    clock.t = moment.timestamp()
    box.hubspot.update_contact(contact_id, properties)
    clock.t = saved


def _person(box, email, **properties):
    return box.hubspot.add_contact(
        {"email": email, "firstname": "Pat", "jobtitle": "Analyst", **properties}, created_at=START - 40 * DAY
    )


def test_a_contact_first_seen_as_mql_enters_mql_when_the_crm_says_not_when_it_was_last_edited(
    tmp_path, clock, monkeypatch
):
    box = make_sandbox(clock)
    try:
        mql = _person(
            box,
            "pat@acme.example",
            hs_lifecyclestage_lead_date=_iso(START - 40 * DAY),
            hs_lifecyclestage_marketingqualifiedlead_date=_iso(START - 5 * DAY),
            lifecyclestage="marketingqualifiedlead",
            hs_lead_status="NEW",
        )
        accepted = _person(  # SAL comes from the lead status, for which HubSpot keeps no date
            box,
            "sam@acme.example",
            hs_lifecyclestage_lead_date=_iso(START - 40 * DAY),
            lifecyclestage="lead",
            hs_lead_status="CONNECTED",
        )
        for contact in (mql, accepted):
            _edit_at(box, clock, START - timedelta(hours=2), contact, {"phone": "+1 555 0100"})
        h = make_harness(tmp_path, box, clock, monkeypatch)
        h.connector.setup()

        h.run()

        (first,) = h.store.history("main", mql)
        assert first["from_stage"] is None and first["to_stage"] == "mql"
        assert first["at"] == START - 5 * DAY
        assert first["at_source"] == "crm:hs_lifecyclestage_marketingqualifiedlead_date"
        written = box.hubspot.contacts[mql]
        assert written["leadstage_mql_date"] == _iso(START - 5 * DAY)
        assert written["leadstage_sla_breached"] == "true"  # 5 days > 48 h, still not accepted
        state = h.store.load_contacts("main", [mql])[mql].stage
        assert state.entered_at(state.stage.RAW) == START - 40 * DAY  # the stage it passed, dated too
        (seen,) = h.store.history("main", accepted)
        assert seen["to_stage"] == "sal" and seen["at"] == START - timedelta(hours=2)
        assert seen["at_source"] == "crm:modified"  # no date kept for it: the record's last modification
    finally:
        box.stop()


def test_a_stage_the_crm_sets_between_runs_is_dated_by_the_crm_and_explain_says_so(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock)
    try:
        contact = _person(box, "kim@acme.example", lifecyclestage="lead")
        h = make_harness(tmp_path, box, clock, monkeypatch)
        h.connector.setup()
        h.run()
        moved_at, edited_at = START + DAY, START + 2 * DAY
        _edit_at(box, clock, moved_at, contact, {"lifecyclestage": "salesqualifiedlead"})
        _edit_at(box, clock, edited_at, contact, {"city": "Lyon"})
        clock.advance(days=3)

        h.run()

        move = h.store.history("main", contact)[-1]
        assert (move["from_stage"], move["to_stage"]) == ("raw", "sql")
        assert move["at"] == moved_at and move["at_source"] == "crm:hs_lifecyclestage_salesqualifiedlead_date"
        assert box.hubspot.contacts[contact]["leadstage_sql_date"] == _iso(moved_at)
        monkeypatch.setenv(TOKEN_ENV, TOKEN)
        result = runner.invoke(app, ["explain", contact, "-c", str(h.settings.path), "--json"])
        history = json.loads(result.stdout)["history"]
        assert result.exit_code == 0 and history[-1]["at_source"] == "crm:hs_lifecyclestage_salesqualifiedlead_date"
    finally:
        box.stop()


def test_a_date_field_the_config_names_dates_its_stage(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock)
    try:
        definition = {"name": "accepted_on", "label": "Accepted on", "type": "datetime", "fieldType": "date"}
        request = urllib.request.Request(
            f"{box.url}/crm/v3/properties/contacts",
            data=json.dumps({**definition, "groupName": "contactinformation"}).encode(),
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
            method="POST",
        )
        urllib.request.urlopen(request, timeout=10).read()
        contact = _person(
            box,
            "lee@acme.example",
            lifecyclestage="lead",
            hs_lead_status="IN_PROGRESS",
            accepted_on=_iso(START - 3 * DAY),
        )
        _edit_at(box, clock, START - timedelta(hours=1), contact, {"city": "Oslo"})
        h = make_harness(
            tmp_path, box, clock, monkeypatch, {"stages": {"hubspot": {"entry_dates": {"sal": "accepted_on"}}}}
        )
        h.connector.setup()

        h.run()

        (seen,) = h.store.history("main", contact)
        assert seen["to_stage"] == "sal" and seen["at"] == START - 3 * DAY and seen["at_source"] == "crm:accepted_on"
    finally:
        box.stop()


def test_a_converted_salesforce_lead_enters_sql_on_its_converted_date(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, leads=5)  # an org with leadstage's custom fields
    try:
        org = box.salesforce
        lead = org.add(
            "Lead", {"LastName": "Ng", "Company": "Acme", "Email": "ng@acme.example", "Status": "Working - Contacted"}
        )
        clock.t = (START - 6 * DAY).timestamp()
        org.convert_lead(lead)
        clock.t = START.timestamp()
        h = make_sf_harness(tmp_path, box, clock, monkeypatch)

        h.run()

        (seen,) = h.store.history("main", lead)
        converted_day = datetime.combine((START - 6 * DAY).date(), datetime.min.time(), tzinfo=UTC)
        assert seen["to_stage"] == "sql" and seen["at"] == converted_day and seen["at_source"] == "crm:ConvertedDate"
    finally:
        box.stop()
