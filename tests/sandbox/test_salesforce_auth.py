"""Salesforce logins with the real simple-salesforce: SOAP, OAuth (password, JWT, client credentials), direct
sessions; bad credentials; expired sessions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from simple_salesforce import Salesforce, SalesforceAuthenticationFailed, SalesforceExpiredSession

from leadstage.connectors.clock import FixedClock
from leadstage.sandbox import Sandbox, salesforce_session
from tests.sandbox.test_salesforce_support import (
    CONSUMER_KEY,
    DATA,
    PASSWORD,
    TOKEN,
    USERNAME,
    client,
    direct,
    raw,
    seeded,
)

COUNT_LEADS = "SELECT COUNT() FROM Lead"


@pytest.fixture
def sb(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return seeded(make_sandbox, n_leads=30)


@pytest.fixture(scope="module")
def private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def test_soap_login_with_password_and_token_points_the_client_at_the_sandbox(sb: Sandbox) -> None:
    sf = client(sb)

    assert sf.sf_instance == f"127.0.0.1:{sb.port}"
    assert sf.query(COUNT_LEADS)["totalSize"] == 30
    assert sb.counts() == {"sf.login": 1, "sf.query": 1}


def test_soap_login_answers_the_real_envelope(sb: Sandbox) -> None:
    body = f"""<?xml version="1.0" encoding="utf-8" ?><env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/">
    <env:Body><n1:login xmlns:n1="urn:partner.soap.sforce.com"><n1:username>{USERNAME}</n1:username>
    <n1:password>{PASSWORD}{TOKEN}</n1:password></n1:login></env:Body></env:Envelope>"""

    answer = raw(sb, "POST", "/services/Soap/u/59.0", body, headers={"Content-Type": "text/xml"})

    text = answer.text
    assert answer.status_code == 200
    assert f"<serverUrl>https://127.0.0.1:{sb.port}/services/Soap/u/59.0/{sb.salesforce.org_id}</serverUrl>" in text
    for element in ("sessionId", "userId", "organizationId", "metadataServerUrl", "userName"):
        assert f"<{element}>" in text


def test_bad_password_is_a_soap_fault_with_invalid_login(sb: Sandbox) -> None:
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        Salesforce(username=USERNAME, password="wrong", security_token=TOKEN, session=salesforce_session(sb.url))

    assert failure.value.code == "INVALID_LOGIN"
    assert failure.value.auth_message == "Invalid username, password, security token; or user locked out."
    assert sb.request_log[-1].status == 500


def test_oauth_password_grant(sb: Sandbox) -> None:
    sf = Salesforce(
        username=USERNAME,
        password=PASSWORD + TOKEN,
        consumer_key=CONSUMER_KEY,
        consumer_secret="any-secret",
        session=salesforce_session(sb.url),
    )

    assert sf.query(COUNT_LEADS)["totalSize"] == 30
    assert sb.counts()["sf.oauth"] == 1


def test_oauth_password_grant_refuses_bad_credentials_and_unknown_clients(sb: Sandbox) -> None:
    for key, password in ((CONSUMER_KEY, "nope"), ("other-key", PASSWORD)):
        with pytest.raises(SalesforceAuthenticationFailed) as failure:
            Salesforce(
                username=USERNAME,
                password=password,
                consumer_key=key,
                consumer_secret="s",
                session=salesforce_session(sb.url),
            )
        assert failure.value.code in ("invalid_grant", "invalid_client_id")


def test_jwt_bearer_login_with_a_generated_key(sb: Sandbox, private_key: str) -> None:
    sf = Salesforce(
        username=USERNAME, consumer_key=CONSUMER_KEY, privatekey=private_key, session=salesforce_session(sb.url)
    )

    assert sf.auth_type == "jwt-bearer"
    assert sf.query(COUNT_LEADS)["totalSize"] == 30


def test_jwt_for_an_unknown_user_or_another_app_is_refused(sb: Sandbox, private_key: str) -> None:
    for username, key in (("nobody@example.com", CONSUMER_KEY), (USERNAME, "other-app")):
        with pytest.raises(SalesforceAuthenticationFailed):
            Salesforce(username=username, consumer_key=key, privatekey=private_key, session=salesforce_session(sb.url))


def test_malformed_jwt_assertion_is_invalid_grant(sb: Sandbox) -> None:
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": "not.a.jwt"}

    answer = salesforce_session(sb.url).post("https://login.salesforce.com/services/oauth2/token", data=form)

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_client_credentials_login(sb: Sandbox) -> None:
    sf = Salesforce(
        consumer_key=CONSUMER_KEY, consumer_secret="secret", domain="acme.my", session=salesforce_session(sb.url)
    )

    assert sf.auth_type == "client-credentials"
    assert sf.query(COUNT_LEADS)["totalSize"] == 30


def test_direct_session_and_instance_url(sb: Sandbox) -> None:
    sf = direct(sb)

    assert sf.query(COUNT_LEADS)["totalSize"] == 30
    assert "sf.login" not in sb.counts()


def test_rest_calls_without_a_valid_session_answer_invalid_session_id(sb: Sandbox) -> None:
    answer = raw(sb, "GET", f"{DATA}/limits", session_id="00Dbogus!session")

    assert answer.status_code == 401
    assert answer.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    assert "Sforce-Limit-Info" not in answer.headers


def test_expired_session_raises_salesforce_expired_session_for_a_direct_client(sb: Sandbox) -> None:
    sf = direct(sb)
    sb.salesforce.expire_sessions()

    with pytest.raises(SalesforceExpiredSession) as failure:
        sf.query(COUNT_LEADS)

    assert failure.value.content[0]["errorCode"] == "INVALID_SESSION_ID"


def test_a_password_client_logs_in_again_after_its_session_expired(sb: Sandbox) -> None:
    sf = client(sb)
    sb.salesforce.expire_sessions()

    assert sf.query(COUNT_LEADS)["totalSize"] == 30
    assert sb.counts()["sf.login"] == 2


def test_sessions_expire_after_the_configured_ttl_on_the_sandbox_clock(
    make_sandbox: Callable[..., Sandbox], clock: FixedClock
) -> None:
    sb = seeded(make_sandbox, n_leads=5, salesforce_session_ttl_s=3600)
    sf = direct(sb)
    assert sf.query(COUNT_LEADS)["totalSize"] == 5

    clock.advance(seconds=3600)

    with pytest.raises(SalesforceExpiredSession):
        sf.query(COUNT_LEADS)


def test_hubspot_tokens_do_not_open_salesforce_paths_and_sessions_do_not_open_hubspot(sb: Sandbox) -> None:
    salesforce = raw(sb, "GET", f"{DATA}/limits", session_id="test-token")
    hubspot = raw(sb, "GET", "/crm/v3/objects/contacts", session_id=sb.salesforce.issue_session())

    assert salesforce.status_code == 401
    assert hubspot.status_code == 401 and hubspot.json()["category"] == "INVALID_AUTHENTICATION"
