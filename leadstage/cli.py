"""Console-script entry point: ``leadstage`` (the commands live in leadstage.sync.cli)."""

from leadstage.sync.cli import app, main

__all__ = ["app", "main"]
