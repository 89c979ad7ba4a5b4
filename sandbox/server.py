"""The HTTP side: a threaded HTTP/1.1 keep-alive server and the pipeline every request goes through.

Pipeline order: count -> authenticate -> route -> scripted fault -> rate limit -> random fault ->
latency -> handler. Faults answer before the handler runs, so a faulted request applies no write.
Salesforce paths (/services/...) are counted and logged here too, but answered by the Salesforce gate
(session auth, the org's API quota; see salesforce/gate.py).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from leadstage.sandbox.config import SandboxConfig
from leadstage.sandbox.faults import FaultAction, Injector, RandomFaults
from leadstage.sandbox.http import (
    CATEGORY_AUTH,
    ApiError,
    Handler,
    Request,
    Response,
    Router,
)
from leadstage.sandbox.limits import RateLimiter
from leadstage.sandbox.salesforce.http import SALESFORCE_PREFIX

log = logging.getLogger(__name__)

SEARCH_SUFFIX = ".search"
RESET_STATUS = 0  # recorded status of a request answered by closing the socket
LISTEN_BACKLOG = 128
POLL_INTERVAL_S = 0.05
AUTH_MISSING = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find "
    "more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
AUTH_INVALID = "The access token provided is invalid or expired. Check the private app's access token."


@dataclass(frozen=True)
class RequestRecord:
    """One request as the sandbox saw it (`status` 0 = answered by resetting the connection)."""

    method: str
    path: str
    endpoint: str
    status: int
    at: float
    token: str | None
    body_size: int
    query: str = ""


class RequestStats:
    """Counts per endpoint name and the request log (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._log: list[RequestRecord] = []

    def count(self, endpoint: str) -> None:
        """Count a request before it is answered."""
        with self._lock:
            self._counts[endpoint] = self._counts.get(endpoint, 0) + 1

    def record(self, record: RequestRecord) -> None:
        """Append to the log once the answer is known."""
        with self._lock:
            self._log.append(record)

    def counts(self) -> dict[str, int]:
        """A copy of the per-endpoint counts."""
        with self._lock:
            return dict(self._counts)

    def log(self) -> list[RequestRecord]:
        """A copy of the request log."""
        with self._lock:
            return list(self._log)

    def reset(self) -> None:
        """Forget counts and log."""
        with self._lock:
            self._counts.clear()
            self._log.clear()


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer ...` header."""
    value = request.header("authorization") or ""
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class Pipeline:
    """Turns a parsed request into an answer, applying auth, faults, limits and latency."""

    def __init__(
        self,
        config: SandboxConfig,
        router: Router,
        stats: RequestStats,
        injector: Injector,
        limiter: RateLimiter,
        random_faults: RandomFaults | None,
        salesforce: Callable[[Request, Handler | None], Response] | None = None,
    ) -> None:
        self._config = config
        self._salesforce = salesforce
        self._router = router
        self._stats = stats
        self._injector = injector
        self._limiter = limiter
        self._random_faults = random_faults

    def serve(self, request: Request) -> Response:
        """Answer one request (never raises)."""
        matched = self._router.match(request.method, request.path)
        if matched is not None:
            request.endpoint = matched[0].endpoint
            request.params = matched[1]
        request.token = bearer_token(request)
        self._stats.count(request.endpoint)
        try:
            response = self._answer(request, matched[0].handler if matched else None)
        except Exception:  # a bug in a handler must still produce an answer
            log.exception("sandbox handler failed for %s %s", request.method, request.target)
            response = ApiError(500, "internal error", "INTERNAL_ERROR").to_response()
        self._stats.record(
            RequestRecord(
                method=request.method,
                path=request.path,
                endpoint=request.endpoint,
                status=RESET_STATUS if response.reset else response.status,
                at=self._config.clock(),
                token=request.token,
                body_size=len(request.body),
                query=request.target.partition("?")[2],
            )
        )
        return response

    def _answer(self, request: Request, handler: Any) -> Response:
        if self._salesforce is not None and request.path.startswith(SALESFORCE_PREFIX):
            return self._salesforce(request, handler)
        if request.token is None:
            return ApiError(401, AUTH_MISSING, CATEGORY_AUTH).to_response()
        if request.token not in self._config.tokens:
            return ApiError(401, AUTH_INVALID, CATEGORY_AUTH).to_response()
        if handler is None:
            return self._not_found(request)
        scripted = self._injector.take(request.endpoint, self._config.retry_after)
        early = self._apply(scripted)
        if early is not None:
            return early
        admission = self._limiter.admit(request.endpoint.endswith(SEARCH_SUFFIX))
        if admission.refusal is not None:
            return admission.refusal
        drawn = self._random_faults.draw(request.endpoint) if self._random_faults else None
        response = self._apply(drawn)
        if response is None:
            if drawn is not None:
                request.fail_one_input = drawn.fail_one_input
            if self._config.latency_ms:
                time.sleep(self._config.latency_ms / 1000)
            try:
                response = handler(request)
            except ApiError as exc:
                response = exc.to_response()
            if scripted is not None and scripted.stall_body_s:
                response.stall_body_s = scripted.stall_body_s
        if not response.reset:
            for name, value in admission.headers.items():
                response.headers.setdefault(name, value)
        return response

    @staticmethod
    def _apply(action: FaultAction | None) -> Response | None:
        """Answer from a fault action, or sleep for a delay and return None (serve normally)."""
        if action is None:
            return None
        if action.reset:
            return Response(RESET_STATUS, reset=True)
        if action.response is not None:
            return action.response
        if action.delay_s:
            time.sleep(action.delay_s)
        return None

    def _not_found(self, request: Request) -> Response:
        if self._router.path_known(request.path):
            return ApiError(405, f"Method {request.method} is not allowed for {request.path}").to_response()
        return ApiError(404, f"Resource not found: {request.method} {request.path}", "OBJECT_NOT_FOUND").to_response()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxHTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without TCP_NODELAY, Nagle's algorithm meets the client's
        # delayed ACK and every keep-alive answer stalls ~40 ms.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        response = self.server.pipeline.serve(Request(self.command, self.path, headers, body))
        if response.reset:
            self._reset_connection()
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.stall_body_s:
            half = len(response.body) // 2
            self.wfile.write(response.body[:half])
            self.wfile.flush()
            time.sleep(response.stall_body_s)
            with contextlib.suppress(OSError):  # the client may have given up and closed the connection
                self.wfile.write(response.body[half:])
            return
        self.wfile.write(response.body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def _reset_connection(self) -> None:
        """Abort the TCP connection (RST) without sending any answer."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sandbox: " + format, *args)


class SandboxHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its pipeline and can drop open keep-alive connections on stop."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, address: tuple[str, int], pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def track(self, connection: socket.socket, add: bool) -> None:
        """Remember or forget an open client connection."""
        with self._connections_lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        """Shut down every open client connection (idle keep-alive threads then exit)."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("sandbox connection error from %s", client_address, exc_info=True)


class ServerThread:
    """Runs a SandboxHTTPServer in a daemon thread."""

    def __init__(self, host: str, port: int, pipeline: Pipeline) -> None:
        self.server = SandboxHTTPServer((host, port), pipeline)
        self._thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL_S},
            name="leadstage-sandbox",
            daemon=True,
        )

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self.server.server_address[1])

    def start(self) -> None:
        """Start serving in the background."""
        self._thread.start()

    def serve_forever(self) -> None:
        """Serve in the calling thread until shutdown (KeyboardInterrupt propagates to the caller)."""
        self.server.serve_forever(poll_interval=POLL_INTERVAL_S)

    def stop(self) -> None:
        """Stop accepting, drop open connections, release the port."""
        if self._thread.is_alive():
            self.server.shutdown()
            self._thread.join()
        self.server.close_connections()
        self.server.server_close()
