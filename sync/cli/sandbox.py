"""The commands that start the local sandbox CRM: ``leadstage sandbox`` (serve it) and ``leadstage demo``.

The only commands that import the sandbox (the import contract in pyproject.toml says so).
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from leadstage.sync.cli.common import (
    EXIT_CONFIG,
    EXIT_FAILURES,
    EXIT_OK,
    JsonOpt,
    err,
    fail,
    handled_errors,
    out,
)


def serve(
    port: int,
    contacts: int,
    seed: int,
    data: Path | None,
    token_env: str,
    console: Console,
    contact_firmographics: bool = False,
) -> None:
    """Seed (or load) a sandbox portal and serve it on 127.0.0.1 until Ctrl-C."""
    from leadstage.sandbox import Sandbox, SandboxConfig

    token = os.environ.get(token_env) or "sandbox-" + secrets.token_hex(8)
    box = Sandbox(SandboxConfig(tokens=(token,), port=port))
    if data is not None:
        box.load(data)
        what = f"data from {data}"
    else:
        box.seed(n_contacts=contacts, seed=seed, now=datetime.now(UTC), contact_firmographics=contact_firmographics)
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


def sandbox(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).")] = 8765,
    contacts: Annotated[int, typer.Option(help="Contacts to generate.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed of the generated data.")] = 7,
    data: Annotated[Path | None, typer.Option(help="Load this JSON data file instead of generating.")] = None,
    token_env: Annotated[str, typer.Option(help="Environment variable holding the accepted token.")] = (
        "LEADSTAGE_SANDBOX_TOKEN"
    ),
    contact_firmographics: Annotated[
        bool,
        typer.Option(
            help="Also copy each company's industry, size band and revenue onto its contacts (by default they "
            "live on the companies only, as in most real portals)."
        ),
    ] = False,
) -> None:
    """Serve a local HubSpot-compatible sandbox CRM (no credentials, nothing leaves this machine)."""
    serve(
        port=port,
        contacts=contacts,
        seed=seed,
        data=data,
        token_env=token_env,
        console=err,
        contact_firmographics=contact_firmographics,
    )


def demo(
    as_json: JsonOpt = False,
    contacts: Annotated[int, typer.Option(help="Contacts in the seeded sandbox.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed of the seeded data.")] = 7,
    crm: Annotated[str, typer.Option(help="Which CRM the sandbox plays: hubspot or salesforce.")] = "hubspot",
    report: Annotated[Path | None, typer.Option(help="Also write the funnel report as an HTML page here.")] = None,
) -> None:
    """Run the real sync against a seeded local sandbox: setup, two syncs, weeks of sales work, the funnel report."""
    from leadstage.sync.demo.main import run_demo

    if crm not in ("hubspot", "salesforce"):
        fail(EXIT_CONFIG, [f"leadstage: --crm {crm}: choose hubspot or salesforce"])
    with handled_errors():
        result = run_demo(contacts=contacts, seed=seed, crm=crm, console=None if as_json else out, report_path=report)
    if as_json:
        print(json.dumps(result, indent=2))
    raise typer.Exit(EXIT_OK if all(r["failed"] == 0 for r in result["runs"]) else EXIT_FAILURES)


def register(app: typer.Typer) -> None:
    """Add the sandbox and demo commands to the CLI."""
    app.command()(sandbox)
    app.command()(demo)
