"""Helpers shared by the Salesforce sandbox tests (no tests here): seeded sandboxes and real clients."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import requests
from simple_salesforce import Salesforce

from leadstage.sandbox import Sandbox, salesforce_session
from tests.sandbox.conftest import NOW

USERNAME, PASSWORD, TOKEN = "admin@example.com", "password", "TOKEN"
CONSUMER_KEY = "sandbox-consumer-key"
VERSION = "v59.0"
DATA = f"/services/data/{VERSION}"


def seeded(make_sandbox: Callable[..., Sandbox], n_leads: int = 200, seed: int = 7, **config: Any) -> Sandbox:
    """A started sandbox (frozen clock at NOW) whose Salesforce org holds `n_leads` seeded Leads."""
    sb = make_sandbox(n_contacts=0, **config)
    sb.seed_salesforce(n_leads=n_leads, seed=seed, now=NOW)
    return sb


def client(sb: Sandbox, **kwargs: Any) -> Salesforce:
    """The real simple-salesforce client, logged in with username, password and security token."""
    return Salesforce(
        username=USERNAME, password=PASSWORD, security_token=TOKEN, session=salesforce_session(sb.url), **kwargs
    )


def direct(sb: Sandbox, session_id: str | None = None) -> Salesforce:
    """A client built from a session id and instance URL (never re-authenticates)."""
    return Salesforce(
        session_id=session_id or sb.salesforce.issue_session(),
        instance_url=sb.salesforce_instance_url,
        session=salesforce_session(sb.url),
    )


def raw(
    sb: Sandbox,
    method: str,
    path: str,
    body: Any = None,
    session_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> requests.Response:
    """A plain HTTP call to a Salesforce path with a fresh session (or the one given)."""
    all_headers = {"Authorization": f"Bearer {session_id or sb.salesforce.issue_session()}"}
    all_headers.update(headers or {})
    data = body if isinstance(body, bytes | str) or body is None else json.dumps(body)
    if body is not None and not isinstance(body, bytes | str):
        all_headers.setdefault("Content-Type", "application/json")
    return requests.request(method, sb.url + path, data=data, headers=all_headers, timeout=10)


def lead_ids(sb: Sandbox, converted: bool | None = False) -> list[str]:
    """Ids of live seeded Leads (converted or not; None: both)."""
    return [
        record_id
        for record_id, lead in sb.salesforce.records("Lead").items()
        if not lead["IsDeleted"] and (converted is None or lead["IsConverted"] == converted)
    ]
