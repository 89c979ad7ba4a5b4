"""The HubSpot connector's reads, with the real hubspot-api-client against the sandbox over loopback HTTP."""

from __future__ import annotations

import dataclasses
import math
from datetime import timedelta

from leadstage.connectors.base import SweepKind, SweepPosition
from tests.conftest import make_harness, make_sandbox


def _ids(pages):
    return [contact.id for page in pages for contact in page.contacts]


def test_full_pull_returns_every_contact_exactly_once(harness):
    position = SweepPosition(SweepKind.FULL, until=harness.clock.now())

    pages = list(harness.connector.pull_contacts(position))

    ids = _ids(pages)
    assert sorted(ids, key=int) == sorted(harness.box.hubspot.contacts, key=int)
    assert len(ids) == len(set(ids)) == 150
    assert harness.box.counts()["contacts.list"] == 2  # 100 per page
    assert pages[-1].position.done and not pages[0].position.done


def test_full_pull_resumes_from_a_stored_position(harness):
    first_page = next(iter(harness.connector.pull_contacts(SweepPosition(SweepKind.FULL, harness.clock.now()))))

    rest = list(harness.connector.pull_contacts(first_page.position))

    assert set(_ids([first_page])).isdisjoint(_ids(rest))
    assert len(_ids([first_page])) + len(_ids(rest)) == 150


def test_incremental_pull_crosses_the_search_cap_returning_every_change_once(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, contacts=120, search_cap=50)
    try:
        h = make_harness(tmp_path, box, clock, monkeypatch)
        h.connector.settings = dataclasses.replace(h.connector.settings, search_page_limit=20)
        since = clock.now()
        clock.advance(minutes=1)
        for contact_id in box.hubspot.contacts:
            box.hubspot.update_contact(contact_id, {"jobtitle": "Head of Operations"})
        clock.advance(minutes=1)

        pages = list(h.connector.pull_contacts(SweepPosition(SweepKind.INCREMENTAL, clock.now(), since)))

        ids = _ids(pages)
        assert len(ids) == len(set(ids)) == 120  # 2.4 times the cap, none twice, none missed
        assert all(contact.get("job_title") == "Head of Operations" for page in pages for contact in page.contacts)
        assert box.counts()["contacts.search"] == math.ceil(120 / 20)  # a page without paging.next ends it
    finally:
        box.stop()


def test_incremental_pull_does_not_skip_records_that_leave_the_window_mid_sweep(tmp_path, clock, monkeypatch):
    # Offset paging would skip records here: each page's records move out of the window (as our own writes do).
    box = make_sandbox(clock, contacts=90)
    try:
        h = make_harness(tmp_path, box, clock, monkeypatch)
        h.connector.settings = dataclasses.replace(h.connector.settings, search_page_limit=30)
        since = clock.now() - timedelta(days=400)
        until = clock.now()
        seen = []
        for page in h.connector.pull_contacts(SweepPosition(SweepKind.INCREMENTAL, until, since)):
            seen.extend(c.id for c in page.contacts)
            clock.advance(seconds=1)
            for contact in page.contacts:
                box.hubspot.update_contact(contact.id, {"phone": "+1 555 0100"})

        assert sorted(seen, key=int) == sorted(box.hubspot.contacts, key=int)
    finally:
        box.stop()


def test_incremental_pull_only_returns_records_modified_in_the_window(harness):
    box, clock = harness.box, harness.clock
    clock.advance(days=1)
    since = clock.now()
    clock.advance(minutes=1)
    box.hubspot.update_contact("101", {"jobtitle": "CTO"})
    box.hubspot.update_contact("105", {"jobtitle": "CFO"})
    clock.advance(minutes=1)

    pages = list(harness.connector.pull_contacts(SweepPosition(SweepKind.INCREMENTAL, clock.now(), since)))

    assert sorted(_ids(pages)) == ["101", "105"]


def test_contacts_arrive_in_canonical_form(harness):
    page = next(iter(harness.connector.pull_contacts(SweepPosition(SweepKind.FULL, harness.clock.now()))))
    contact = page.contacts[0]
    raw = harness.box.hubspot.contacts[contact.id]

    assert contact.get("email") == raw["email"]
    assert contact.get("job_title") == raw.get("jobtitle")
    assert contact.get("lifecycle_stage") == raw.get("lifecyclestage")
    assert "jobtitle" not in contact.fields  # CRM names never leave the connector
    assert contact.activity_marker is not None


def test_activities_are_fetched_in_batches_never_one_call_per_contact(harness):
    ids = sorted(harness.box.hubspot.contacts, key=int)
    per_type = {t: 0 for t in ("emails", "calls", "meetings", "notes", "tasks")}
    for contact_id in ids:
        for item in harness.box.hubspot.activities_of(contact_id):
            per_type[item["type"]] += 1

    activities = harness.connector.fetch_activities(ids)

    counts = harness.box.counts()
    assert counts["associations.batch_read"] == 5  # one per engagement type for all 150 contacts
    for object_type, n in per_type.items():
        assert counts.get(f"{object_type}.batch_read", 0) == math.ceil(n / 100)
    assert len(activities) == sum(per_type.values())
    kinds = {a.kind for a in activities}
    assert {"call", "meeting", "note", "task"} <= kinds
    assert kinds & {"email_reply", "email_sent"}


def test_association_paging_per_contact_is_followed(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, contacts=20, association_page_size=2)
    try:
        h = make_harness(tmp_path, box, clock, monkeypatch)
        busiest = max(box.hubspot.contacts, key=lambda cid: len(box.hubspot.activities_of(cid)))
        expected = len(box.hubspot.activities_of(busiest))
        assert expected > 2

        activities = h.connector.fetch_activities([busiest])

        assert len(activities) == expected
    finally:
        box.stop()


def test_web_events_stream_pages_through_the_window(harness):
    clock = harness.clock
    position = SweepPosition(SweepKind.INCREMENTAL, until=clock.now(), since=clock.now() - timedelta(days=200))

    pages = list(harness.connector.pull_activity_stream(position))

    events = [a for page in pages for a in page.activities]
    assert len(events) == len({(a.id, a.contact_id) for a in events})
    assert {a.kind for a in events} >= {"page_view", "form_submission"}
    assert any("/pricing" in a.attributes.get("url", "") for a in events if a.kind == "page_view")
    assert harness.box.counts()["events.list"] == len(pages)
    assert pages[-1].position.done
