"""Salesforce's side of the HTTP layer: its error shape, its JSON content type, and path helpers.

Salesforce REST errors are a JSON list: `[{"message": "...", "errorCode": "...", "fields": [...]}]`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from leadstage.sandbox.http import Request, Response

SALESFORCE_PREFIX = "/services/"
JSON_CONTENT_TYPE = "application/json;charset=UTF-8"
CSV_CONTENT_TYPE = "text/csv"
LIMIT_INFO_HEADER = "Sforce-Limit-Info"
_VERSION = re.compile(r"^v\d{2,3}\.\d$")

NOT_FOUND_MESSAGE = "The requested resource does not exist"
SESSION_INVALID_MESSAGE = "Session expired or invalid"
LIMIT_EXCEEDED_MESSAGE = "TotalRequests Limit exceeded."

# Bodies for injected statuses on Salesforce paths (the sandbox's choice where Salesforce has no such status).
DEFAULT_FAULTS: dict[int, tuple[str, str]] = {
    400: ("INVALID_INPUT", "The request couldn't be understood."),
    401: ("INVALID_SESSION_ID", SESSION_INVALID_MESSAGE),
    403: ("REQUEST_LIMIT_EXCEEDED", LIMIT_EXCEEDED_MESSAGE),
    404: ("NOT_FOUND", NOT_FOUND_MESSAGE),
    409: ("CONFLICT", "The request could not be completed due to a conflict."),
    423: ("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record"),
    429: ("REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded."),
    500: ("UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this ErrorId if you contact support."),
    502: ("SERVER_UNAVAILABLE", "Bad gateway: the server did not answer."),
    503: ("SERVER_UNAVAILABLE", "Server temporarily unavailable. Please retry your request later."),
    504: ("SERVER_UNAVAILABLE", "The request timed out at the gateway."),
}


def sf_json(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer with Salesforce's content type."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return Response(status, body, {"Content-Type": JSON_CONTENT_TYPE, **(headers or {})})


def error_entry(code: str, message: str, fields: list[str] | None = None) -> dict[str, Any]:
    """One entry of a REST error list."""
    entry: dict[str, Any] = {"message": message, "errorCode": code}
    if fields is not None:
        entry["fields"] = fields
    return entry


class SalesforceError(Exception):
    """Raised by Salesforce handlers: becomes `[{"message", "errorCode"}]` with this status."""

    def __init__(self, status: int, code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields

    def to_response(self) -> Response:
        """The error as an HTTP answer."""
        return sf_json(self.status, [error_entry(self.code, self.message, self.fields)])


def not_found() -> SalesforceError:
    """404 NOT_FOUND, as Salesforce answers unknown resources and records."""
    return SalesforceError(404, "NOT_FOUND", NOT_FOUND_MESSAGE)


def default_fault(status: int) -> Response:
    """A Salesforce-shaped body for an injected status."""
    if 200 <= status < 300:
        return sf_json(status, {})
    code, message = DEFAULT_FAULTS.get(status, ("UNKNOWN_EXCEPTION", f"HTTP {status}"))
    return sf_json(status, [error_entry(code, message)])


def api_version(request: Request) -> str:
    """The "vNN.N" of a /services/data/vNN.0/... path (404 NOT_FOUND when it isn't one)."""
    version = request.params.get("version", "")
    if not _VERSION.match(version):
        raise not_found()
    return version
