"""The funnel report as one self-contained HTML page: inline CSS and server-side SVG charts, no script, no CDN.

Three charts (a funnel of the period's entries, conversion rates per group, median and p90 days in stage), the
tables behind them, and the definitions as footnotes (taken from sync/report.py's docstring, so they cannot
drift apart). Every chart element carries ``data-*`` attributes (stage, group, step, value) for tools and tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape

from leadstage.mapping.model import FUNNEL_ORDER, Stage
from leadstage.sync.report import funnel as report_module
from leadstage.sync.report.funnel import STEPS, FunnelReport, GroupFigures

STAGE_COLOURS = {
    Stage.RAW: "#9aa5b1",
    Stage.MQL: "#4c78a8",
    Stage.SAL: "#72b7b2",
    Stage.SQL: "#54a24b",
    Stage.OPPORTUNITY: "#e0b12f",
    Stage.CUSTOMER: "#f58518",
    Stage.RECYCLED: "#b279a2",
    Stage.DISQUALIFIED: "#e45756",
}
STAGE_LABELS = {
    Stage.RAW: "raw",
    Stage.MQL: "MQL",
    Stage.SAL: "SAL",
    Stage.SQL: "SQL",
    Stage.OPPORTUNITY: "opportunity",
    Stage.CUSTOMER: "customer",
    Stage.RECYCLED: "recycled",
    Stage.DISQUALIFIED: "disqualified",
}
FUNNEL_STAGES = FUNNEL_ORDER[1:]  # raw leads are not handed over; their entries stay in the table
MAX_CHART_GROUPS = 12  # more groups than this make the conversion chart unreadable; the table has them all
CHART_WIDTH = 860
LABEL_WIDTH = 170

CSS = """
body { font: 14px/1.45 "DejaVu Sans", Arial, sans-serif; color: #1f2933; margin: 24px auto; max-width: 1180px;
       padding: 0 16px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; }
