"""The ``leadstage`` command line: the Typer app with its global options, and the console-script entry point.

Exit codes: 0 ok, 1 the run had failures, 2 bad config or usage, 3 another worker holds the portal.
"""

from __future__ import annotations

import logging
from importlib.metadata import version
from typing import Annotated

import typer

from leadstage.sync.cli.common import EXIT_CONFIG, LogFormatOpt, LogOpt, app, fail
from leadstage.sync.logsetup import configure_logging


def _print_version(asked: bool) -> None:
    if asked:
        typer.echo(f"leadstage {version('leadstage')}")
        raise typer.Exit(0)


VersionOpt = Annotated[
    bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
]


@app.callback()
def _main(
    log_level: LogOpt = "warning",
    log_format: LogFormatOpt = "text",
    show_version: VersionOpt = False,
) -> None:
    if log_format not in ("text", "json"):
        fail(EXIT_CONFIG, ["leadstage: --log-format must be text or json"])
    if log_level.lower() not in ("debug", "info", "warning", "error"):
        fail(EXIT_CONFIG, ["leadstage: --log-level must be debug, info, warning or error"])
    configure_logging(log_level, log_format)


def main() -> None:
    """Console-script entry point."""
    logging.captureWarnings(True)
    app()


def _register_commands() -> None:
    from leadstage.sync.cli import daemon, explain, ops, portal, report, sandbox

    for commands in (portal, explain, ops, daemon, report, sandbox):
        commands.register(app)


_register_commands()
