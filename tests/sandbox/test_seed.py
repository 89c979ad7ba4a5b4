"""Seeded data: determinism, plausible distributions, consistency, and data files."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from leadstage.connectors.clock import FixedClock
from leadstage.sandbox import Sandbox, SandboxConfig
from leadstage.sandbox.timeutil import iso_ms
from tests.sandbox.conftest import NOW, call

N = 2000


@pytest.fixture(scope="module")
def big() -> Sandbox:
    sb = Sandbox(SandboxConfig(clock=FixedClock(NOW).time))
    sb.seed(n_contacts=N, seed=11, now=NOW)
    return sb


def share(values: list[bool]) -> float:
    return sum(values) / len(values)


def api_snapshot(sb: Sandbox) -> bytes:
    paths = [
        "/crm/v3/objects/contacts?limit=100&properties=email,lifecyclestage,hs_analytics_num_page_views",
        "/crm/v3/objects/emails?limit=100&properties=hs_email_subject&associations=contacts",
        "/events/v3/events?objectType=contact&objectId=105&limit=100",
    ]
    return json.dumps([call(sb, "GET", path)[2] for path in paths]).encode()


def test_same_seed_gives_byte_identical_answers(make_sandbox) -> None:
    first = api_snapshot(make_sandbox(n_contacts=60, seed=5))
    second = api_snapshot(make_sandbox(n_contacts=60, seed=5))
    other = api_snapshot(make_sandbox(n_contacts=60, seed=6))

    assert first == second
    assert first != other


def test_ids_are_increasing_integers_from_101(big: Sandbox) -> None:
    assert list(big.hubspot.contacts)[:3] == ["101", "102", "103"]
    assert list(big.hubspot.contacts)[-1] == str(100 + N)


def test_lifecycle_stages_follow_the_funnel_shares(big: Sandbox) -> None:
    stages = Counter(p["lifecyclestage"] for p in big.hubspot.contacts.values())
    expected = {
        "subscriber": 0.20,
        "lead": 0.45,
        "marketingqualifiedlead": 0.12,
        "salesqualifiedlead": 0.09,
        "opportunity": 0.07,
        "customer": 0.06,
    }

    for stage, target in expected.items():
        assert abs(stages[stage] / N - target) < 0.03, (stage, stages[stage])


def test_email_domains_titles_and_optouts_are_plausible(big: Sandbox) -> None:
    contacts = list(big.hubspot.contacts.values())
    free = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "gmx.de", "proton.me")

    assert 0.08 < share([c["email"].split("@")[1] in free for c in contacts]) < 0.16
    assert 0.01 < share([c["email"].endswith("@competitor.io") for c in contacts]) < 0.04
    students = [c for c in contacts if c["email"].endswith(".edu")]
    assert 0.015 < len(students) / N < 0.05
    assert {c["jobtitle"] for c in students} == {"Student"}
    assert 0.02 < share([c.get("hs_email_optout") == "true" for c in contacts]) < 0.07
    titles = " ".join(c["jobtitle"] for c in contacts)
    for word in ("Chief", "VP of", "Director", "Head of", "Manager", "Intern", "Engineer"):
        assert word in titles
    assert Counter(c["country"] for c in contacts).most_common(1)[0][0] == "United States"


def test_lead_status_is_consistent_with_the_stage(big: Sandbox) -> None:
    for props in big.hubspot.contacts.values():
        stage, status = props["lifecyclestage"], props.get("hs_lead_status")
        if stage in ("salesqualifiedlead", "opportunity"):
            assert status in ("IN_PROGRESS", "OPEN_DEAL", "CONNECTED")
        if stage == "lead":
            assert status is not None


def test_stage_dates_and_lastmodifieddate_are_consistent(big: Sandbox) -> None:
    for cid, props in list(big.hubspot.contacts.items())[:300]:
        stage_date = props[f"hs_lifecyclestage_{props['lifecyclestage']}_date"]
        assert props["createdate"] <= stage_date <= props["lastmodifieddate"]
        seeded = iso_ms(int(NOW.timestamp() * 1000))
        last_activity = max(
            [a["properties"]["hs_timestamp"] for a in big.hubspot.activities_of(cid)]
            + [e["occurredAt"] for e in big.hubspot.events_of(cid)],
            default=props["createdate"],
        )
        assert min(last_activity, seeded) <= props["lastmodifieddate"]  # a meeting may be scheduled ahead


def test_no_contact_was_modified_after_the_seeding(make_sandbox) -> None:
    # at 10,000 contacts the seed drew one whose latest activity (a scheduled meeting) lies ahead: an incremental
    # window ending now left it out, although HubSpot never dates a modification in the future
    sb = make_sandbox(n_contacts=10_000)
    seeded = iso_ms(int(NOW.timestamp() * 1000))

    assert max(props["lastmodifieddate"] for props in sb.hubspot.contacts.values()) <= seeded


def test_activity_counts_are_heavy_tailed_and_follow_engagement(big: Sandbox) -> None:
    timelines = big.hubspot.timelines
    counts = {cid: len(timelines.engagements_of(cid)) + len(timelines.events_of(cid)) for cid in big.hubspot.contacts}
    ordered = sorted(counts.values())

    assert 5 <= ordered[len(ordered) // 2] <= 14
    assert ordered[-1] >= 100
    by_stage = {}
    for cid, n in counts.items():
        by_stage.setdefault(big.hubspot.contacts[cid]["lifecyclestage"], []).append(n)
    mean = {stage: sum(v) / len(v) for stage, v in by_stage.items()}
    assert mean["opportunity"] > mean["lead"] > mean["subscriber"]


def test_pricing_is_about_a_tenth_of_page_views(big: Sandbox) -> None:
    views = [
        e
        for cid in list(big.hubspot.contacts)[:500]
        for e in big.hubspot.events_of(cid)
        if e["eventType"] == "e_visited_page"
    ]

    assert 0.06 < share([e["properties"]["hs_url"].endswith("/pricing") for e in views]) < 0.14


def test_dump_and_load_round_trip_keeps_every_answer(make_sandbox, tmp_path: Path, clock: FixedClock) -> None:
    source = make_sandbox(n_contacts=60)
    source.hubspot.add_activity("notes", "103", {"hs_note_body": "Asked for pricing"})
    source.hubspot.merge_contacts("104", "105")
    source.hubspot.archive_contact("106")
    path = tmp_path / "portal.json"
    source.dump(path)

    copy = make_sandbox(n_contacts=0)
    copy.load(path)

    assert api_snapshot(copy) == api_snapshot(source)
    assert copy.hubspot.activities_of("103") == source.hubspot.activities_of("103")
    assert copy.hubspot.get_contact("105")["id"] == "104"
    assert call(copy, "GET", "/crm/v3/objects/contacts?archived=true")[2]["results"][0]["id"] == "106"
    assert copy.hubspot.add_contact({"email": "new@example.com"}) == "161"


def test_hand_written_data_file_without_generator(make_sandbox, tmp_path: Path) -> None:
    document = {
        "format": "leadstage-sandbox/hubspot",
        "version": 1,
        "generator": None,
        "nextContactId": 1,
        "groups": [],
        "properties": [],
        "merged": {},
        "contacts": [
            {
                "id": "7",
                "archived": False,
                "properties": {
                    "email": "ada@example.com",
                    "createdate": "2026-01-01T00:00:00.000Z",
                    "lastmodifieddate": "2026-01-02T00:00:00.000Z",
                    "hs_object_id": "7",
                },
            }
        ],
        "engagements": [
            {
                "id": "500",
                "type": "calls",
                "contactId": "7",
                "properties": {"hs_timestamp": "2026-01-02T00:00:00.000Z", "hs_call_status": "COMPLETED"},
            }
        ],
        "events": [
            {
                "id": "ev-1",
                "eventType": "e_visited_page",
                "objectId": "7",
                "occurredAt": "2026-01-02T00:00:00.000Z",
                "properties": {"hs_url": "https://www.example.com/"},
            }
        ],
    }
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps(document))
    sb = make_sandbox(n_contacts=0)

    sb.load(path)

    assert call(sb, "GET", "/crm/v3/objects/contacts?properties=email")[2]["results"][0]["properties"]["email"] == (
        "ada@example.com"
    )
    assert call(sb, "GET", "/crm/v3/objects/calls/500")[0] == 200
    assert call(sb, "GET", "/events/v3/events?objectType=contact&objectId=7")[2]["results"][0]["id"] == "ev-1"
