"""``leadstage sandbox``: serve the local sandbox CRM until interrupted."""

from __future__ import annotations

import os
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from leadstage.sandbox import Sandbox, SandboxConfig


def serve(port: int, contacts: int, seed: int, data: Path | None, token_env: str, console: Console) -> None:
    """Seed (or load) a sandbox portal and serve it on 127.0.0.1 until Ctrl-C."""
    token = os.environ.get(token_env) or "sandbox-" + secrets.token_hex(8)
    box = Sandbox(SandboxConfig(tokens=(token,), port=port))
    if data is not None:
        box.load(data)
        what = f"data from {data}"
    else:
        box.seed(n_contacts=contacts, seed=seed, now=datetime.now(UTC))
        what = f"{contacts:,} generated contacts (seed {seed})"
    url = box.start()
    shown = "(from $" + token_env + ")" if os.environ.get(token_env) else token
    console.print(f"sandbox HubSpot portal with {what} at {url}")
    console.print(f"bearer token: {shown}")
    console.print(
        "point a portal at it:\n"
        f'  [portals.sandbox]\n  crm = "hubspot"\n  base_url = "{url}"\n  token_env = "{token_env}"\n'
        f"and export {token_env}=<the token above>. Ctrl-C stops the sandbox.",
        markup=False,
    )
    try:
        threading.Event().wait()  # the server runs in its own threads until Ctrl-C
    except KeyboardInterrupt:
        pass
    finally:
        box.stop()
