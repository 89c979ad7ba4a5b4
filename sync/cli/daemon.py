"""``leadstage daemon``: registered on the main app by ``register`` (see sync/daemon.py for what it does)."""

from __future__ import annotations

from typing import Annotated

import typer

ConfigOpt = Annotated[
    str | None,
    typer.Option("--config", "-c", help="Config file (default: $LEADSTAGE_CONFIG or ./leadstage.toml)."),
]
PortalsOpt = Annotated[
    list[str] | None,
    typer.Option("--portal", "-p", help="Work only this portal (repeat for several; default: all of them)."),
]
OnceOpt = Annotated[
    bool,
    typer.Option("--once", help="Sync each portal once, then exit (for cron or a Kubernetes CronJob)."),
]


def register(app: typer.Typer) -> None:
    """Add the daemon command to the CLI."""
    # Imported here: cli.py imports this module while it is still being loaded.
    from leadstage.sync.cli.common import handled_errors, load_config

    @app.command()
    def daemon(config: ConfigOpt = None, portal: PortalsOpt = None, once: OnceOpt = False) -> None:
        """Sync every portal on its schedule, rescore for decay, serve /metrics and /healthz, until SIGTERM.

        On SIGTERM or SIGINT the runs in hand finish their page and commit, then the daemon exits 0.

        Daemons and backfills can share one state store: a lease keeps each portal to one worker at a time.
        """
        from leadstage.sync.daemon.scheduler import Daemon

        with handled_errors():
            settings = load_config(config)
            worker = Daemon(settings, portal or ())
            code = worker.run_once() if once else worker.serve()
        raise typer.Exit(code)
