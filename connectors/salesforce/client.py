"""Calls through simple-salesforce with our timeouts, rate limiter, retry policy, quota guard and one session
renewal.

simple-salesforce has no timeout and always builds https URLs: every request goes through a requests Session
whose adapter adds the timeouts and, only for a loopback login URL (the sandbox), sends https requests to it
over plain http. The ``Sforce-Limit-Info`` header of every answer is read by a response hook, and the run stops
once the org's daily API usage passes the configured share.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceRefusedRequest,
)

from leadstage.connectors.base import AuthenticationFailed, ConnectorError, QuotaExhausted
from leadstage.connectors.resilience import RETRYABLE_STATUSES, RateLimiter, RetryPolicy, Timeouts, TransientError

log = logging.getLogger(__name__)

LIMIT_HEADER = re.compile(r"api-usage=(\d+)/(\d+)")


class SessionRenewal(TransientError):
    """The session expired: log in again and repeat the call (once per call)."""


class SalesforceRequestError(ConnectorError):
    """Salesforce refused a request for good; ``code`` is its errorCode (MALFORMED_QUERY, INVALID_FIELD...)."""

    def __init__(self, message: str, status: int, code: str | None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class SalesforceAuth:
    """How to log in; secrets are read from the environment by the caller and passed in, never stored."""

    mode: str  # password, jwt, client_credentials, session
    login_url: str
    username: str | None = None
    password: str | None = None
    security_token: str | None = None
    consumer_key: str | None = None
    consumer_secret: str | None = None
    private_key: str | None = None
    session_id: str | None = None
    instance_url: str | None = None

    @property
    def domain(self) -> str:
        """simple-salesforce's ``domain``: login.salesforce.com -> login, acme.my.salesforce.com -> acme.my."""
        host = urlsplit(self.login_url).hostname or "login"
        return host.removesuffix(".salesforce.com") if host.endswith(".salesforce.com") else "login"


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Adapter(HTTPAdapter):
    """Adds the timeouts to every request; for a loopback target, sends https URLs to it over http."""

    def __init__(self, timeouts: Timeouts, loopback: str | None) -> None:
        super().__init__(max_retries=0)
        self._timeouts = timeouts.as_tuple()
        self._loopback = urlsplit(loopback) if loopback else None

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs["timeout"] = kwargs.get("timeout") or self._timeouts
        if self._loopback is not None and request.url:
            parts = urlsplit(request.url)
            request.url = urlunsplit(("http", self._loopback.netloc, parts.path, parts.query, ""))
        return super().send(request, **kwargs)


def build_session(
    timeouts: Timeouts, login_url: str, on_response: Callable[[requests.Response], None]
) -> requests.Session:
    """A requests Session with timeouts, the limit-header hook, and https-to-http only towards loopback."""
    session = requests.Session()
    loopback = login_url if login_url.startswith("http://") and is_loopback(login_url) else None
    if login_url.startswith("http://") and loopback is None:
        raise ConnectorError("a plain-http Salesforce login URL is only allowed for a loopback sandbox")
    adapter = _Adapter(timeouts, loopback)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.hooks["response"].append(lambda response, *args, **kwargs: on_response(response))
    return session


def _error_code(error: SalesforceError) -> str | None:
    content = error.content
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("errorCode") or "") or None
    return None


def _error_message(error: SalesforceError) -> str:
    content = error.content
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return f"HTTP {error.status} {content[0].get('errorCode')}: {content[0].get('message')}"
    return f"HTTP {error.status}: {str(content)[:300]}"


