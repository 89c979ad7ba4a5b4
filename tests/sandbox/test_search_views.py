"""Search views answer exactly what a scan of every contact answers, also while contacts change between pages."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from leadstage.connectors.clock import FixedClock
from leadstage.sandbox import Sandbox
from leadstage.sandbox.hubspot import search_views
from leadstage.sandbox.hubspot.routes import ContactRoutes
from leadstage.sandbox.hubspot.search import parse_search
from tests.sandbox.conftest import call

SEARCH = "/crm/v3/objects/contacts/search"
BATCH_UPDATE = "/crm/v3/objects/contacts/batch/update"
SORTED_BY = ("hs_object_id", "lastmodifieddate", "city", "annualrevenue", "notes_last_contacted", "lifecyclestage")


def served(sb: Sandbox, body: dict[str, Any]) -> tuple[int, list[str]]:
    status, _, answer = call(sb, "POST", SEARCH, body)
    assert status == 200, answer
    return answer["total"], [r["id"] for r in answer["results"]]


def scanned(sb: Sandbox, body: dict[str, Any]) -> tuple[int, list[str]]:
    """The same search answered by scanning every contact (the sandbox's reference behaviour)."""
    request = parse_search(json.dumps(body), sb.hubspot.definitions, sb.config.search_cap)
    with sb.hubspot.lock:
        return ContactRoutes(sb.hubspot, sb.config).scan(request)


def some_value(rng: random.Random, sb: Sandbox, name: str) -> str:
    if name == "hs_object_id":
        return str(rng.randint(90, 240))
    values = [p[name] for p in sb.hubspot.contacts.values() if p.get(name)]
    return rng.choice(values) if values else "x"


def random_filter(rng: random.Random, sb: Sandbox) -> dict[str, Any]:
    name = rng.choice((*SORTED_BY, "hs_analytics_num_page_views", "jobtitle"))
    operator = rng.choice(("EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY"))
    spec: dict[str, Any] = {"propertyName": name, "operator": operator}
    if operator == "BETWEEN":
        spec["value"], spec["highValue"] = sorted((some_value(rng, sb, name), some_value(rng, sb, name)))
    elif operator == "IN":
        spec["values"] = [some_value(rng, sb, name) for _ in range(3)]
    elif operator not in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        spec["value"] = some_value(rng, sb, name)
    return spec


def random_search(rng: random.Random, sb: Sandbox) -> dict[str, Any]:
    groups = [{"filters": [random_filter(rng, sb) for _ in range(rng.randint(1, 3))]} for _ in range(rng.randint(0, 2))]
    body: dict[str, Any] = {"filterGroups": groups, "limit": rng.randint(1, 40)}
    if rng.random() < 0.8:
        direction = rng.choice(("ASCENDING", "DESCENDING"))
        body["sorts"] = [{"propertyName": rng.choice(SORTED_BY), "direction": direction}]
    if rng.random() < 0.1:
        body["query"] = rng.choice(("a", "an", "sa"))
    return body


def change_some_contacts(rng: random.Random, sb: Sandbox, clock: FixedClock) -> None:
    clock.advance(seconds=rng.randint(1, 600))
    portal = sb.hubspot
    active = portal.active_ids()
    picked = rng.sample(active, 5)
    inputs = [{"id": cid, "properties": {"jobtitle": rng.choice(("CMO", "VP Sales", "Analyst"))}} for cid in picked]
    assert call(sb, "POST", BATCH_UPDATE, {"inputs": inputs})[0] == 200
    action = rng.choice(("edit", "archive", "merge", "add", "activity"))
    if action == "edit":
        portal.update_contact(rng.choice(active), {"city": rng.choice(("Berlin", "Austin", "")), "annualrevenue": "7"})
    elif action == "archive":
        portal.archive_contact(rng.choice(active))
    elif action == "merge":
        primary, merged = rng.sample(active, 2)
        portal.merge_contacts(primary, merged)
    elif action == "add":
        portal.add_contact({"firstname": "Ann", "city": "Zagreb", "lifecyclestage": "lead"})
    else:
        portal.add_activity("calls", rng.choice(active), {"hs_call_status": "COMPLETED"})


@pytest.mark.parametrize("journal_max", [search_views.JOURNAL_MAX, 7])
def test_search_pages_agree_with_a_full_scan_while_contacts_change(
    sb: Sandbox, clock: FixedClock, monkeypatch: pytest.MonkeyPatch, journal_max: int
) -> None:
    monkeypatch.setattr(search_views, "JOURNAL_MAX", journal_max)
    monkeypatch.setattr(search_views, "VIEWS_KEPT", 100)  # every search's view follows the changes
    rng = random.Random(11)
    searches = [random_search(rng, sb) for _ in range(25)]

    for round_ in range(8):
        for body in searches:
            for after in (0, 3, 37):
                page = {**body, "after": after}
                assert served(sb, page) == scanned(sb, page), (round_, page)
        change_some_contacts(rng, sb, clock)


def test_keyset_walk_by_id_reads_every_contact_once_while_each_page_is_written(sb: Sandbox, clock: FixedClock) -> None:
    window = [
        {"propertyName": "lastmodifieddate", "operator": "GTE", "value": "2000-01-01T00:00:00Z"},
        {"propertyName": "lastmodifieddate", "operator": "LT", "value": "2100-01-01T00:00:00Z"},
    ]
    sorts = [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]
    seen: list[str] = []
    last = None
    while True:
        filters = window + ([{"propertyName": "hs_object_id", "operator": "GT", "value": last}] if last else [])
        body = {"filterGroups": [{"filters": filters}], "sorts": sorts, "limit": 25}
        total, ids = served(sb, body)
        assert (total, ids) == scanned(sb, body)
        if not ids:
            break
        seen.extend(ids)
        last = ids[-1]
        clock.advance(seconds=1)
        written = {"inputs": [{"id": i, "properties": {"city": "Lyon"}} for i in ids]}
        assert call(sb, "POST", BATCH_UPDATE, written)[0] == 200

    assert seen == sb.hubspot.active_ids()


def test_a_range_on_hs_object_id_tests_the_stored_value_even_when_it_is_not_the_id(sb: Sandbox) -> None:
    sb.hubspot.update_contact("105", {"hs_object_id": "9999"})
    body = {
        "filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "GT", "value": "200"}]}],
        "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        "limit": 100,
    }

    total, ids = served(sb, body)

    assert (total, ids) == scanned(sb, body)
    assert "105" in ids
