"""The org's rolling 24 h API quota (Sforce-Limit-Info, /limits, REQUEST_LIMIT_EXCEEDED), scripted and random
faults on Salesforce endpoints, and unknown paths."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
from simple_salesforce import (
    Salesforce,
    SalesforceAuthenticationFailed,
    SalesforceGeneralError,
    SalesforceRefusedRequest,
)

from leadstage.connectors.clock import FixedClock
from leadstage.sandbox import FaultRates, Sandbox
from tests.sandbox.test_salesforce_support import DATA, client, raw, seeded

COUNT = "SELECT COUNT() FROM Lead"


@pytest.fixture
def sb(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return seeded(make_sandbox, n_leads=20, salesforce_daily_limit=100)


@pytest.fixture
def sf(sb: Sandbox) -> Salesforce:
    return client(sb)


def test_every_rest_answer_carries_the_usage_header_and_logins_do_not_count(sb: Sandbox, sf: Salesforce) -> None:
    sf.query(COUNT)
    sf.query(COUNT)
    answer = raw(sb, "GET", f"{DATA}/sobjects/Lead/describe")

    assert sf.api_usage["api-usage"].used == 2 and sf.api_usage["api-usage"].total == 100
    assert answer.headers["Sforce-Limit-Info"] == "api-usage=3/100"
    assert sb.salesforce.api_usage() == (3, 100)


def test_limits_resource_reports_the_daily_quota(sf: Salesforce) -> None:
    sf.query(COUNT)

    limits = sf.limits()

    assert limits["DailyApiRequests"] == {"Max": 100, "Remaining": 98}


def test_request_limit_exceeded_when_the_quota_is_used_up(sb: Sandbox, sf: Salesforce) -> None:
    sb.salesforce.set_api_usage(99)
    sf.query(COUNT)

    with pytest.raises(SalesforceRefusedRequest) as refused:
        sf.query(COUNT)

    assert refused.value.status == 403
    assert refused.value.content == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert sb.salesforce.api_usage() == (100, 100)  # refused requests are not counted


def test_the_quota_is_a_rolling_24_hour_window(sb: Sandbox, sf: Salesforce, clock: FixedClock) -> None:
    sb.salesforce.set_api_usage(100)
    clock.advance(seconds=3600)
    with pytest.raises(SalesforceRefusedRequest):
        sf.query(COUNT)

    clock.advance(seconds=23 * 3600)

    assert sf.query(COUNT)["totalSize"] == 20
    assert sb.salesforce.api_usage() == (1, 100)


def test_injected_statuses_get_salesforce_error_bodies(sb: Sandbox, sf: Salesforce) -> None:
    sb.inject("sf.query", status=503)
    sb.inject("sf.query", status=500)

    with pytest.raises(SalesforceGeneralError) as unavailable:
        sf.query(COUNT)
    with pytest.raises(SalesforceGeneralError) as unknown:
        sf.query(COUNT)

    assert unavailable.value.status == 503 and unavailable.value.content[0]["errorCode"] == "SERVER_UNAVAILABLE"
    assert unknown.value.status == 500 and unknown.value.content[0]["errorCode"] == "UNKNOWN_EXCEPTION"
    assert sf.query(COUNT)["totalSize"] == 20
    assert sb.counts()["sf.query"] == 3


def test_injection_without_endpoint_and_with_a_custom_body(sb: Sandbox, sf: Salesforce) -> None:
    sb.inject(status=502)
    sb.inject("sf.collections", status=400, body=[{"message": "custom", "errorCode": "CUSTOM"}])

    with pytest.raises(SalesforceGeneralError) as any_endpoint:
        sf.limits()
    answer = raw(sb, "PATCH", f"{DATA}/composite/sobjects", {"records": []})

    assert any_endpoint.value.content[0]["errorCode"] == "SERVER_UNAVAILABLE"
    assert answer.status_code == 400 and answer.json() == [{"message": "custom", "errorCode": "CUSTOM"}]


def test_injected_reset_closes_the_connection(sb: Sandbox, sf: Salesforce) -> None:
    sb.inject("sf.query", reset=True)

    with pytest.raises(requests.exceptions.ConnectionError):
        sf.query(COUNT)

    assert sf.query(COUNT)["totalSize"] == 20


def test_injected_login_failure(sb: Sandbox) -> None:
    sb.inject("sf.login", status=503)

    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        client(sb)

    assert failure.value.code == 503


def test_random_faults_restricted_to_salesforce_endpoints(make_sandbox: Callable[..., Sandbox]) -> None:
    sb = seeded(make_sandbox, n_leads=5, faults=FaultRates(p503=1.0, endpoints=["sf.query"]))
    sf = client(sb)

    with pytest.raises(SalesforceGeneralError) as failure:
        sf.query(COUNT)

    assert failure.value.content[0]["errorCode"] == "SERVER_UNAVAILABLE"
    assert sf.limits()["DailyApiRequests"]["Max"] == 15_000


def test_unknown_paths_and_methods(sb: Sandbox) -> None:
    missing = raw(sb, "GET", f"{DATA}/nothing/here")
    wrong_method = raw(sb, "POST", f"{DATA}/limits")
    bad_version = raw(sb, "GET", "/services/data/latest/limits")

    assert missing.status_code == 404 and missing.json()[0]["errorCode"] == "NOT_FOUND"
    assert wrong_method.status_code == 405 and wrong_method.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"
    assert bad_version.status_code == 404
    assert sb.counts() == {"unknown": 2, "sf.limits": 1}