class SalesforceCalls:
    """The single path every Salesforce request takes."""

    def __init__(
        self,
        auth: SalesforceAuth,
        api_version: str,
        limiter: RateLimiter,
        retry: RetryPolicy,
        timeouts: Timeouts,
        quota_share: float,
        on_secret: Callable[[str], None] | None = None,
    ) -> None:
        """``on_secret`` is told every session id a login hands out (the caller masks it in its logs)."""
        self._auth = auth
        self._on_secret = on_secret
        self._told: str | None = None
        self._version = api_version
        self._limiter = limiter
        self._retry = retry
        self._quota_share = quota_share
        self.session = build_session(timeouts, auth.login_url, self._observe)
        self.calls: Counter[str] = Counter()
        self.usage: tuple[int, int] | None = None
        self.rate_limited = 0
        self._client: Salesforce | None = None

    # -- the client -----------------------------------------------------------------------------------------
    @property
    def client(self) -> Salesforce:
        if self._client is None:
            self._client = self._login()
            self._note_session()
        return self._client

    def _note_session(self) -> None:
        """Tell ``on_secret`` of a session id not told yet: a login's, or one simple-salesforce renewed itself."""
        session_id = self._client.session_id if self._client is not None else None
        if session_id and session_id != self._told and self._on_secret is not None:
            self._told = session_id
            self._on_secret(session_id)

    def _login(self) -> Salesforce:
        auth = self._auth
        common: dict[str, Any] = {"session": self.session, "version": self._version}
        try:
            self.calls["login"] += 1
            if auth.mode == "session":
                return Salesforce(instance_url=auth.instance_url, session_id=auth.session_id, **common)
            if auth.mode == "password":
                return Salesforce(
                    username=auth.username,
                    password=auth.password,
                    security_token=auth.security_token or "",
                    domain=auth.domain,
                    **common,
                )
            if auth.mode == "jwt":
                return Salesforce(
                    username=auth.username,
                    consumer_key=auth.consumer_key,
                    privatekey=auth.private_key,
                    domain=auth.domain,
                    **common,
                )
            return Salesforce(
                consumer_key=auth.consumer_key,
                consumer_secret=auth.consumer_secret,
                domain=auth.domain,
                **common,
            )
        except SalesforceAuthenticationFailed as error:
            raise AuthenticationFailed(f"Salesforce refused the login ({auth.mode}): {error.code}") from None
        except requests.RequestException as error:
            raise TransientError(f"Salesforce login failed: {type(error).__name__}") from None

    def _observe(self, response: requests.Response) -> None:
        found = LIMIT_HEADER.search(response.headers.get("Sforce-Limit-Info", ""))
        if found:
            self.usage = (int(found.group(1)), int(found.group(2)))

    def _check_quota(self) -> None:
        if self.usage is None:
            return
        used, limit = self.usage
        if limit and used >= limit * self._quota_share:
            self.rate_limited += 1
            raise QuotaExhausted(
                f"the org has used {used:,} of its {limit:,} daily API requests, past this portal's share of "
                f"{self._quota_share:.0%}; the run stops here and resumes on the next run"
            )

    # -- calls ----------------------------------------------------------------------------------------------
    def request(self, endpoint: str, fn: Callable[[Salesforce], Any]) -> Any:
        """One logical request, retried as the policy allows; an expired session is renewed once."""
        renewed = False

        def attempt() -> Any:
            nonlocal renewed
            self._check_quota()
            self._limiter.acquire()
            self.calls[endpoint] += 1
            try:
                return fn(self.client)
            except Exception as error:
                sorted_error = self._sort(error, renewed)
                if isinstance(sorted_error, SessionRenewal):
                    renewed = True
                    self._client = None  # the next attempt logs in again
                raise sorted_error from None
            finally:
                self._limiter.done()
                self._note_session()

        return self._retry.call(attempt, f"Salesforce {endpoint}")

    def _sort(self, error: Exception, renewed: bool) -> Exception:
        """What a failed call means: retry (TransientError, SessionRenewal), stop (QuotaExhausted), or a refusal
        (AuthenticationFailed, SalesforceRequestError); anything unknown passes through unchanged."""
        if isinstance(error, SalesforceExpiredSession):
            if renewed or self._auth.mode == "session":
                return AuthenticationFailed(
                    "the Salesforce session expired"
                    + (": set a fresh session id" if self._auth.mode == "session" else " again after renewal")
                )
            log.info("Salesforce session expired; logging in again")
            return SessionRenewal("session expired; renewed", retry_after=0)
        if isinstance(error, SalesforceRefusedRequest) and _error_code(error) == "REQUEST_LIMIT_EXCEEDED":
            self.rate_limited += 1
            return QuotaExhausted(
                "Salesforce says the org's daily API request limit is exceeded (REQUEST_LIMIT_EXCEEDED); "
                "the run stops without retrying"
            )
        if isinstance(error, SalesforceError):
            if error.status in RETRYABLE_STATUSES:
                return TransientError(_error_message(error), status=error.status)
            return SalesforceRequestError(_error_message(error), error.status, _error_code(error))
        if isinstance(error, requests.ConnectionError | requests.Timeout):
            return TransientError(f"connection failed: {type(error).__name__}")
        return error

    def total_calls(self) -> int:
        return sum(self.calls.values())
