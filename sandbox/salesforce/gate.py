"""The Salesforce side of the request pipeline (every path under /services/).

Order: (counted by the shared pipeline) -> session auth -> route -> scripted fault -> daily API quota ->
random fault -> latency -> handler. Login, OAuth and the version list need no session and do not count
against the quota; every other answer carries `Sforce-Limit-Info: api-usage=used/limit`.
Faults built for HubSpot (scripted without a body, or random) are re-shaped as Salesforce errors.
"""

from __future__ import annotations

import json
import logging
import time

from leadstage.sandbox.config import SandboxConfig
from leadstage.sandbox.faults import FaultAction, Injector, RandomFaults
from leadstage.sandbox.http import Handler, Request, Response, Router
from leadstage.sandbox.salesforce.http import (
    LIMIT_EXCEEDED_MESSAGE,
    LIMIT_INFO_HEADER,
    SESSION_INVALID_MESSAGE,
    SalesforceError,
    default_fault,
    not_found,
)
from leadstage.sandbox.salesforce.org import SalesforceOrg

log = logging.getLogger(__name__)

DATA_PREFIX = "/services/data/"
PUBLIC_ENDPOINTS = frozenset({"sf.login", "sf.oauth", "sf.versions"})
COLLECTIONS_ENDPOINT = "sf.collections"
RESET_STATUS = 0
HTTP_METHODS = ("GET", "HEAD", "PATCH", "POST", "PUT", "DELETE")


def salesforce_shaped(response: Response) -> Response:
    """A fault answer with HubSpot's error body turned into Salesforce's `[{"message","errorCode"}]`."""
    try:
        payload = json.loads(response.body or b"null")
    except ValueError:
        return response
    if not (isinstance(payload, dict) and payload.get("status") == "error"):
        return response
    shaped = default_fault(response.status)
    for name, value in response.headers.items():
        if name.lower() != "content-type":
            shaped.headers.setdefault(name, value)
    return shaped


class SalesforceRandomFaults(RandomFaults):
    """RandomFaults whose `p207` also applies to sObject Collections (one record fails UNABLE_TO_LOCK_ROW)."""

    def _action(self, kind: str, endpoint: str) -> FaultAction | None:
        if kind == "207" and endpoint == COLLECTIONS_ENDPOINT:
            return FaultAction(fail_one_input=self._rng.random())
        return super()._action(kind, endpoint)


class SalesforceGate:
    """Answers requests for Salesforce paths (never raises)."""

    def __init__(
        self,
        org: SalesforceOrg,
        config: SandboxConfig,
        router: Router,
        injector: Injector,
        random_faults: RandomFaults | None,
    ) -> None:
        self.org = org
        self.config = config
        self.router = router
        self.injector = injector
        self.random_faults = random_faults

    def answer(self, request: Request, handler: Handler | None) -> Response:
        """The answer to one request for a /services/ path."""
        try:
            return self._answer(request, handler)
        except SalesforceError as error:
            return error.to_response()
        except Exception:  # a bug in a handler must still produce a Salesforce-shaped answer
            log.exception("sandbox Salesforce handler failed for %s %s", request.method, request.target)
            return default_fault(500)

    def _answer(self, request: Request, handler: Handler | None) -> Response:
        public = request.endpoint in PUBLIC_ENDPOINTS or not request.path.startswith(DATA_PREFIX)
        if not public and self.org.session(request.token) is None:
            return SalesforceError(401, "INVALID_SESSION_ID", SESSION_INVALID_MESSAGE).to_response()
        response = self._serve(request, handler, public)
        if not public and not response.reset:
            response.headers.setdefault(LIMIT_INFO_HEADER, self._usage())
        return response

    def _serve(self, request: Request, handler: Handler | None, public: bool) -> Response:
        if handler is None:
            return self._not_found(request)
        scripted = self._fault(self.injector.take(request.endpoint, self.config.retry_after))
        if scripted is not None:
            return scripted
        refusal = None if public else self._admit()
        if refusal is not None:
            return refusal
        drawn = self.random_faults.draw(request.endpoint) if self.random_faults is not None else None
        faulted = self._fault(drawn)
        if faulted is not None:
            return faulted
        if drawn is not None:
            request.fail_one_input = drawn.fail_one_input
        if self.config.latency_ms:
            time.sleep(self.config.latency_ms / 1000)
        try:
            return handler(request)
        except SalesforceError as error:
            return error.to_response()

    def _admit(self) -> Response | None:
        """Count this request against the rolling 24 h quota, or refuse it (403) when it is used up."""
        with self.org.lock:
            now = self.config.clock()
            if self.org.usage.used(now) >= self.org.usage.limit:
                return SalesforceError(403, "REQUEST_LIMIT_EXCEEDED", LIMIT_EXCEEDED_MESSAGE).to_response()
            self.org.usage.take(now)
        return None

    def _usage(self) -> str:
        used, limit = self.org.api_usage()
        return f"api-usage={used}/{limit}"

    @staticmethod
    def _fault(action: FaultAction | None) -> Response | None:
        if action is None:
            return None
        if action.reset:
            return Response(RESET_STATUS, reset=True)
        if action.response is not None:
            return salesforce_shaped(action.response)
        if action.delay_s:
            time.sleep(action.delay_s)
        return None

    def _not_found(self, request: Request) -> Response:
        if self.router.path_known(request.path):
            allowed = [method for method in HTTP_METHODS if self.router.match(method, request.path)]
            message = f"HTTP Method '{request.method}' not allowed. Allowed are {','.join(allowed)}"
            return SalesforceError(405, "METHOD_NOT_ALLOWED", message).to_response()
        return not_found().to_response()
