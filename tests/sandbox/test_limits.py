"""Rate limits on the fake clock: ten-secondly window, per-second search, daily quota."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from hubspot.crm.contacts import ApiException

from leadstage.connectors.clock import FixedClock
from leadstage.sandbox import RateLimit, Sandbox
from tests.sandbox.conftest import call, hubspot_client

LIST = "/crm/v3/objects/contacts?limit=1"
SEARCH = "/crm/v3/objects/contacts/search"


def test_answers_carry_rate_limit_headers(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(n_contacts=5, rate_limit=RateLimit(max_requests=3, interval_ms=10_000), daily_limit=1000)

    _, headers, _ = call(sb, "GET", LIST)

    assert headers["X-HubSpot-RateLimit-Max"] == "3"
    assert headers["X-HubSpot-RateLimit-Remaining"] == "2"
    assert headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert headers["X-HubSpot-RateLimit-Daily"] == "1000"
    assert headers["X-HubSpot-RateLimit-Daily-Remaining"] == "999"


def test_over_the_window_is_429_until_the_clock_frees_a_slot(
    make_sandbox: Callable[..., Sandbox], clock: FixedClock
) -> None:
    sb = make_sandbox(n_contacts=5, rate_limit=RateLimit(max_requests=3, interval_ms=10_000))
    client = hubspot_client(sb)
    for _ in range(3):
        call(sb, "GET", LIST)
        clock.advance(seconds=1)

    with pytest.raises(ApiException) as caught:
        client.crm.contacts.basic_api.get_page(limit=1)
    refused_again = call(sb, "GET", LIST)[0]
    clock.advance(seconds=7.5)  # the first request (t=0) leaves the window at t=10
    served = call(sb, "GET", LIST)[0]

    body = json.loads(caught.value.body)
    assert caught.value.status == 429
    assert body["errorType"] == "RATE_LIMIT"
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert caught.value.headers["Retry-After"] == "7"
    assert refused_again == 429  # refusals take no slot, so the window frees on schedule
    assert served == 200
    assert sb.counts()["contacts.list"] == 6


def test_retry_after_can_be_left_out(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(n_contacts=5, rate_limit=RateLimit(max_requests=1, interval_ms=10_000), retry_after=False)
    call(sb, "GET", LIST)

    status, headers, _ = call(sb, "GET", LIST)

    assert status == 429
    assert "Retry-After" not in headers


def test_search_has_its_own_per_second_limit_and_no_headers(
    make_sandbox: Callable[..., Sandbox], clock: FixedClock
) -> None:
    sb = make_sandbox(
        n_contacts=5, rate_limit=RateLimit(max_requests=100, interval_ms=10_000), search_rate_per_second=2
    )
    statuses = [call(sb, "POST", SEARCH, {})[0] for _ in range(2)]
    status, headers, body = call(sb, "POST", SEARCH, {})
    list_status = call(sb, "GET", LIST)[0]
    clock.advance(seconds=1)

    assert statuses == [200, 200]
    assert status == 429 and body["policyName"] == "SECONDLY"
    assert headers["Retry-After"] == "1"
    assert not [h for h in headers if h.lower().startswith("x-hubspot-ratelimit")]
    assert list_status == 200
    assert call(sb, "POST", SEARCH, {})[0] == 200


def test_daily_limit_refuses_until_utc_midnight(make_sandbox: Callable[..., Sandbox], clock: FixedClock) -> None:
    sb = make_sandbox(n_contacts=5, daily_limit=2)
    assert [call(sb, "GET", LIST)[0] for _ in range(2)] == [200, 200]

    status, headers, body = call(sb, "GET", LIST)
    clock.advance(seconds=14 * 3600)  # 10:00 -> 00:00 the next day

    assert status == 429
    assert body["policyName"] == "DAILY"
    assert int(headers["Retry-After"]) == 14 * 3600
    assert call(sb, "GET", LIST)[0] == 200