.meta { color: #52606d; margin: 0 0 16px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; }
.card { border: 1px solid #d9e2ec; border-radius: 6px; padding: 10px 14px; min-width: 150px; }
.card b { display: block; font-size: 22px; }
svg text { font: 12px "DejaVu Sans", Arial, sans-serif; fill: #1f2933; }
svg .muted { fill: #7b8794; } svg .grid { stroke: #e4e7eb; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; }
th, td { border-bottom: 1px solid #e4e7eb; padding: 4px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.legend span { display: inline-block; margin-right: 14px; }
.legend i { display: inline-block; width: 11px; height: 11px; margin-right: 5px; vertical-align: -1px; }
footer { color: #52606d; font-size: 12.5px; border-top: 1px solid #d9e2ec; margin-top: 28px; }
footer dt { font-weight: bold; margin-top: 6px; } footer dd { margin: 0 0 0 16px; }
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{100 * rate:.0f}%"


def days(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def definitions() -> list[tuple[str, str]]:
    """The report's definitions, from the bullet list in sync/report.py's module docstring."""
    text = report_module.__doc__ or ""
    items = re.findall(r"^- ([^:\n]+): (.*?)(?=^- |\Z)", text, flags=re.MULTILINE | re.DOTALL)
    return [(name, " ".join(body.split())) for name, body in items]


def _code(text: str) -> str:
    """Escaped text with the docstring's ``literals`` as <code>."""
    return re.sub(r"``(.+?)``", r"<code>\1</code>", _e(text))


def _svg(chart_id: str, height: int, label: str, body: Iterable[str]) -> str:
    return (
        f'<svg id="{chart_id}" class="chart" xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" '
        f'height="{height}" viewBox="0 0 {CHART_WIDTH} {height}" role="img" aria-label="{_e(label)}">'
        f"<title>{_e(label)}</title>{''.join(body)}</svg>"
    )


def funnel_chart(total: GroupFigures) -> str:
    """Centred bars, one per funnel stage, as wide as the entries; the step conversion between them."""
    row, bar = 58, 38
    widest = max([total.entered[s] for s in FUNNEL_STAGES] + [1])
    span = CHART_WIDTH - LABEL_WIDTH - 240  # room on the right for the step conversions
    centre = LABEL_WIDTH + span / 2
    parts = []
    for index, stage in enumerate(FUNNEL_STAGES):
        count = total.entered[stage]
        width = span * count / widest
        y = 10 + index * row
        parts.append(
            f'<rect class="funnel-bar" data-stage="{stage.value}" data-count="{count}" x="{centre - width / 2:.1f}" '
            f'y="{y}" width="{width:.1f}" height="{bar}" rx="3" fill="{STAGE_COLOURS[stage]}">'
            f"<title>{STAGE_LABELS[stage]}: {count} entries</title></rect>"
            f'<text x="{LABEL_WIDTH - 12}" y="{y + bar / 2 + 4}" text-anchor="end">{STAGE_LABELS[stage]}</text>'
            f'<text x="{centre}" y="{y + bar / 2 + 4}" text-anchor="middle" style="font-weight:bold">{count}</text>'
        )
        step = next((c for c in total.conversions if c.from_stage is stage), None)
        if step is not None:
            parts.append(
                f'<text class="muted" x="{LABEL_WIDTH + span + 16}" y="{y + bar + 14}">'
                f"&#8595; {percent(step.rate)} to {STAGE_LABELS[step.to_stage]} "
                f"({step.converted}/{step.entered})</text>"
            )
    side = ", ".join(f"{STAGE_LABELS[s]} {total.entered[s]}" for s in (Stage.RECYCLED, Stage.DISQUALIFIED))
    height = 10 + len(FUNNEL_STAGES) * row + 14
    parts.append(f'<text class="muted" x="{LABEL_WIDTH - 12}" y="{height - 6}">left the funnel: {side}</text>')
    return _svg("funnel-chart", height, "Entries per funnel stage in the period", parts)


def conversion_chart(groups: Sequence[GroupFigures]) -> str:
    """Per group, one horizontal bar per step conversion (0..100%)."""
    bar, gap, pad = 13, 2, 14
    block = len(STEPS) * (bar + gap) + pad
    span = CHART_WIDTH - LABEL_WIDTH - 120
    height = 24 + len(groups) * block
    parts = []
    for tick in (0, 25, 50, 75, 100):
        x = LABEL_WIDTH + span * tick / 100
        parts.append(
            f'<line class="grid" x1="{x:.1f}" y1="18" x2="{x:.1f}" y2="{height}"/>'
            f'<text class="muted" x="{x:.1f}" y="12" text-anchor="middle">{tick}%</text>'
        )
    for index, group in enumerate(groups):
        top = 24 + index * block
        name = group.name if len(group.name) <= 24 else group.name[:23] + "…"
        parts.append(
            f'<text x="{LABEL_WIDTH - 12}" y="{top + 2 * (bar + gap) + 3}" text-anchor="end">{_e(name)}'
            f"<title>{_e(group.name)}</title></text>"
        )
        for position, conversion in enumerate(group.conversions):
            y = top + position * (bar + gap)
            width = span * (conversion.rate or 0.0)
            rate = "" if conversion.rate is None else f"{conversion.rate:.4f}"
            parts.append(
                f'<rect class="conversion-bar" data-group="{_e(group.name)}" data-step="{conversion.key}" '
                f'data-rate="{rate}" data-entered="{conversion.entered}" x="{LABEL_WIDTH}" y="{y}" '
                f'width="{width:.1f}" height="{bar}" fill="{STAGE_COLOURS[conversion.to_stage]}">'
                f"<title>{_e(group.name)}: {_step_label(conversion.key)} {percent(conversion.rate)} "
                f"({conversion.converted}/{conversion.entered})</title></rect>"
                f'<text class="muted" x="{LABEL_WIDTH + width + 5:.1f}" y="{y + bar - 2}" style="font-size:10.5px">'
                f"{percent(conversion.rate)} ({conversion.converted}/{conversion.entered})</text>"
            )
    return _svg("conversion-chart", height, "Step conversion rates per group", parts)


def velocity_chart(total: GroupFigures) -> str:
    """Median and p90 days in each stage with stays that ended in the period."""
    stages = [v for v in total.velocity if v.stays]
    height, base, top = 300, 250, 24
    if not stages:
        body = [f'<text class="muted" x="{LABEL_WIDTH}" y="40">no stay in any stage ended in the period</text>']
        return _svg("velocity-chart", 60, "Days in stage", body)
    highest = max(v.p90_days or 0.0 for v in stages) or 1.0
    slot = (CHART_WIDTH - 60) / len(stages)
    parts = [f'<line class="grid" x1="50" y1="{base}" x2="{CHART_WIDTH - 10}" y2="{base}"/>']
    parts.append(f'<text class="muted" x="50" y="14">days in stage (max {highest:.1f})</text>')
    for index, velocity in enumerate(stages):
        left = 60 + index * slot + slot / 2 - 44
        for offset, (stat, value, opacity) in enumerate(
            (("median", velocity.median_days, 1.0), ("p90", velocity.p90_days, 0.45))
        ):
            size = (base - top) * (value or 0.0) / highest
            x = left + offset * 44
            parts.append(
                f'<rect class="velocity-bar" data-stage="{velocity.stage.value}" data-stat="{stat}" '
                f'data-days="{value or 0.0:.3f}" x="{x:.1f}" y="{base - size:.1f}" width="40" height="{size:.1f}" '
                f'fill="{STAGE_COLOURS[velocity.stage]}" fill-opacity="{opacity}">'
                f"<title>{STAGE_LABELS[velocity.stage]} {stat}: {days(value)} days</title></rect>"
                f'<text x="{x + 20:.1f}" y="{base - size - 4:.1f}" text-anchor="middle">{days(value)}</text>'
            )
        parts.append(
            f'<text x="{left + 42:.1f}" y="{base + 18}" text-anchor="middle">{STAGE_LABELS[velocity.stage]}</text>'
            f'<text class="muted" x="{left + 42:.1f}" y="{base + 34}" text-anchor="middle">'
            f"{velocity.stays} {'stay' if velocity.stays == 1 else 'stays'}</text>"
        )
    return _svg("velocity-chart", height, "Median and p90 days in stage", parts)


def _step_label(key: str) -> str:
    start, end = key.split("_to_")
    return f"{STAGE_LABELS[Stage(start)]} → {STAGE_LABELS[Stage(end)]}"


def _table(head: Sequence[str], rows: Iterable[Sequence[object]], table_id: str) -> str:
    header = "".join(f"<th>{_e(cell)}</th>" for cell in head)
    body = "".join("<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table id="{table_id}"><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>'


def _entry_rows(groups: Sequence[GroupFigures]) -> Iterable[list[object]]:
    for g in groups:
        yield [g.name, g.contacts, g.first_seen, *(g.entered[s] for s in Stage)]


def _conversion_rows(groups: Sequence[GroupFigures]) -> Iterable[list[object]]:
    for g in groups:
        h = g.handover
        yield [
            g.name,
            *(f"{percent(c.rate)} ({c.converted}/{c.entered})" for c in g.conversions),
            percent(g.recycle_rate),
            percent(g.disqualification_rate),
            f"{h.breached}/{h.breached + h.within}" if h.sla_hours is not None else "-",
            h.pending if h.sla_hours is not None else "-",
        ]


def _velocity_rows(total: GroupFigures) -> Iterable[list[object]]:
    for v in total.velocity:
        yield [
            STAGE_LABELS[v.stage],
            v.stays,
            days(v.median_days),
            days(v.p90_days),
            v.open,
            days(v.open_median_days),
            days(v.open_p90_days),
        ]


def _legend(items: Iterable[tuple[str, str]]) -> str:
    spans = "".join(f'<span><i style="background:{colour}"></i>{_e(label)}</span>' for label, colour in items)
    return f'<div class="legend">{spans}</div>'


def _cards(report: FunnelReport) -> str:
    total = report.total
    mql = total.conversion(Stage.MQL)
    sal = total.conversion(Stage.SAL)
    h = total.handover
    cards = [
        ("MQL entries", str(total.entered[Stage.MQL])),
        ("accepted (MQL → SAL)", percent(mql.rate)),
        ("qualified (SAL → SQL)", percent(sal.rate)),
        ("hand-over SLA breached", f"{h.breached} of {h.breached + h.within}" if h.sla_hours is not None else "off"),
        ("first seen (not entries)", str(total.first_seen)),
    ]
    return (
        '<div class="cards">' + "".join(f'<div class="card">{_e(k)}<b>{_e(v)}</b></div>' for k, v in cards) + "</div>"
    )


def render_html(report: FunnelReport) -> str:
    """The whole page."""
    period = f"{report.period.since:%Y-%m-%d %H:%M} to {report.period.until:%Y-%m-%d %H:%M} UTC"
    sla = f"{report.sla_hours:g} hours" if report.sla_hours is not None else "off"
    grouped = report.groups if report.group_by else (report.total,)
    grouping = f"grouped by {report.group_by}" if report.group_by else "all contacts, not grouped"
    charted = grouped[:MAX_CHART_GROUPS]
    more = len(grouped) - len(charted)
    entries_head = ["group", "contacts", "first seen", *(STAGE_LABELS[s] for s in Stage)]
    rates_head = ["group", *(_step_label(f"{a.value}_to_{b.value}") for a, b in STEPS)]
    rates_head += ["recycle rate", "disqualification rate", "SLA breached", "SLA pending"]
    everyone = [report.total, *report.groups]
    notes = "".join(f"<dt>{_code(name)}</dt><dd>{_code(text)}</dd>" for name, text in definitions())
    medians = [[g.name, *(days(g.stage_velocity(s).median_days) for s in FUNNEL_ORDER[1:5])] for g in grouped]
    steps_legend = [(_step_label(f"{a.value}_to_{b.value}"), STAGE_COLOURS[b]) for a, b in STEPS]
    return "".join(
        [
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>leadstage funnel report: {_e(report.portal)}</title><style>{CSS}</style></head><body>",
            f"<h1>Funnel report: {_e(report.portal)}</h1>",
            f'<p class="meta">{_e(period)} &middot; {_e(grouping)} &middot; hand-over SLA {_e(sla)}</p>',
            _cards(report),
            "<h2>Funnel: entries per stage</h2>",
            funnel_chart(report.total),
            f"<h2>Conversion rates per {_e(report.group_by or 'group')}</h2>",
            _legend(steps_legend),
            conversion_chart(charted),
            f'<p class="meta">{more} more groups in the table below.</p>' if more > 0 else "",
            "<h2>Velocity: days in stage</h2>",
            _legend([("median (dark)", "#52606d"), ("90th percentile (light)", "#b8c2cc")]),
            velocity_chart(report.total),
            "<h2>Entries per stage</h2>",
            _table(entries_head, _entry_rows(everyone), "entries-table"),
            "<h2>Conversion rates and hand-over SLA</h2>",
            _table(rates_head, _conversion_rows(everyone), "conversion-table"),
            "<h2>Time in stage (days, all contacts)</h2>",
            _table(
                ["stage", "stays ended", "median", "p90", "open at the end", "open: median age", "open: p90 age"],
                _velocity_rows(report.total),
                "velocity-table",
            ),
            "<h2>Median days in stage per group</h2>",
            _table(["group", *(STAGE_LABELS[s] for s in FUNNEL_ORDER[1:5])], medians, "group-velocity-table"),
            f"<footer><p>Definitions (leadstage {_e(report.portal)}, {_e(period)}):</p><dl>{notes}</dl></footer>",
            "</body></html>\n",
        ]
    )
