"""Logging in: the SOAP partner login and the OAuth 2.0 token endpoint, as simple-salesforce calls them.

Endpoint names: sf.login (POST /services/Soap/u/{version}), sf.oauth (POST /services/oauth2/token).

Passwords: the password followed by the user's security token, or the bare password (the loopback
address counts as a trusted IP range). JWT bearer assertions are read but their signature is not
verified: the sandbox has no certificate to check them against.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt

from leadstage.sandbox.http import Request, Response, Router
from leadstage.sandbox.salesforce.http import sf_json
from leadstage.sandbox.salesforce.org import SalesforceOrg

SOAP_NAMESPACE = "urn:partner.soap.sforce.com"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
INVALID_LOGIN = "Invalid username, password, security token; or user locked out."
SESSION_SECONDS_VALID = 7_200
XML_CONTENT_TYPE = "text/xml;charset=UTF-8"
ORG_NAME = "Leadstage Sandbox Org"

_LOGIN_RESPONSE = """<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope \
xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><loginResponse><result>\
<metadataServerUrl>{base}/services/Soap/m/{version}/{org_id}</metadataServerUrl>\
<passwordExpired>false</passwordExpired><sandbox>true</sandbox>\
<serverUrl>{base}/services/Soap/u/{version}/{org_id}</serverUrl><sessionId>{session_id}</sessionId>\
<userId>{user_id}</userId><userInfo><currencySymbol>$</currencySymbol>\
<organizationId>{org_id}</organizationId><organizationMultiCurrency>false</organizationMultiCurrency>\
<organizationName>{org_name}</organizationName><sessionSecondsValid>{seconds}</sessionSecondsValid>\
<userDefaultCurrencyIsoCode xsi:nil="true"/><userEmail>{username}</userEmail>\
<userFullName>{username}</userFullName><userId>{user_id}</userId><userLanguage>en_US</userLanguage>\
<userLocale>en_US</userLocale><userName>{username}</userName><userTimeZone>Etc/UTC</userTimeZone>\
<userType>Standard</userType></userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>"""

_LOGIN_FAULT = """<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope \
xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>\
<faultcode>sf:{code}</faultcode><faultstring>{code}: {message}</faultstring><detail>\
<sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>{code}</sf:exceptionCode>\
<sf:exceptionMessage>{message}</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault>\
</soapenv:Body></soapenv:Envelope>"""


def soap_fault(code: str, message: str) -> Response:
    """HTTP 500 with a SOAP fault, as the partner API answers a failed login."""
    body = _LOGIN_FAULT.format(code=code, message=escape(message)).encode("utf-8")
    return Response(500, body, {"Content-Type": XML_CONTENT_TYPE})


def oauth_error(error: str, description: str) -> Response:
    """HTTP 400 with an OAuth error body."""
    return sf_json(400, {"error": error, "error_description": description})


class AuthRoutes:
    """SOAP login and OAuth token."""

    def __init__(self, org: SalesforceOrg, authority: Callable[[], str]) -> None:
        self.org = org
        self.authority = authority  # "127.0.0.1:PORT": where the sandbox is reachable

    def register(self, router: Router) -> None:
        """Add the routes."""
        router.add("POST", "/services/Soap/u/{version}", "sf.login", self.soap_login)
        router.add("POST", "/services/oauth2/token", "sf.oauth", self.token)

    def _user(self, username: str | None, password: str | None) -> str | None:
        """The configured username these credentials log in as, or None."""
        if not username or password is None:
            return None
        for name, (secret, token) in self.org.config.salesforce_users.items():
            if name.lower() == username.lower() and password in (secret + token, secret):
                return name
        return None

    def soap_login(self, request: Request) -> Response:
        """POST /services/Soap/u/{version}: the partner login call."""
        try:
            root = ElementTree.fromstring(request.body)
        except ElementTree.ParseError:
            return soap_fault("INVALID_LOGIN", INVALID_LOGIN)
        values = {element.tag.rpartition("}")[2]: element.text or "" for element in root.iter()}
        username = self._user(values.get("username"), values.get("password"))
        if username is None:
            return soap_fault("INVALID_LOGIN", INVALID_LOGIN)
        version = request.params["version"]
        body = _LOGIN_RESPONSE.format(
            base=f"https://{self.authority()}",
            version=escape(version),
            org_id=self.org.org_id,
            session_id=self.org.issue_session(username),
            user_id=self.org.users[username],
            username=escape(username),
            org_name=ORG_NAME,
            seconds=SESSION_SECONDS_VALID,
        )
        return Response(200, body.encode("utf-8"), {"Content-Type": XML_CONTENT_TYPE})

    def token(self, request: Request) -> Response:
        """POST /services/oauth2/token: password, JWT bearer and client credentials grants."""
        form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        grant = form.get("grant_type")
        key = self.org.config.salesforce_consumer_key
        if grant == "password":
            if form.get("client_id") != key:
                return oauth_error("invalid_client_id", "client identifier invalid")
            username = self._user(form.get("username"), form.get("password"))
        elif grant == JWT_GRANT:
            username, refusal = self._jwt_user(form.get("assertion") or "", key)
            if refusal is not None:
                return refusal
        elif grant == "client_credentials":
            if self._client_id(request, form) != key:
                return oauth_error("invalid_client", "invalid client credentials")
            username = next(iter(self.org.config.salesforce_users))
        else:
            return oauth_error("unsupported_grant_type", "grant type not supported")
        if username is None:
            return oauth_error("invalid_grant", "authentication failure")
        return sf_json(200, self._token_answer(username))

    def _jwt_user(self, assertion: str, key: str) -> tuple[str | None, Response | None]:
        try:
            claims: dict[str, Any] = jwt.decode(assertion, options={"verify_signature": False, "verify_exp": False})
        except jwt.PyJWTError:
            return None, oauth_error("invalid_grant", "invalid assertion")
        if claims.get("iss") != key:
            return None, oauth_error("invalid_client_id", "client identifier invalid")
        audience = urlsplit(str(claims.get("aud") or ""))
        if audience.scheme != "https" or not (audience.hostname or "").endswith("salesforce.com"):
            return None, oauth_error("invalid_grant", "audience is invalid")
        if "exp" not in claims:
            return None, oauth_error("invalid_grant", "expiration is invalid")
        subject = str(claims.get("sub") or "").lower()
        found = next((name for name in self.org.config.salesforce_users if name.lower() == subject), None)
        return found, None

    @staticmethod
    def _client_id(request: Request, form: dict[str, str]) -> str | None:
        scheme, _, encoded = (request.header("authorization") or "").partition(" ")
        if scheme.lower() == "basic":
            try:
                return base64.b64decode(encoded).decode("utf-8").partition(":")[0]
            except (ValueError, UnicodeDecodeError):
                return None
        return form.get("client_id")

    def _token_answer(self, username: str) -> dict[str, Any]:
        session_id = self.org.issue_session(username)
        issued_at = str(self.org.now_ms())
        identity = f"https://login.salesforce.com/id/{self.org.org_id}/{self.org.users[username]}"
        digest = hmac.new(self.org.org_id.encode(), (identity + issued_at).encode(), hashlib.sha256).digest()
        return {
            "access_token": session_id,
            "instance_url": f"https://{self.authority()}",
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": base64.b64encode(digest).decode("ascii"),
        }
