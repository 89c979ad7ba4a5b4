"""``leadstage daemon``: registered on the main app by ``register`` (filled in by the daemon work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the daemon command to the CLI."""
