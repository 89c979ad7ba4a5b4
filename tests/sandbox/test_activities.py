"""Engagement objects, v4 associations, and the activity test hooks."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest
from hubspot.crm.objects.emails import BatchReadInputSimplePublicObjectId

from leadstage.connectors.clock import FixedClock
from leadstage.sandbox import Sandbox
from tests.sandbox.conftest import call, hubspot_client


def contact_with_emails(sb: Sandbox, at_least: int) -> str:
    for cid in sb.hubspot.contacts:
        if sum(a["type"] == "emails" for a in sb.hubspot.activities_of(cid)) >= at_least:
            return cid
    raise AssertionError("no seeded contact has enough emails")


def test_email_list_pages_every_email_once_with_its_contact(sb: Sandbox) -> None:
    seen, after = [], None
    while True:
        query = "limit=100&properties=hs_email_direction&associations=contacts" + (f"&after={after}" if after else "")
        status, _, page = call(sb, "GET", f"/crm/v3/objects/emails?{query}")
        assert status == 200
        seen.extend(page["results"])
        after = page.get("paging", {}).get("next", {}).get("after")
        if after is None:
            break

    expected = {
        (a["id"], cid) for cid in sb.hubspot.contacts for a in sb.hubspot.activities_of(cid) if a["type"] == "emails"
    }
    got = {(r["id"], r["associations"]["contacts"]["results"][0]["id"]) for r in seen}
    assert got == expected and len(seen) == len(expected)
    assert [int(r["id"]) for r in seen] == sorted(int(r["id"]) for r in seen)
    first = seen[0]
    assert first["associations"]["contacts"]["results"][0]["type"] == "email_to_contact"
    assert set(first["properties"]) == {
        "hs_email_direction",
        "hs_createdate",
        "hs_lastmodifieddate",
        "hs_object_id",
    }
    assert first["properties"]["hs_email_direction"] in ("EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL")


def test_activity_batch_read_is_207_for_missing_ids(sb: Sandbox, client) -> None:
    cid = contact_with_emails(sb, 1)
    email_id = next(a["id"] for a in sb.hubspot.activities_of(cid) if a["type"] == "emails")
    request = BatchReadInputSimplePublicObjectId(
        properties=["hs_email_subject", "hs_timestamp"], inputs=[{"id": email_id}, {"id": "42"}]
    )

    raw = client.crm.objects.emails.batch_api.read(
        batch_read_input_simple_public_object_id=request, _preload_content=False
    )
    answer = json.loads(raw.data)

    assert raw.status == 207
    assert [r["id"] for r in answer["results"]] == [email_id]
    assert answer["results"][0]["properties"]["hs_timestamp"].endswith("Z")
    assert answer["errors"][0]["context"] == {"ids": ["42"]}


def test_calls_meetings_notes_tasks_carry_their_typed_properties(sb: Sandbox) -> None:
    wanted = {
        "calls": ("hs_call_status", {"COMPLETED", "NO_ANSWER", "BUSY", "FAILED"}),
        "meetings": ("hs_meeting_outcome", {"SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED"}),
        "tasks": ("hs_task_status", {"NOT_STARTED", "COMPLETED"}),
        "notes": ("hs_note_body", None),
    }
    for object_type, (prop, allowed) in wanted.items():
        _, _, page = call(sb, "GET", f"/crm/v3/objects/{object_type}?limit=100&properties={prop},hs_timestamp")
        values = {r["properties"][prop] for r in page["results"]}
        assert values, object_type
        assert allowed is None or values <= allowed


def test_associations_page_per_input(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(n_contacts=120, association_page_size=3)
    busy = contact_with_emails(sb, 5)
    expected = sorted(int(a["id"]) for a in sb.hubspot.activities_of(busy) if a["type"] == "emails")
    client = hubspot_client(sb)
    api = client.crm.associations.v4.batch_api

    got, after = [], None
    while True:
        entry = {"id": busy, **({"after": after} if after else {})}
        request = BatchInputPublicFetchAssociationsBatchRequest(inputs=[entry])
        raw = api.get_page(
            "contacts",
            "emails",
            batch_input_public_fetch_associations_batch_request=request,
            _preload_content=False,
        )
        (result,) = json.loads(raw.data)["results"]
        assert len(result["to"]) <= 3
        got.extend(t["toObjectId"] for t in result["to"])
        after = result.get("paging", {}).get("next", {}).get("after")
        if after is None:
            break

    assert got == expected
    assert result["to"][0]["associationTypes"] == [{"category": "HUBSPOT_DEFINED", "typeId": 197, "label": None}]


def test_inputs_without_associations_are_207_errors(sb: Sandbox) -> None:
    with_emails = contact_with_emails(sb, 1)
    body = {"inputs": [{"id": with_emails}, {"id": "424242"}]}

    status, _, answer = call(sb, "POST", "/crm/v4/associations/contacts/0-49/batch/read", body)

    assert status == 207
    assert [r["from"]["id"] for r in answer["results"]] == [with_emails]
    assert answer["errors"][0]["context"] == {"fromObjectId": ["424242"]}
    assert answer["errors"][0]["category"] == "OBJECT_NOT_FOUND"


def test_association_aliases_and_input_limit(sb: Sandbox) -> None:
    cid = contact_with_emails(sb, 1)
    singular = call(sb, "POST", "/crm/v4/associations/contacts/email/batch/read", {"inputs": [{"id": cid}]})
    too_many = call(
        sb,
        "POST",
        "/crm/v4/associations/contacts/emails/batch/read",
        {"inputs": [{"id": str(i)} for i in range(1001)]},
    )

    assert singular[0] == 200
    assert too_many[0] == 400


def test_add_activity_updates_rollups_and_is_associated(sb: Sandbox, clock: FixedClock) -> None:
    clock.advance(seconds=3600)
    props = sb.hubspot.contacts["101"]
    contacted = int(props["num_contacted_notes"])

    call_id = sb.hubspot.add_activity(
        "calls",
        "101",
        {
            "hs_call_status": "COMPLETED",
            "hs_call_direction": "OUTBOUND",
            "hs_call_title": "Qualification call",
            "hs_timestamp": "2026-05-01T10:30:00.000Z",
        },
    )

    assert props["num_contacted_notes"] == str(contacted + 1)
    assert props["notes_last_contacted"] == "2026-05-01T10:30:00.000Z"
    assert props["hs_last_sales_activity_timestamp"] == "2026-05-01T10:30:00.000Z"
    assert props["lastmodifieddate"] == "2026-05-01T11:00:00.000Z"
    _, _, answer = call(sb, "POST", "/crm/v4/associations/contacts/calls/batch/read", {"inputs": [{"id": "101"}]})
    assert int(call_id) in [t["toObjectId"] for t in answer["results"][0]["to"]]
    _, _, got = call(sb, "GET", f"/crm/v3/objects/calls/{call_id}?properties=hs_call_title")
    assert got["properties"]["hs_call_title"] == "Qualification call"


def test_merged_contacts_activities_move_to_the_primary(sb: Sandbox) -> None:
    moved = {a["id"] for a in sb.hubspot.activities_of("103")}
    kept = {a["id"] for a in sb.hubspot.activities_of("104")}

    sb.hubspot.merge_contacts("104", "103")

    assert {a["id"] for a in sb.hubspot.activities_of("104")} == moved | kept
    _, _, page = call(sb, "GET", "/crm/v3/objects/notes?limit=100&associations=contacts")
    owners = {r["associations"]["contacts"]["results"][0]["id"] for r in page["results"] if r["associations"]}
    assert "103" not in owners


def test_add_web_event_updates_analytics_rollups(sb: Sandbox) -> None:
    props = sb.hubspot.contacts["101"]
    views, forms = int(props["hs_analytics_num_page_views"]), int(props["num_conversion_events"])

    sb.hubspot.add_web_event(
        "101",
        "e_visited_page",
        datetime(2026, 5, 1, 9, 0, tzinfo=UTC),
        {"hs_url": "https://www.example.com/pricing", "hs_title": "Pricing"},
    )
    sb.hubspot.add_web_event(
        "101",
        "e_submitted_form",
        datetime(2026, 5, 1, 9, 5, tzinfo=UTC),
        {"hs_form_title": "Request a demo", "hs_url": "https://www.example.com/demo"},
    )

    assert props["hs_analytics_num_page_views"] == str(views + 1)
    assert props["num_conversion_events"] == str(forms + 1)
    assert props["recent_conversion_event_name"] == "Request a demo"
    assert props["recent_conversion_date"] == "2026-05-01T09:05:00.000Z"
    assert props["hs_analytics_last_visit_timestamp"] >= "2026-05-01T09:00:00.000Z"
