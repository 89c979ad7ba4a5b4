"""POST /crm/v3/objects/contacts/search: filters, sorts, paging, limits."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from hubspot.crm.contacts import ApiException, PublicObjectSearchRequest

from leadstage.connectors.clock import FixedClock
from leadstage.sandbox import Sandbox
from tests.sandbox.conftest import call, hubspot_client

SEARCH = "/crm/v3/objects/contacts/search"


def search(sb: Sandbox, body: dict) -> tuple[int, dict, dict]:
    return call(sb, "POST", SEARCH, body)


def ids_of(body: dict) -> list[str]:
    return [r["id"] for r in body["results"]]


def expected(sb: Sandbox, keep: Callable[[dict], bool]) -> list[str]:
    return [cid for cid, props in sb.hubspot.contacts.items() if keep(props)]


def test_eq_is_case_insensitive_and_default_order_is_id_ascending(sb: Sandbox) -> None:
    filters = [{"propertyName": "lifecyclestage", "operator": "EQ", "value": "LEAD"}]
    status, headers, body = search(sb, {"filterGroups": [{"filters": filters}], "limit": 200})

    assert status == 200
    assert ids_of(body) == expected(sb, lambda p: p.get("lifecyclestage") == "lead")
    assert body["total"] == len(body["results"])
    assert "paging" not in body
    assert not [h for h in headers if h.lower().startswith("x-hubspot-ratelimit")]


def test_groups_are_ored_and_filters_anded(sb: Sandbox) -> None:
    groups = [
        {"filters": [{"propertyName": "lifecyclestage", "operator": "IN", "values": ["customer", "opportunity"]}]},
        {
            "filters": [
                {"propertyName": "country", "operator": "EQ", "value": "germany"},
                {"propertyName": "hs_email_optout", "operator": "NOT_HAS_PROPERTY"},
            ]
        },
    ]
    _, _, body = search(sb, {"filterGroups": groups, "limit": 200})

    assert ids_of(body) == expected(
        sb,
        lambda p: (
            p.get("lifecyclestage") in ("customer", "opportunity")
            or (p.get("country") == "Germany" and not p.get("hs_email_optout"))
        ),
    )


def test_datetime_filters_accept_epoch_ms_and_iso_alike(sb: Sandbox) -> None:
    cutoff_iso = "2026-03-01T00:00:00.000Z"
    cutoff_ms = "1772323200000"
    by_iso = search(
        sb,
        {
            "filterGroups": [
                {"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": cutoff_iso}]}
            ],
            "limit": 200,
        },
    )[2]
    by_ms = search(
        sb,
        {
            "filterGroups": [
                {"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": cutoff_ms}]}
            ],
            "limit": 200,
        },
    )[2]

    assert ids_of(by_iso) == ids_of(by_ms) == expected(sb, lambda p: p["lastmodifieddate"] >= cutoff_iso)
    assert 0 < by_ms["total"] < 120


def test_numbers_compare_numerically_and_between_is_inclusive(sb: Sandbox) -> None:
    body = {
        "filterGroups": [
            {
                "filters": [
                    {
                        "propertyName": "hs_analytics_num_page_views",
                        "operator": "BETWEEN",
                        "value": "2",
                        "highValue": "10",
                    }
                ]
            }
        ],
        "limit": 200,
    }
    _, _, found = search(sb, body)

    assert ids_of(found) == expected(sb, lambda p: 2 <= int(p["hs_analytics_num_page_views"]) <= 10)


def test_contains_token_with_wildcard_matches_email_domains(sb: Sandbox) -> None:
    body = {
        "filterGroups": [
            {"filters": [{"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "*@gmail.com"}]}
        ],
        "limit": 200,
    }
    _, _, found = search(sb, body)

    assert ids_of(found) == expected(sb, lambda p: p["email"].endswith("@gmail.com"))


def test_sort_descending_breaks_ties_by_id_and_pages_with_after(sb: Sandbox) -> None:
    body = {
        "sorts": [{"propertyName": "lifecyclestage", "direction": "DESCENDING"}],
        "limit": 30,
        "properties": ["lifecyclestage"],
    }
    pages, after = [], None
    while True:
        _, _, page = search(sb, {**body, "after": after} if after else body)
        pages.extend(ids_of(page))
        after = page.get("paging", {}).get("next", {}).get("after")
        if after is None:
            break

    stage = {cid: p["lifecyclestage"] for cid, p in sb.hubspot.contacts.items()}
    assert len(pages) == 120 and len(set(pages)) == 120
    assert pages == sorted(pages, key=lambda i: (tuple(-ord(c) for c in stage[i]), int(i)))


def test_string_sort_shorthand_and_hs_object_id_is_numeric(sb: Sandbox) -> None:
    body = {
        "filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "GT", "value": "205"}]}],
        "sorts": ["-hs_object_id"],
        "limit": 5,
    }
    _, _, found = search(sb, body)

    assert ids_of(found) == ["220", "219", "218", "217", "216"]
    assert found["total"] == 15


def test_search_cap_allows_the_page_ending_at_the_cap_and_refuses_the_next(
    make_sandbox: Callable[..., Sandbox],
) -> None:
    sb = make_sandbox(n_contacts=120, search_cap=50)
    client = hubspot_client(sb)
    api = client.crm.contacts.search_api

    last_ok = api.do_search(public_object_search_request=PublicObjectSearchRequest(limit=25, after="25"))
    assert last_ok.paging.next.after == "50"
    with pytest.raises(ApiException) as caught:
        api.do_search(public_object_search_request=PublicObjectSearchRequest(limit=25, after="50"))

    error = json.loads(caught.value.body)
    assert caught.value.status == 400
    assert error["category"] == "VALIDATION_ERROR"
    assert "50" in error["message"]


def test_restarting_with_hs_object_id_gt_walks_past_the_cap(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(n_contacts=120, search_cap=50)
    seen: list[str] = []
    last_id = "0"
    while True:
        body = {
            "filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "GT", "value": last_id}]}],
            "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
            "limit": 50,
        }
        _, _, page = search(sb, body)
        if not page["results"]:
            break
        seen.extend(ids_of(page))
        last_id = seen[-1]

    assert seen == [str(i) for i in range(101, 221)]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"limit": 201}, "200"),
        ({"sorts": ["email", "firstname"]}, "sort"),
        (
            {"filterGroups": [{"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}]}] * 6},
            "group",
        ),
        (
            {"filterGroups": [{"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}] * 6}] * 4},
            "18",
        ),
        ({"filterGroups": [{"filters": [{"propertyName": "nope", "operator": "EQ", "value": "x"}]}]}, "nope"),
        (
            {"filterGroups": [{"filters": [{"propertyName": "email", "operator": "LIKE", "value": "x"}]}]},
            "operator",
        ),
    ],
)
def test_invalid_searches_are_400_validation_errors(sb: Sandbox, body: dict, fragment: str) -> None:
    status, _, error = search(sb, body)

    assert status == 400
    assert error["category"] == "VALIDATION_ERROR"
    assert fragment in error["message"]


def test_body_over_3000_characters_is_refused(sb: Sandbox) -> None:
    values = [f"someone{i}@example.com" for i in range(200)]
    body = {"filterGroups": [{"filters": [{"propertyName": "email", "operator": "IN", "values": values}]}]}
    assert len(json.dumps(body)) > 3000

    status, _, error = search(sb, body)

    assert status == 400
    assert "3000" in error["message"]


def test_archived_contacts_never_appear(sb: Sandbox) -> None:
    sb.hubspot.archive_contact("101")

    _, _, body = search(sb, {"limit": 200})

    assert "101" not in ids_of(body)
    assert body["total"] == 119


def test_index_lag_hides_recently_modified_records(make_sandbox: Callable[..., Sandbox], clock: FixedClock) -> None:
    sb = make_sandbox(n_contacts=20, search_index_lag_s=5)
    sb.hubspot.update_contact("105", {"jobtitle": "Chief Scoring Officer"})
    body = {
        "filterGroups": [
            {"filters": [{"propertyName": "jobtitle", "operator": "EQ", "value": "Chief Scoring Officer"}]}
        ]
    }

    assert search(sb, body)[2]["total"] == 0
    clock.advance(seconds=5)
    assert ids_of(search(sb, body)[2]) == ["105"]


def test_free_text_query_matches_name_prefixes(sb: Sandbox) -> None:
    target = sb.hubspot.contacts["110"]

    _, _, body = search(sb, {"query": target["lastname"][:4], "limit": 200})

    assert "110" in ids_of(body)
