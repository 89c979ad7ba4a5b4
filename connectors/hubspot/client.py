"""Calls through hubspot-api-client with our timeouts, rate limits and the one retry policy.

The generated client is kept (request building, auth, urllib3 pools) but urllib3's own retries are off and
responses are read raw (``_preload_content=False``) and parsed as JSON: the generated models are slow and
lose fields we need (207 ``errors`` context, rate-limit headers).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

import urllib3
from hubspot import HubSpot
from urllib3.exceptions import HTTPError as Urllib3Error

from leadstage.connectors.base import AuthenticationFailed, ConnectorError, QuotaExhausted
from leadstage.connectors.resilience import (
    RETRYABLE_STATUSES,
    Clock,
    RateLimiter,
    RetryPolicy,
    Timeouts,
    TransientError,
    parse_retry_after,
)

log = logging.getLogger(__name__)

Json = dict[str, Any]


class HubSpotRequestError(ConnectorError):
    """HubSpot refused a request for good; ``status`` and the parsed ``body`` say why."""

    def __init__(self, message: str, status: int, body: Json | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body or {}


def _parse_body(raw: str | bytes | None) -> Json:
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return {"message": str(raw)[:500]}
    return parsed if isinstance(parsed, dict) else {"message": str(parsed)[:500]}


def _describe(status: int, body: Json) -> str:
    message = body.get("message") or body.get("category") or "no message"
    return f"HTTP {status}: {message}"


class HubSpotCalls:
    """The single path every HubSpot request takes: rate limiter, timeout, retry, JSON, error sorting."""

    def __init__(
        self,
        token: str,
        base_url: str,
        limiter: RateLimiter,
        search_limiter: RateLimiter,
        retry: RetryPolicy,
        timeouts: Timeouts,
        clock: Clock,
    ) -> None:
        client = HubSpot(
            access_token=token,
            host=base_url.rstrip("/"),
            retry=urllib3.Retry(0, redirect=0, respect_retry_after_header=False),
        )
        # Each property access builds a new API object with its own pool: take them once.
        crm = client.crm
        self.contacts_basic = crm.contacts.basic_api
        self.contacts_search = crm.contacts.search_api
        self.contacts_batch = crm.contacts.batch_api
        self.properties = crm.properties.core_api
        self.property_groups = crm.properties.groups_api
        self.objects_batch = crm.objects.batch_api
        self.objects_search = crm.objects.search_api
        self.associations = crm.associations.v4.batch_api
        self.events = client.events.events_api
        self._limiter = limiter
        self._search_limiter = search_limiter
        self._retry = retry
        self._timeouts = timeouts
        self._clock = clock
        self.calls: Counter[str] = Counter()
        self.rate_limited = 0

    def request(self, endpoint: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[int, Json]:
        """Send one logical request (retried as the policy allows); returns (HTTP status, parsed JSON)."""
        limiter = self._search_limiter if endpoint.endswith("search") else self._limiter

        def attempt() -> tuple[int, Json]:
            limiter.acquire()
            self.calls[endpoint] += 1
            try:
                response = fn(
                    *args,
                    _request_timeout=self._timeouts.as_tuple(),
                    _preload_content=False,
                    **kwargs,
                )
            except Urllib3Error as error:
                raise TransientError(f"connection failed: {type(error).__name__}") from None
            except Exception as error:
                raise self._sort(error) from None
            finally:
                limiter.done()
            try:
                data = response.data
            except Urllib3Error as error:
                # The connection still holds (part of) this answer: closing it keeps the pool from handing it to
                # the next request, which would then read this answer as its own.
                response.close()
                raise TransientError(f"connection lost while reading: {type(error).__name__}") from None
            response.release_conn()
            return response.status, _parse_body(data)

        return self._retry.call(attempt, f"HubSpot {endpoint}")

    def total_calls(self) -> int:
        return sum(self.calls.values())

    def _sort(self, error: Exception) -> Exception:
        """Turn a client exception into TransientError, QuotaExhausted or a fatal error, keeping no secrets."""
        status = getattr(error, "status", None)
        if status is None:
            return error
        body = _parse_body(getattr(error, "body", None))
        headers = getattr(error, "headers", None) or {}
        if status == 0:
            return TransientError(f"connection failed: {getattr(error, 'reason', '')}")
        if status == 401:
            return AuthenticationFailed(
                "HubSpot refused the access token (401): check the private app token and its scopes"
            )
        if status == 429:
            self.rate_limited += 1
            if body.get("policyName") == "DAILY":
                return QuotaExhausted("HubSpot's daily API limit is used up; the run stops until it resets")
            retry_after = parse_retry_after(headers.get("Retry-After"), self._clock())
            if retry_after is not None:
                self._limiter.hold_off(retry_after)
            return TransientError(_describe(status, body), status=status, retry_after=retry_after)
        if status in RETRYABLE_STATUSES:
            retry_after = parse_retry_after(headers.get("Retry-After"), self._clock())
            return TransientError(_describe(status, body), status=status, retry_after=retry_after)
        return HubSpotRequestError(_describe(status, body), status=status, body=body)
