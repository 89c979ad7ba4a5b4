"""The ``leadstage`` command line: ``app`` (Typer) and ``main`` (the console script)."""

from leadstage.sync.cli.app import app, main

__all__ = ["app", "main"]
