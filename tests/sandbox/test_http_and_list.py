"""Auth, unknown paths, counting, keep-alive, and the contacts list endpoint."""

from __future__ import annotations

import json

import pytest
from hubspot.crm.contacts import ApiException

from leadstage.sandbox import Sandbox
from tests.sandbox.conftest import call, hubspot_client


def test_missing_token_answers_401_with_hubspot_error_shape(sb: Sandbox) -> None:
    status, _, body = call(sb, "GET", "/crm/v3/objects/contacts", token=None)

    assert status == 401
    assert body["status"] == "error"
    assert body["category"] == "INVALID_AUTHENTICATION"
    assert body["message"].startswith("Authentication credentials not found")
    assert len(body["correlationId"]) == 36


def test_wrong_token_is_refused_through_the_real_client(sb: Sandbox) -> None:
    client = hubspot_client(sb, token="not-a-token")

    with pytest.raises(ApiException) as caught:
        client.crm.contacts.basic_api.get_page(limit=1)

    assert caught.value.status == 401
    assert json.loads(caught.value.body)["category"] == "INVALID_AUTHENTICATION"


def test_unknown_path_is_a_json_404_counted_as_unknown(sb: Sandbox) -> None:
    status, headers, body = call(sb, "GET", "/crm/v3/objects/widgets")

    assert status == 404
    assert headers["Content-Type"].startswith("application/json")
    assert body["status"] == "error"
    assert sb.counts() == {"unknown": 1}


def test_every_request_is_counted_and_logged_with_its_status(sb: Sandbox, client) -> None:
    client.crm.contacts.basic_api.get_page(limit=2)
    call(sb, "GET", "/crm/v3/objects/contacts", token=None)

    assert sb.counts() == {"contacts.list": 2}
    assert sb.total_requests() == 2
    assert [(r.endpoint, r.status, r.token) for r in sb.request_log] == [
        ("contacts.list", 200, "test-token"),
        ("contacts.list", 401, None),
    ]
    sb.reset_counts()
    assert sb.counts() == {} and sb.request_log == []


def test_client_reuses_one_keep_alive_connection(sb: Sandbox, client) -> None:
    api = client.crm.contacts.basic_api
    for _ in range(5):
        api.get_page(limit=1)

    pools = api.api_client.rest_client.pool_manager.pools
    (key,) = pools.keys()
    assert pools[key].num_connections == 1


def test_list_pages_return_every_contact_exactly_once_in_id_order(sb: Sandbox, client) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = client.crm.contacts.basic_api.get_page(limit=50, after=after)
        seen.extend(result.id for result in page.results)
        if page.paging is None:
            break
        after = page.paging.next.after

    assert seen == [str(i) for i in range(101, 221)]


def test_list_returns_requested_properties_plus_the_core_ones(sb: Sandbox) -> None:
    status, _, body = call(sb, "GET", "/crm/v3/objects/contacts?limit=1&properties=email&properties=jobtitle,country")

    assert status == 200
    assert set(body["results"][0]["properties"]) == {
        "email",
        "jobtitle",
        "country",
        "hs_object_id",
        "createdate",
        "lastmodifieddate",
    }
    result = body["results"][0]
    assert result["createdAt"] == result["properties"]["createdate"]
    assert result["updatedAt"] == result["properties"]["lastmodifieddate"]
    assert result["archived"] is False
    assert body["paging"]["next"]["after"] == "102"


def test_list_limit_over_100_is_refused(sb: Sandbox) -> None:
    status, _, body = call(sb, "GET", "/crm/v3/objects/contacts?limit=101")

    assert status == 400
    assert body["category"] == "VALIDATION_ERROR"


def test_archived_contacts_leave_the_list_and_appear_with_archived_true(sb: Sandbox) -> None:
    sb.hubspot.archive_contact("102")

    _, _, active = call(sb, "GET", "/crm/v3/objects/contacts?limit=3")
    _, _, archived = call(sb, "GET", "/crm/v3/objects/contacts?archived=true")

    assert [r["id"] for r in active["results"]] == ["101", "103", "104"]
    assert [r["id"] for r in archived["results"]] == ["102"]


def test_get_by_id_and_404(sb: Sandbox, client) -> None:
    contact = client.crm.contacts.basic_api.get_by_id("105", properties=["lifecyclestage"])

    assert contact.properties["lifecyclestage"] == sb.hubspot.contacts["105"]["lifecyclestage"]
    with pytest.raises(ApiException) as caught:
        client.crm.contacts.basic_api.get_by_id("99999")
    assert caught.value.status == 404
