"""``leadstage explain ID``: every rule that fired for one contact, as readable text or JSON."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape as esc
from rich.table import Table

from leadstage.sync.cli.common import (
    EXIT_FAILURES,
    ConfigOpt,
    JsonOpt,
    PortalOpt,
    emit,
    fail,
    handled_errors,
    load_config,
    make_clock,
    out,
)


def explain(
    contact_id: Annotated[str, typer.Argument(help="The CRM id of the contact.")],
    config: ConfigOpt = None,
    portal: PortalOpt = None,
    fresh: Annotated[bool, typer.Option("--fresh", help="Read the contact from the CRM first (no writes).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show every rule that fired for one contact, its BANT grade, temperature, stage decision and values."""
    from leadstage.sync.run.connect import build_connector, open_store
    from leadstage.sync.run.explain import ExplainError
    from leadstage.sync.run.explain import explain as explain_contact

    with handled_errors():
        settings = load_config(config)
        chosen = settings.portal(portal)
        clock = make_clock()
        connector = build_connector(settings, chosen, clock) if fresh else None
        store = open_store(settings)
        try:
            data = explain_contact(chosen.name, chosen.model, store, contact_id, clock.now(), connector)
        except ExplainError as error:
            fail(EXIT_FAILURES, [f"leadstage: {error}"])
        finally:
            store.close()
            if connector is not None:
                connector.close()
    emit(as_json, data, lambda: render(out, data))


def render(console: Console, data: dict[str, Any]) -> None:
    """The explanation as readable text (CRM values are printed literally, never read as markup)."""
    score, stage, bant, heat = data["score"], data["stage"], data["bant"], data["temperature"]
    say = console.print
    say(f"[bold]contact {esc(data['contact_id'])}[/bold]  (from the {data['source']}, scored as of {data['as_of']})")
    say(f"stage: {stage['before'] or 'new'} -> [bold]{stage['decided']}[/bold]: {esc(stage['reason'])}")
    if stage["sla_breached"]:
        say("hand-over SLA: [red]breached[/red]")
    say(f"score {score['score']} (MQL threshold {score['threshold']}): {score['formula']}")

    fit = Table(title="fit rules that fired", title_justify="left")
    for column in ("rule", "tier", "field", "value seen", "from", "points", "why"):
        fit.add_column(column)
    sources = data.get("field_sources", {})
    for rule in score["fit_rules"]:
        value = "-" if rule["value"] is None else str(rule["value"])
        fit.add_row(
            esc(rule["rule"]),
            esc(rule.get("tier") or ""),
            esc(rule["field"]),
            esc(value),
            esc(sources.get(rule["field"], "-")),
            f"{rule['points']:+g}",
            esc(rule.get("detail") or ""),
        )
    say(fit)

    engagement = Table(title="engagement rules that matched", title_justify="left")
    for column in ("rule", "activities", "points each x n", "decay factor", "after decay", "counted", "cap"):
        engagement.add_column(column)
    for rule in score["engagement_rules"]:
        factors = f"{rule['min_factor']:.2f}..{rule['max_factor']:.2f}"
        cap = f"{rule['cap']:g}" + (" (applied)" if rule["capped"] else "") if rule["cap"] is not None else "-"
        engagement.add_row(
            esc(rule["rule"]),
            str(rule["activities"]),
            f"{rule['raw_points']:g}",
            factors,
            f"{rule['decayed_points']:.1f}",
            f"{rule['points']:.1f}",
            cap,
        )
    say(engagement)
    for clamp in score["clamps"]:
        say(f"{clamp['total']} {clamp['raw']:.1f} clamped to {clamp['clamped']:.0f}")
    if score.get("combine") == "net":
        say(f"written as parts (each 0..100): fit_score {score['fit']:.0f}, engagement_score {score['engagement']:.0f}")

    say(f"BANT grade [bold]{bant['grade']}[/bold] ({bant['held']} of 4 criteria hold)")
    for criterion in bant["criteria"]:
        mark = "yes" if criterion["holds"] else "no "
        say(f"  {mark} {criterion['name']}: {esc(criterion['reason'])}")
    say(f"temperature [bold]{heat['temperature']}[/bold]: {esc(heat['reason'])}")

    values = Table(title="values", title_justify="left")
    for column in ("field", "would write", "CRM now", ""):
        values.add_column(column)
    for name, value in data["values"].items():
        changes = "changes" if value["changes"] else ""
        values.add_row(name, esc(value["would_write"]), esc(str(value["crm_now"])), changes)
    say(values)
    if data["history"]:
        say("stage history:")
        for row in data["history"]:
            moved = f"{row['from_stage'] or '-'} -> {row['to_stage']} ({row['source']})"
            say(f"  {row['at']}  {moved}: {esc(row['reason'])}")


def register(app: typer.Typer) -> None:
    """Add the explain command to the CLI."""
    app.command()(explain)
