"""What every ``leadstage`` command shares: the app, consoles, common options, error handling and exit codes.

Exit codes: 0 ok, 1 the run had failures, 2 bad config or usage, 3 another worker holds the portal.

The command modules import the CRM clients, the database library and the config models inside their commands,
not at the top: ``leadstage --help`` and ``--version`` then start in a fraction of the time (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console

from leadstage.sync.logsetup import redact

if TYPE_CHECKING:
    from leadstage.sync.config import PortalSettings, Settings
    from leadstage.sync.state import StateStore

# 0 ok; 1 the run had failures (dead letters, the CRM stayed unavailable); 2 bad config or usage (nothing was
# sent); 3 another worker holds the portal (nothing was done: try again, or pass --wait).
EXIT_OK, EXIT_FAILURES, EXIT_CONFIG, EXIT_BUSY = 0, 1, 2, 3

app = typer.Typer(
    name="leadstage",
    help="Lead qualification for HubSpot and Salesforce: funnel stages, explainable scores, safe write-back.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Written to a file or a pipe, output keeps its full width (rich would cut tables at 80 columns).
PIPED_WIDTH = 500
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else PIPED_WIDTH)
err = Console(stderr=True, soft_wrap=True, width=None if sys.stderr.isatty() else PIPED_WIDTH)

ConfigOpt = Annotated[
    str | None,
    typer.Option("--config", "-c", help="Config file (default: $LEADSTAGE_CONFIG or ./leadstage.toml)."),
]
PortalOpt = Annotated[str | None, typer.Option("--portal", "-p", help="Portal name (default: the only one).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]
LogOpt = Annotated[str, typer.Option("--log-level", help="debug, info, warning or error.")]
LogFormatOpt = Annotated[str, typer.Option("--log-format", help="text or json (JSON lines on stderr).")]
WaitOpt = Annotated[
    float,
    typer.Option(
        "--wait",
        min=0,
        help="If another worker holds the portal, wait up to this many seconds for it (default 0: exit 3 at once).",
    ),
]


def fail(code: int, lines: list[str]) -> NoReturn:
    for line in lines:
        typer.echo(redact(line), err=True)
    raise typer.Exit(code)


@contextmanager
def handled_errors() -> Iterator[None]:
    """Turn known failures into clear messages and the documented exit codes."""
    from leadstage.connectors.base import AuthenticationFailed, ConnectorError
    from leadstage.sync.config import ConfigError
    from leadstage.sync.run.lease import PortalBusy

    try:
        yield
    except ConfigError as error:
        fail(EXIT_CONFIG, ["leadstage: configuration problem:", *(f"  {p}" for p in error.problems)])
    except PortalBusy as error:
        fail(EXIT_BUSY, [f"leadstage: {error}"])
    except AuthenticationFailed as error:
        fail(EXIT_CONFIG, [f"leadstage: {error}"])
    except ConnectorError as error:
        fail(EXIT_FAILURES, [f"leadstage: the CRM call failed: {error}"])


def load_config(config: str | None) -> Settings:
    """The validated config (--config, else $LEADSTAGE_CONFIG, else ./leadstage.toml); ConfigError if unusable."""
    from leadstage.sync.config import find_config, load_settings

    return load_settings(find_config(config))


FIXED_CLOCK_ENV = "LEADSTAGE_FIXED_CLOCK"


def make_clock() -> Any:
    """The real clock; ``LEADSTAGE_FIXED_CLOCK=<ISO time>`` freezes it (reproducible subprocess tests)."""
    from leadstage.connectors.clock import FixedClock, SystemClock

    fixed = os.environ.get(FIXED_CLOCK_ENV)
    if fixed:
        return FixedClock(datetime.fromisoformat(fixed))
    return SystemClock()


@contextmanager
def portal_store(config: str | None, portal: str | None) -> Iterator[tuple[Settings, PortalSettings, StateStore]]:
    """The settings, the chosen portal and an open state store (closed afterwards), with error handling."""
    from leadstage.sync.run.connect import open_store

    with handled_errors():
        settings = load_config(config)
        chosen = settings.portal(portal)
        store = open_store(settings)
        try:
            yield settings, chosen, store
        finally:
            store.close()


def parse_when(option: str, value: str | None) -> datetime | None:
    """A --since/--until value: a date (midnight UTC) or an ISO datetime (UTC unless it says otherwise)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        fail(EXIT_CONFIG, [f"leadstage: {option} {value!r}: give a date like 2026-01-31 or an ISO datetime"])
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@contextmanager
def stop_on_signals() -> Iterator[Callable[[], bool]]:
    """SIGTERM/SIGINT ask the run to stop after the page in hand (it commits, the run ends "stopped", exit 0)."""
    requested: list[int] = []
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def handler(signum: int, _frame: object) -> None:
        requested.append(signum)
        err.print("stopping after the current page...")

    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield lambda: bool(requested)
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def emit(as_json: bool, data: dict[str, Any], text: Callable[[], None]) -> None:
    if as_json:
        print(json.dumps(data, default=str, indent=2))
    else:
        text()
