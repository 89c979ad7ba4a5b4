"""Scripted faults (inject), random faults (FaultRates) and latency."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import urllib3
from hubspot.crm.contacts import ApiException

from leadstage.sandbox import FaultRates, Sandbox
from tests.sandbox.conftest import call, hubspot_client

LIST = "/crm/v3/objects/contacts?limit=1"
UPDATE = "/crm/v3/objects/contacts/batch/update"


def test_injected_status_answers_the_next_matching_requests_only(sb: Sandbox) -> None:
    sb.inject(endpoint="contacts.list", status=503, times=2)

    statuses = [call(sb, "GET", LIST)[0] for _ in range(3)]
    other = call(sb, "POST", "/crm/v3/objects/contacts/search", {})[0]

    assert statuses == [503, 503, 200]
    assert other == 200
    assert sb.counts() == {"contacts.list": 3, "contacts.search": 1}


def test_injected_429_has_the_rate_limit_body_and_custom_headers(sb: Sandbox) -> None:
    sb.inject(status=429, headers={"Retry-After": "3"})

    status, headers, body = call(sb, "GET", LIST)

    assert status == 429
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert headers["Retry-After"] == "3"


def test_injected_failure_on_a_batch_update_writes_nothing(sb: Sandbox) -> None:
    before = dict(sb.hubspot.contacts["101"])
    sb.inject(endpoint="contacts.batch_update", status=502, body={"message": "upstream"})

    status, _, body = call(sb, "POST", UPDATE, {"inputs": [{"id": "101", "properties": {"jobtitle": "CTO"}}]})

    assert status == 502 and body == {"message": "upstream"}
    assert sb.hubspot.contacts["101"] == before


def test_injected_reset_closes_the_connection_without_an_answer(sb: Sandbox, client) -> None:
    sb.inject(endpoint="contacts.list", reset=True)

    with pytest.raises(urllib3.exceptions.HTTPError):
        client.crm.contacts.basic_api.get_page(limit=1)

    assert client.crm.contacts.basic_api.get_page(limit=1).results
    assert [r.status for r in sb.request_log] == [0, 200]


def test_injected_delay_then_serves_normally(sb: Sandbox) -> None:
    sb.inject(endpoint="contacts.list", delay_s=0.2)

    started = time.perf_counter()
    status = call(sb, "GET", LIST)[0]

    assert status == 200
    assert time.perf_counter() - started >= 0.2


def test_latency_is_added_to_every_request(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(n_contacts=3, latency_ms=100)

    started = time.perf_counter()
    call(sb, "GET", LIST)

    assert time.perf_counter() - started >= 0.1


def run_faulted(make_sandbox: Callable[..., Sandbox], rates: FaultRates) -> list[int]:
    sb = make_sandbox(n_contacts=3, faults=rates)
    return [call(sb, "GET", LIST)[0] for _ in range(40)]


def test_random_faults_are_deterministic_for_a_seed(make_sandbox: Callable[..., Sandbox]) -> None:
    rates = FaultRates(p429=0.1, p500=0.1, p503=0.1, seed=3)

    first, second = run_faulted(make_sandbox, rates), run_faulted(make_sandbox, rates)
    other = run_faulted(make_sandbox, FaultRates(p429=0.1, p500=0.1, p503=0.1, seed=4))

    assert first == second
    assert first != other
    assert {429, 500, 503, 200} <= set(first)


def test_random_faults_can_target_endpoints(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(n_contacts=3, faults=FaultRates(p500=1.0, endpoints={"contacts.batch_update"}))

    assert call(sb, "GET", LIST)[0] == 200
    assert call(sb, "POST", UPDATE, {"inputs": [{"id": "101", "properties": {"jobtitle": "x"}}]})[0] == 500


def test_p207_fails_one_input_and_does_not_apply_it(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(n_contacts=10, faults=FaultRates(p207=1.0))
    inputs = [{"id": str(i), "properties": {"jobtitle": "Revenue Architect"}} for i in range(101, 106)]

    status, _, body = call(sb, "POST", UPDATE, {"inputs": inputs})

    assert status == 207
    (failed,) = [e["context"]["ids"][0] for e in body["errors"]]
    assert len(body["results"]) == 4
    assert sb.hubspot.contacts[failed]["jobtitle"] != "Revenue Architect"
    assert all(
        sb.hubspot.contacts[str(i)]["jobtitle"] == "Revenue Architect" for i in range(101, 106) if str(i) != failed
    )


def test_client_sees_random_429_without_retry_after(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = make_sandbox(n_contacts=3, faults=FaultRates(p429_no_retry_after=1.0))

    with pytest.raises(ApiException) as caught:
        hubspot_client(sb).crm.contacts.basic_api.get_page(limit=1)

    assert caught.value.status == 429
    assert "Retry-After" not in caught.value.headers


def test_fault_probabilities_over_one_are_refused() -> None:
    with pytest.raises(ValueError, match="at most 1"):
        FaultRates(p500=0.6, p503=0.6)
