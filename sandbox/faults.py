"""Faults: scripted ones (`Sandbox.inject`) and random ones drawn from `FaultRates`.

A fault decides the answer before the handler runs, so a faulted request never applies a write.
Scripted faults take precedence over random ones.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field
from typing import Any

from leadstage.sandbox.config import FaultRates
from leadstage.sandbox.http import Response, error_payload
from leadstage.sandbox.limits import POLICY_TEN_SECONDLY, rate_limit_response

BATCH_UPDATE_SUFFIX = ".batch_update"
DEFAULT_RETRY_AFTER_S = 1

_DEFAULT_ERRORS: dict[int, tuple[str, str]] = {
    400: ("There was a problem with the request.", "VALIDATION_ERROR"),
    401: ("Authentication credentials not found.", "INVALID_AUTHENTICATION"),
    403: ("This app hasn't been granted all required scopes to make this call.", "MISSING_SCOPES"),
    404: ("Resource not found", "OBJECT_NOT_FOUND"),
    409: ("Conflict", "CONFLICT"),
    423: ("The record is locked by another operation; retry in a couple of seconds.", "LOCKED"),
    500: ("internal error", "INTERNAL_ERROR"),
    502: ("Bad gateway: the upstream service did not answer.", "BAD_GATEWAY"),
    503: ("Service unavailable, please retry later.", "SERVICE_UNAVAILABLE"),
    504: ("Gateway timeout.", "GATEWAY_TIMEOUT"),
}


def default_fault_response(status: int, retry_after: bool) -> Response:
    """HubSpot-like default body for an injected status (429 gets the ten-secondly rate-limit body)."""
    if status == 429:
        return rate_limit_response(POLICY_TEN_SECONDLY, DEFAULT_RETRY_AFTER_S if retry_after else None)
    if 200 <= status < 300:
        return Response.json(status, {})
    message, category = _DEFAULT_ERRORS.get(status, (f"HTTP {status}", "ERROR"))
    return Response.json(status, error_payload(message, category))


@dataclass
class FaultAction:
    """What to do with a request instead of (or before) serving it."""

    response: Response | None = None  # answer this instead of serving
    reset: bool = False  # close the socket without answering
    delay_s: float = 0.0  # sleep, then serve normally (unless response/reset is set)
    stall_body_s: float = 0.0  # serve normally, but pause this long halfway through sending the body
    fail_one_input: float | None = None  # p207: serve, but fail the batch input at this fraction of the list


@dataclass
class InjectRule:
    """One scripted fault: the next `remaining` requests matching `endpoint` get it."""

    endpoint: str | None
    remaining: int
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    reset: bool = False
    delay_s: float | None = None
    stall_body_s: float | None = None

    def matches(self, endpoint: str) -> bool:
        """Whether this rule applies to a request for `endpoint`."""
        return self.remaining > 0 and (self.endpoint is None or self.endpoint == endpoint)

    def action(self, retry_after: bool) -> FaultAction:
        """The action for one matching request."""
        if self.reset:
            return FaultAction(reset=True)
        if self.delay_s is not None:
            return FaultAction(delay_s=self.delay_s)
        if self.stall_body_s is not None:
            return FaultAction(stall_body_s=self.stall_body_s)
        if self.body is None:
            response = default_fault_response(self.status, retry_after)
        elif isinstance(self.body, bytes | str):
            raw = self.body.encode("utf-8") if isinstance(self.body, str) else self.body
            response = Response(self.status, raw, {"Content-Type": "application/json;charset=utf-8"})
        else:
            response = Response(self.status, json.dumps(self.body).encode("utf-8"))
            response.headers["Content-Type"] = "application/json;charset=utf-8"
        response.headers.update(self.headers)
        return FaultAction(response=response)


class Injector:
    """The queue of scripted faults (first matching rule wins)."""

    def __init__(self) -> None:
        self._rules: list[InjectRule] = []
        self._lock = threading.Lock()

    def add(self, rule: InjectRule) -> None:
        """Queue a rule."""
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        """Drop all pending rules."""
        with self._lock:
            self._rules.clear()

    def take(self, endpoint: str, retry_after: bool) -> FaultAction | None:
        """Consume one use of the first rule matching `endpoint`."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(endpoint):
                    rule.remaining -= 1
                    action = rule.action(retry_after)
                    self._rules = [r for r in self._rules if r.remaining > 0]
                    return action
        return None


class RandomFaults:
    """Draws at most one fault per eligible request from a seeded RNG (deterministic request by request)."""

    def __init__(self, rates: FaultRates, retry_after: bool) -> None:
        self._rates = rates
        self._retry_after = retry_after
        self._rng = random.Random(rates.seed)
        self._endpoints = frozenset(rates.endpoints) if rates.endpoints is not None else None
        self._lock = threading.Lock()

    def draw(self, endpoint: str) -> FaultAction | None:
        """The fault for this request, or None."""
        if self._endpoints is not None and endpoint not in self._endpoints:
            return None
        with self._lock:
            roll = self._rng.random()
            cumulative = 0.0
            for kind, probability in self._rates.stacked():
                cumulative += probability
                if roll < cumulative:
                    return self._action(kind, endpoint)
        return None

    def _action(self, kind: str, endpoint: str) -> FaultAction | None:
        if kind == "429":
            retry = DEFAULT_RETRY_AFTER_S if self._retry_after else None
            return FaultAction(response=rate_limit_response(POLICY_TEN_SECONDLY, retry))
        if kind == "429_no_retry_after":
            return FaultAction(response=rate_limit_response(POLICY_TEN_SECONDLY, None))
        if kind == "reset":
            return FaultAction(reset=True)
        if kind == "slow":
            return FaultAction(delay_s=self._rates.slow_s)
        if kind == "207":
            if not endpoint.endswith(BATCH_UPDATE_SUFFIX):
                return None
            return FaultAction(fail_one_input=self._rng.random())
        return FaultAction(response=default_fault_response(int(kind), self._retry_after))
