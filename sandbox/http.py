"""Transport-neutral request/response types, the JSON error shape, and a small path router.

Handlers take a `Request` and return a `Response` (or raise `ApiError`); they never see sockets.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

JSON_CONTENT_TYPE = "application/json;charset=utf-8"
UNKNOWN_ENDPOINT = "unknown"

CATEGORY_VALIDATION = "VALIDATION_ERROR"
CATEGORY_NOT_FOUND = "OBJECT_NOT_FOUND"
CATEGORY_ALREADY_EXISTS = "OBJECT_ALREADY_EXISTS"
CATEGORY_AUTH = "INVALID_AUTHENTICATION"


def correlation_id() -> str:
    """A fresh correlation id, as every HubSpot error carries."""
    return str(uuid.uuid4())


def error_payload(message: str, category: str, **extra: Any) -> dict[str, Any]:
    """HubSpot's error body: status, message, correlationId, category (+ extra keys such as context)."""
    payload: dict[str, Any] = {
        "status": "error",
        "message": message,
        "correlationId": correlation_id(),
        "category": category,
    }
    payload.update(extra)
    return payload


def batch_error(category: str, message: str, context: dict[str, list[str]], **extra: Any) -> dict[str, Any]:
    """One entry of a 207 answer's `errors` list (the client's model needs links and errors present)."""
    entry: dict[str, Any] = {
        "status": "error",
        "category": category,
        "message": message,
        "context": context,
        "links": {},
        "errors": [],
    }
    entry.update(extra)
    return entry


class ApiError(Exception):
    """Raised by handlers: becomes a JSON error answer with this status."""

    def __init__(self, status: int, message: str, category: str = CATEGORY_VALIDATION, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.category = category
        self.extra = extra

    def to_response(self) -> Response:
        """The error as an HTTP answer."""
        return Response.json(self.status, error_payload(self.message, self.category, **self.extra))


@dataclass
class Request:
    """One parsed HTTP request."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes = b""
    path: str = ""
    query: dict[str, list[str]] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    endpoint: str = UNKNOWN_ENDPOINT
    token: str | None = None
    fail_one_input: float | None = None  # set by the fault layer (p207): fail the input at this fraction

    def __post_init__(self) -> None:
        parts = urlsplit(self.target)
        self.path = parts.path.rstrip("/") or "/"
        self.query = parse_qs(parts.query, keep_blank_values=True)

    def header(self, name: str) -> str | None:
        """A header value, case-insensitively."""
        return self.headers.get(name.lower())

    def json(self) -> Any:
        """The body parsed as JSON; a 400 ApiError when it isn't."""
        try:
            return json.loads(self.body.decode("utf-8") or "null")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ApiError(400, f"Invalid input JSON on line 1: {exc}", CATEGORY_VALIDATION) from exc

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object; a 400 ApiError otherwise."""
        data = self.json()
        if not isinstance(data, dict):
            raise ApiError(400, "Invalid input JSON: expected an object", CATEGORY_VALIDATION)
        return data

    def query_one(self, name: str, default: str | None = None) -> str | None:
        """The first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def query_list(self, name: str) -> list[str]:
        """All values of a repeatable query parameter, also split on commas ("a&b" and "a,b" alike)."""
        out: list[str] = []
        for raw in self.query.get(name, []):
            out.extend(part.strip() for part in raw.split(",") if part.strip())
        return out

    def query_int(self, name: str, default: int) -> int:
        """An integer query parameter; a 400 ApiError when it isn't an integer."""
        raw = self.query_one(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError as exc:
            raise ApiError(400, f"Invalid value for query parameter '{name}': {raw!r}") from exc


@dataclass
class Response:
    """One HTTP answer; `reset=True` means: close the connection without answering."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    reset: bool = False
    stall_body_s: float = 0.0  # pause halfway through the body (a client's read timeout then hits mid-answer)

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
        """A JSON answer (compact, key order as built, so equal states give byte-identical bodies)."""
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        try:
            body = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: JSON carries it as a \uXXXX escape, as real APIs do
            body = json.dumps(payload, separators=(",", ":")).encode("ascii")
        all_headers = {"Content-Type": JSON_CONTENT_TYPE}
        all_headers.update(headers or {})
        return cls(status, body, all_headers)


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    """A method + path pattern ("/crm/v3/objects/{type}") with its endpoint name and handler."""

    method: str
    pattern: str
    endpoint: str
    handler: Handler
    regex: re.Pattern[str]


class Router:
    """Matches requests to routes in registration order (register literal paths before patterns)."""

    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(self, method: str, pattern: str, endpoint: str, handler: Handler) -> None:
        """Register a handler; `{name}` segments become `request.params[name]`."""
        regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern.rstrip("/")) + "$")
        self._routes.append(Route(method.upper(), pattern, endpoint, handler, regex))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The first route matching method and path, with its path parameters."""
        for route in self._routes:
            if route.method != method.upper():
                continue
            found = route.regex.match(path)
            if found:
                return route, found.groupdict()
        return None

    def path_known(self, path: str) -> bool:
        """Whether any method serves this path (to tell 405 from 404)."""
        return any(route.regex.match(path) for route in self._routes)
