"""The funnel report as plain data (JSON), CSV and terminal tables: shared by ``leadstage report`` and the demo."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from leadstage.mapping.model import Stage
from leadstage.sync.report.funnel import STEPS, FunnelReport, GroupFigures
from leadstage.sync.report.html import STAGE_LABELS, days, percent, render_html

FORMATS = ("table", "json", "csv", "html")
RATE_DIGITS, DAY_DIGITS = 4, 3
SHORT = {Stage.SAL: "SAL", Stage.SQL: "SQL", Stage.OPPORTUNITY: "opp", Stage.CUSTOMER: "cust"}


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def group_dict(g: GroupFigures) -> dict[str, Any]:
    """One group's figures as JSON-ready data (rates 0..1, times in days)."""
    h = g.handover
    return {
        "group": g.name,
        "contacts": g.contacts,
        "first_seen": g.first_seen,
        "entered": {stage.value: g.entered[stage] for stage in Stage},
        "conversions": {
            c.key: {"entered": c.entered, "converted": c.converted, "rate": _round(c.rate, RATE_DIGITS)}
            for c in g.conversions
        },
        "after_mql": {
            "recycled": g.recycled,
            "recycle_rate": _round(g.recycle_rate, RATE_DIGITS),
            "disqualified": g.disqualified,
            "disqualification_rate": _round(g.disqualification_rate, RATE_DIGITS),
        },
        "time_in_stage": {
            v.stage.value: {
                "stays": v.stays,
                "median_days": _round(v.median_days, DAY_DIGITS),
                "p90_days": _round(v.p90_days, DAY_DIGITS),
                "open": v.open,
                "open_median_days": _round(v.open_median_days, DAY_DIGITS),
                "open_p90_days": _round(v.open_p90_days, DAY_DIGITS),
            }
            for v in g.velocity
        },
        "handover": {
            "sla_hours": h.sla_hours,
            "mql_entries": h.mql_entries,
            "within": h.within,
            "breached": h.breached,
            "pending": h.pending,
            "breach_rate": _round(h.breach_rate, RATE_DIGITS),
        },
    }


def report_dict(report: FunnelReport) -> dict[str, Any]:
    """The whole report as JSON-ready data."""
    return {
        "portal": report.portal,
        "since": report.period.since.isoformat(),
        "until": report.period.until.isoformat(),
        "group_by": report.group_by,
        "handover_sla_hours": report.sla_hours,
        "total": group_dict(report.total),
        "groups": [group_dict(g) for g in report.groups],
    }


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}_"))
        else:
            flat[name] = "" if value is None else value
    return flat


def csv_text(report: FunnelReport) -> str:
    """One row per group (the total first, as "(all)"); columns as the JSON keys joined by "_"."""
    head = {"portal": report.portal, "since": report.period.since.isoformat(), "until": report.period.until.isoformat()}
    head["group_by"] = report.group_by or ""
    rows = [{**head, **_flatten(group_dict(g))} for g in (report.total, *report.groups)]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _share(count: int, rate: float | None) -> str:
    return "-" if rate is None else f"{count} ({percent(rate)})"


def _table(title: str, columns: Sequence[str]) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for index, column in enumerate(columns):
        table.add_column(column, justify="left" if index == 0 else "right")
    return table


def print_table(console: Console, report: FunnelReport) -> None:
    """Three small tables (they fit 80 columns): the funnel, what followed the hand-overs, time in stage."""
    period = f"{report.period.since:%Y-%m-%d %H:%M} to {report.period.until:%Y-%m-%d %H:%M} UTC"
    groups = (report.total, *report.groups)
    heads = ["group", "MQL"]
    for _, to_stage in STEPS:
        heads += [f"→{SHORT[to_stage]}", SHORT[to_stage]]
    sla = f"hand-over SLA {report.sla_hours:g} h" if report.sla_hours is not None else "no hand-over SLA"
    grouping = f", by {report.group_by}" if report.group_by else ""
    console.print(f"[bold]Funnel report of {escape(report.portal)}[/bold], {period}{grouping}, {sla}", highlight=False)
    funnel = _table("Entries per stage; →: step conversion of the previous stage's entries", heads)
    for g in groups:
        cells = [str(g.entered[Stage.MQL])]
        for c in g.conversions:
            cells += [percent(c.rate) if c.entered else "-", str(g.entered[c.to_stage])]
        funnel.add_row(Text(g.name), *cells)
    console.print(funnel)
    handover = _table(
        "After the hand-over: recycled, disqualified (of the MQL entries); the SLA (of those judged)",
        ["group", "MQL", "recycled", "disq.", "in SLA", "breached", "pending"],
    )
    for g in groups:
        h = g.handover
        judged = h.within + h.breached
        handover.add_row(
            Text(g.name),
            str(g.entered[Stage.MQL]),
            _share(g.recycled, g.recycle_rate),
            _share(g.disqualified, g.disqualification_rate),
            _share(h.within, h.within / judged if judged else None) if h.sla_hours is not None else "-",
            _share(h.breached, h.breach_rate) if h.sla_hours is not None else "-",
            str(h.pending) if h.sla_hours is not None else "-",
        )
    console.print(handover)
    heads = ["stage", "entered", "stays", "median", "p90", "open", "open age"]
    velocity = _table("Every stage (all contacts): entries, time in stage in days", heads)
    for v in report.total.velocity:
        entered = report.total.entered[v.stage]
        if entered or v.stays or v.open:
            velocity.add_row(
                STAGE_LABELS[v.stage], str(entered), str(v.stays), days(v.median_days), days(v.p90_days), str(v.open),
                days(v.open_median_days),
            )  # fmt: skip
    console.print(velocity)
    console.print(
        "stays: ended in the period (median, p90); open: at its end (age: median). First sights in the period, "
        f"not counted as entries: {report.total.first_seen}. Definitions: README, 'Funnel report'.",
        highlight=False,
    )


def render(report: FunnelReport, fmt: str) -> str:
    """The report in a text format: json, csv or html (the table goes through ``print_table``)."""
    if fmt == "json":
        return json.dumps(report_dict(report), indent=2) + "\n"
    if fmt == "csv":
        return csv_text(report)
    return render_html(report)
