"""`salesforce_session(base_url)`: a requests.Session that sends simple-salesforce's https:// calls to the sandbox.

simple-salesforce always builds https URLs (https://login.salesforce.com/... to log in, then
https://<instance>/services/data/...). The session's adapter rewrites every https URL, whatever its host,
to `base_url` + the same path and query, so the real client talks to the loopback sandbox unchanged::

    sf = Salesforce(username="admin@example.com", password="password", security_token="TOKEN",
                    session=salesforce_session(sb.url))

It also applies a default timeout (simple-salesforce sets none) and ignores proxy environment variables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

DEFAULT_TIMEOUT_S: tuple[float, float] = (5.0, 60.0)  # (connect, read)


class LoopbackAdapter(HTTPAdapter):
    """Sends every request to `base_url`, keeping its path and query."""

    def __init__(self, base_url: str, timeout: float | tuple[float, float] = DEFAULT_TIMEOUT_S) -> None:
        super().__init__(max_retries=0)
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"base_url must look like http://127.0.0.1:PORT, got {base_url!r}")
        self.base = f"{parts.scheme}://{parts.netloc}"
        self.timeout = timeout

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Rewrite the URL, then send as usual (with the default timeout when the caller gave none)."""
        parts = urlsplit(request.url or "")
        request.url = self.base + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return super().send(
            request, stream=stream, timeout=timeout or self.timeout, verify=verify, cert=cert, proxies={}
        )


def salesforce_session(base_url: str, timeout: float | tuple[float, float] = DEFAULT_TIMEOUT_S) -> requests.Session:
    """A Session whose https:// requests (any host) go to the sandbox at `base_url` (e.g. `sb.url`)."""
    session = requests.Session()
    session.trust_env = False  # no proxies from the environment for loopback
    session.mount("https://", LoopbackAdapter(base_url, timeout))
    return session
