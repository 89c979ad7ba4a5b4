"""Salesforce error mapping and safety, with `responses` intercepting simple-salesforce's requests."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import responses
from responses import matchers

from leadstage.connectors.base import AuthenticationFailed, QuotaExhausted, SweepKind, SweepPosition, Update
from leadstage.connectors.clock import FixedClock
from leadstage.connectors.resilience import RateLimiter, RetryPolicy, RetrySettings, Timeouts
from leadstage.connectors.salesforce.client import SalesforceAuth, SalesforceCalls, SalesforceRequestError
from leadstage.connectors.salesforce.connector import SalesforceConnector
from leadstage.connectors.salesforce.settings import SalesforceSettings
from leadstage.connectors.salesforce.soql import UnsafeValue, id_list, quote, record_id
from tests.conftest import START

INSTANCE = "https://acme.my.salesforce.com"
API = f"{INSTANCE}/services/data/v59.0"
LEAD = "00Q5g00000AbCdEEAZ"
CONTACT = "0035g00000XyZaBAAV"
SOAP_OK = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><loginResponse><result>
<serverUrl>https://acme.my.salesforce.com/services/Soap/u/59.0/00D5g000000xyz</serverUrl>
<sessionId>{session}</sessionId></result></loginResponse></soapenv:Body></soapenv:Envelope>"""


def connector(mode="session", quota_share=0.8, clock=None):
    calls, clock = sf_calls(mode, quota_share, clock)
    return SalesforceConnector(SalesforceSettings(), calls, clock.now, clock.sleep, clock.monotonic), clock


def sf_calls(mode="session", quota_share=0.8, clock=None, on_secret=None):
    clock = clock or FixedClock(START)
    auth = SalesforceAuth(
        mode=mode,
        login_url="https://login.salesforce.com",
        username="integration@acme.com",
        password="pw-123456",
        security_token="tok-123456",
        session_id="00D!SESSION-ABCDEF",
        instance_url=INSTANCE,
    )
    calls = SalesforceCalls(
        auth,
        "59.0",
        RateLimiter(1000, 1.0, clock.monotonic, clock.sleep),
        RetryPolicy(RetrySettings(attempts=4), sleep=clock.sleep, clock=clock.monotonic),
        Timeouts(3.0, 20.0),
        quota_share,
        on_secret=on_secret,
    )
    return calls, clock


def query_answer(records, headers=None):
    return {"json": {"totalSize": len(records), "done": True, "records": records}, "headers": headers or {}}


def lead(record_id=LEAD, **fields):
    return {
        "attributes": {"type": "Lead"},
        "Id": record_id,
        "SystemModstamp": "2026-05-01T10:00:00.000+0000",
        "CreatedDate": "2026-01-01T10:00:00.000+0000",
        "Email": "ada@acme.com",
        "Title": "VP Marketing",
        "NumberOfEmployees": 250,
        "IsConverted": False,
        "Status": "Working - Contacted",
        **fields,
    }


@responses.activate
def test_every_request_carries_the_timeouts_and_the_session_header():
    sf, _ = connector()
    responses.get(f"{API}/query/", **query_answer([lead()]))

    page = sf.read_contacts([LEAD])

    assert [c.id for c in page.contacts] == [LEAD]
    call = responses.calls[0]
    assert call.request.req_kwargs["timeout"] == (3.0, 20.0)
    assert call.request.headers["Authorization"] == "Bearer 00D!SESSION-ABCDEF"
    contact = page.contacts[0]
    assert contact.get("job_title") == "VP Marketing" and contact.get("employees") == "250"
    assert contact.get("converted") == "false"


@responses.activate
def test_an_expired_session_is_renewed_once_and_the_call_repeated():
    sf, _ = connector(mode="password")
    responses.post("https://login.salesforce.com/services/Soap/u/59.0", body=SOAP_OK.format(session="S1"))
    responses.post("https://login.salesforce.com/services/Soap/u/59.0", body=SOAP_OK.format(session="S2"))
    expired = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    responses.get(
        f"{API}/query/", json=expired, status=401, match=[matchers.header_matcher({"Authorization": "Bearer S1"})]
    )
    responses.get(
        f"{API}/query/", match=[matchers.header_matcher({"Authorization": "Bearer S2"})], **query_answer([lead()])
    )

    page = sf.read_contacts([LEAD])

    assert [c.id for c in page.contacts] == [LEAD]
    logins = [c for c in responses.calls if "Soap" in c.request.url]
    assert len(logins) == 2


