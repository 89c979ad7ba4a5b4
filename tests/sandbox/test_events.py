"""Web events: GET /events/v3/events and event types."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from leadstage.sandbox import Sandbox
from tests.sandbox.conftest import call

NOW_ISO_DT = datetime(2026, 5, 1, 9, 59, tzinfo=UTC)


def busiest_contact(sb: Sandbox) -> str:
    return max(sb.hubspot.contacts, key=lambda cid: len(sb.hubspot.events_of(cid)))


def fetch_all(sb: Sandbox, query: str) -> list[dict]:
    out, after = [], None
    while True:
        status, _, page = call(sb, "GET", f"/events/v3/events?{query}" + (f"&after={after}" if after else ""))
        assert status == 200, page
        out.extend(page["results"])
        after = page.get("paging", {}).get("next", {}).get("after")
        if after is None:
            return out


def test_events_of_a_contact_page_in_ascending_time_order(sb: Sandbox) -> None:
    cid = busiest_contact(sb)

    events = fetch_all(sb, f"objectType=contact&objectId={cid}&limit=7")

    assert events == sb.hubspot.events_of(cid)
    assert len(events) > 7
    assert [(e["occurredAt"], e["id"]) for e in events] == sorted((e["occurredAt"], e["id"]) for e in events)
    assert {e["objectType"] for e in events} == {"CONTACT"}


def test_event_type_and_time_window_filters(sb: Sandbox) -> None:
    start, end = "2026-03-01T00:00:00.000Z", "2026-04-01T00:00:00.000Z"

    events = fetch_all(
        sb,
        f"objectType=contact&eventType=e_visited_page&occurredAfter={start}&occurredBefore={end}&limit=100",
    )

    expected = [
        e
        for cid in sb.hubspot.contacts
        for e in sb.hubspot.events_of(cid)
        if e["eventType"] == "e_visited_page" and start <= e["occurredAt"] < end
    ]
    assert sorted(e["id"] for e in events) == sorted(e["id"] for e in expected)
    assert events and all(e["properties"]["hs_url"].startswith("https://www.example.com/") for e in events)


def test_offset_timestamps_from_the_client_are_understood(sb: Sandbox, client) -> None:
    cid = busiest_contact(sb)
    after = datetime(2026, 4, 1, tzinfo=UTC)

    page = client.events.events_api.get_page(object_type="contact", object_id=int(cid), occurred_after=after, limit=100)

    assert all(e.occurred_at >= after for e in page.results)
    assert len(page.results) == len([e for e in sb.hubspot.events_of(cid) if e["occurredAt"] >= "2026-04-01"])


def test_descending_sort_reverses_the_order(sb: Sandbox) -> None:
    cid = busiest_contact(sb)

    events = fetch_all(sb, f"objectType=contact&objectId={cid}&limit=5&sort=DESCENDING")

    assert events == list(reversed(sb.hubspot.events_of(cid)))


def test_limit_over_the_maximum_is_400_and_event_types_are_listed(sb: Sandbox) -> None:
    status, _, _ = call(sb, "GET", "/events/v3/events?objectType=contact&limit=101")
    _, _, types = call(sb, "GET", "/events/v3/events/event-types")

    assert status == 400
    assert set(types["eventTypes"]) >= {
        "e_visited_page",
        "e_submitted_form",
        "e_opened_email",
        "e_clicked_email",
        "e_attended_webinar",
        "e_downloaded_content",
    }


def test_contact_rollups_agree_with_its_events(sb: Sandbox) -> None:
    for cid, props in sb.hubspot.contacts.items():
        events = sb.hubspot.events_of(cid)
        by_type = [e["eventType"] for e in events]
        assert props["hs_analytics_num_page_views"] == str(by_type.count("e_visited_page")), cid
        assert props["num_conversion_events"] == str(by_type.count("e_submitted_form")), cid
        assert props["hs_email_open"] == str(by_type.count("e_opened_email")), cid
        assert props["hs_email_click"] == str(by_type.count("e_clicked_email")), cid
        forms = [e for e in events if e["eventType"] == "e_submitted_form"]
        if forms:
            assert props["recent_conversion_event_name"] == forms[-1]["properties"]["hs_form_title"]
            assert props["recent_conversion_date"] == forms[-1]["occurredAt"]


def test_malformed_timestamp_is_400(sb: Sandbox) -> None:
    status, _, body = call(sb, "GET", f"/events/v3/events?objectType=contact&occurredAfter={quote('yesterday')}")

    assert status == 400
    assert "occurredAfter" in body["message"]


def test_events_of_all_contacts_page_once_each_in_both_directions(sb: Sandbox) -> None:
    sb.hubspot.add_web_event("103", "e_submitted_form", NOW_ISO_DT, {"hs_form_title": "Contact us"})
    expected = sorted(
        (e["occurredAt"], e["id"])
        for cid in sb.hubspot.contacts
        for e in sb.hubspot.events_of(cid)
        if e["eventType"] == "e_submitted_form"
    )

    ascending = fetch_all(sb, "objectType=contact&eventType=e_submitted_form&limit=9")
    descending = fetch_all(sb, "objectType=contact&eventType=e_submitted_form&limit=9&sort=-occurredAt")

    assert [(e["occurredAt"], e["id"]) for e in ascending] == expected
    assert [(e["occurredAt"], e["id"]) for e in descending] == expected[::-1]
    assert ascending[-1]["objectId"] == "103"