@responses.activate
def test_a_session_that_expires_again_after_renewal_is_an_authentication_error():
    sf, _ = connector(mode="password")
    for session in ("S1", "S2"):
        responses.post("https://login.salesforce.com/services/Soap/u/59.0", body=SOAP_OK.format(session=session))
    responses.get(
        f"{API}/query/", status=401, json=[{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    )

    with pytest.raises(AuthenticationFailed):
        sf.read_contacts([LEAD])


@responses.activate
def test_a_direct_session_id_cannot_be_renewed():
    sf, _ = connector(mode="session")
    responses.get(
        f"{API}/query/", status=401, json=[{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    )

    with pytest.raises(AuthenticationFailed, match="fresh session id"):
        sf.read_contacts([LEAD])
    assert len(responses.calls) == 1


@responses.activate
def test_a_refused_login_is_an_authentication_error_without_the_password():
    sf, _ = connector(mode="password")
    fault = (
        "<soapenv:Envelope><soapenv:Body><soapenv:Fault><faultcode>sf:INVALID_LOGIN</faultcode><faultstring>"
        "INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    responses.post("https://login.salesforce.com/services/Soap/u/59.0", body=fault, status=500)

    with pytest.raises(AuthenticationFailed) as raised:
        sf.read_contacts([LEAD])
    assert "pw-123456" not in str(raised.value) and "tok-123456" not in str(raised.value)


@responses.activate
def test_request_limit_exceeded_stops_at_once_without_hammering():
    sf, clock = connector()
    responses.get(
        f"{API}/query/",
        status=403,
        json=[{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}],
    )

    with pytest.raises(QuotaExhausted, match="REQUEST_LIMIT_EXCEEDED"):
        sf.read_contacts([LEAD])
    assert len(responses.calls) == 1 and clock.sleeps == []


@responses.activate
def test_the_run_stops_when_the_org_usage_passes_the_configured_share():
    sf, _ = connector(quota_share=0.8)
    responses.get(f"{API}/query/", **query_answer([lead()], {"Sforce-Limit-Info": "api-usage=12500/15000"}))

    sf.read_contacts([LEAD])
    with pytest.raises(QuotaExhausted, match="12,500 of its 15,000"):
        sf.read_contacts([LEAD])
    assert len(responses.calls) == 1  # the second call was never sent


@responses.activate
def test_server_errors_are_retried_and_malformed_queries_are_not():
    sf, clock = connector()
    responses.get(f"{API}/query/", status=503, json=[{"message": "down", "errorCode": "SERVER_UNAVAILABLE"}])
    responses.get(f"{API}/query/", **query_answer([lead()]))
    assert [c.id for c in sf.read_contacts([LEAD]).contacts] == [LEAD]
    assert len(clock.sleeps) == 1

    responses.reset()
    responses.get(
        f"{API}/query/", status=400, json=[{"message": "unexpected token: OR", "errorCode": "MALFORMED_QUERY"}]
    )
    with pytest.raises(SalesforceRequestError) as raised:
        sf.read_contacts([LEAD])
    assert raised.value.code == "MALFORMED_QUERY" and len(responses.calls) == 1


@responses.activate
def test_collections_report_each_failed_record_and_retry_locked_rows():
    sf, clock = connector()
    other = "00Q5g00000AbCdFEAZ"
    answers = [
        [
            {"id": LEAD, "success": False, "errors": [{"statusCode": "UNABLE_TO_LOCK_ROW", "message": "locked"}]},
            {
                "id": other,
                "success": False,
                "errors": [
                    {
                        "statusCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                        "message": "bad value",
                        "fields": ["LeadStage_Grade__c"],
                    }
                ],
            },
        ],
        [{"id": LEAD, "success": True, "errors": []}],
    ]
    for answer in answers:
        responses.patch(f"{API}/composite/sobjects", json=answer)

    result = sf.write([Update(LEAD, {"score": "71", "sla_breached": "true"}), Update(other, {"grade": "Z"})])

    assert list(result.written) == [LEAD]
    (failure,) = result.failures
    assert failure.contact_id == other and "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" in failure.reason
    first = json.loads(responses.calls[0].request.body)
    assert first["allOrNone"] is False
    assert first["records"][0] == {
        "attributes": {"type": "Lead"},
        "id": LEAD,
        "LeadStage_Score__c": 71,
        "LeadStage_SLA_Breached__c": True,
    }
    assert json.loads(responses.calls[1].request.body)["records"][0]["id"] == LEAD  # only the locked one again
    assert clock.sleeps == [0.5]


@responses.activate
def test_a_converted_lead_is_written_through_its_contact():
    sf, _ = connector()
    responses.patch(
        f"{API}/composite/sobjects",
        json=[
            {
                "id": LEAD,
                "success": False,
                "errors": [
                    {"statusCode": "CANNOT_UPDATE_CONVERTED_LEAD", "message": "cannot reference converted lead"}
                ],
            }
        ],
    )
    responses.get(f"{API}/query/", **query_answer([{"Id": LEAD, "ConvertedContactId": CONTACT}]))
    responses.patch(f"{API}/composite/sobjects", json=[{"id": CONTACT, "success": True, "errors": []}])

    result = sf.write([Update(LEAD, {"funnel_stage": "sql"})])

    assert list(result.written) == [LEAD] and result.failures == []
    redirected = json.loads(responses.calls[2].request.body)["records"][0]
    assert redirected == {"attributes": {"type": "Contact"}, "id": CONTACT, "LeadStage_Funnel_Stage__c": "sql"}


@responses.activate
def test_an_incremental_sweep_filters_on_systemmodstamp_and_pages_by_id():
    sf, _ = connector()
    responses.get(f"{API}/query/", **query_answer([lead()]))
    responses.get(f"{API}/queryAll/", **query_answer([{"Id": "00Q5g00000DeLeTEAZ"}]))
    since = datetime(2026, 5, 1, 9, 50, tzinfo=UTC)
    until = datetime(2026, 5, 1, 10, 30, tzinfo=UTC)

    (page,) = list(sf.pull_contacts(SweepPosition(SweepKind.INCREMENTAL, until, since, after="00Q5g00000AAAAAEAZ")))

    soql = responses.calls[0].request.params["q"]
    assert "SystemModstamp >= 2026-05-01T09:50:00Z AND SystemModstamp < 2026-05-01T10:30:00Z" in soql
    assert "Id > '00Q5g00000AAAAAEAZ' ORDER BY Id LIMIT 2000" in soql
    assert "IsDeleted = true" in responses.calls[1].request.params["q"]
    assert page.deleted_ids == ["00Q5g00000DeLeTEAZ"] and page.position.done and page.position.after == LEAD


def test_soql_values_are_escaped_and_ids_validated():
    assert quote("O'Brien \\ \n") == "'O\\'Brien \\\\ \\n'"
    assert id_list([LEAD, CONTACT]) == f"('{LEAD}','{CONTACT}')"
    for attack in ("00Q' OR Id != null OR Id = '", "x", LEAD + "'", "00Q5g00000AbCdE; DELETE"):
        with pytest.raises(UnsafeValue):
            record_id(attack)


@responses.activate
def test_an_injected_id_never_reaches_a_query():
    sf, _ = connector()
    responses.get(f"{API}/query/", **query_answer([lead()]))

    page = sf.read_contacts([LEAD, "00Q' OR Name != '"])

    assert page.missing_ids == ["00Q' OR Name != '"]
    assert "OR Name" not in responses.calls[0].request.params["q"]


@responses.activate
def test_every_session_id_a_login_hands_out_is_reported_for_masking():
    told: list[str] = []
    calls, _ = sf_calls("password", on_secret=told.append)
    login = "https://login.salesforce.com/services/Soap/u/59.0"
    responses.post(login, body=SOAP_OK.format(session="00D!FIRST-SESSION-111"))
    responses.post(login, body=SOAP_OK.format(session="00D!SECOND-SESSION-222"))
    expired = [{"errorCode": "INVALID_SESSION_ID", "message": "Session expired or invalid"}]
    responses.get(f"{API}/limits/", json=expired, status=401)
    responses.get(f"{API}/limits/", json={"DailyApiRequests": {"Max": 100000, "Remaining": 99000}})

    calls.request("limits", lambda sf: sf.limits())

    assert told == ["00D!FIRST-SESSION-111", "00D!SECOND-SESSION-222"]  # the first login and the renewal
