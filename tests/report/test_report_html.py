"""The HTML page on its own (no browser): self-contained, escaped, every chart bar carrying its figure."""

from __future__ import annotations

import re

from leadstage.sync.report.funnel import field_group, funnel_report
from leadstage.sync.report.html import definitions, render_html

from .history import MARCH, SLA_HOURS, SOURCES, rows


def page(sources=SOURCES) -> str:
    return render_html(funnel_report("main", rows(), MARCH, SLA_HOURS, "source", field_group(sources)))


def bars(html: str, kind: str) -> list[dict[str, str]]:
    return [
        dict(re.findall(r'(data-[a-z]+)="([^"]*)"', tag)) for tag in re.findall(rf'<rect class="{kind}"[^>]*>', html)
    ]


def test_the_funnel_bars_carry_the_entries_of_each_stage():
    found = {bar["data-stage"]: bar["data-count"] for bar in bars(page(), "funnel-bar")}

    assert found == {"mql": "8", "sal": "4", "sql": "5", "opportunity": "2", "customer": "1"}


def test_each_group_has_a_bar_per_step_and_no_rate_is_an_empty_value():
    found = {(bar["data-group"], bar["data-step"]): bar["data-rate"] for bar in bars(page(), "conversion-bar")}

    assert len(found) == 3 * 4
    assert found[("ads", "mql_to_sal")] == "1.0000" and found[("webinar", "mql_to_sal")] == "0.3333"
    assert found[("(none)", "sal_to_sql")] == ""


def test_the_velocity_chart_has_median_and_p90_of_the_stages_with_ended_stays():
    found = {(bar["data-stage"], bar["data-stat"]): bar["data-days"] for bar in bars(page(), "velocity-bar")}

    assert found[("mql", "median")] == "1.750" and found[("mql", "p90")] == "3.500"
    assert {stage for stage, _ in found} == {"mql", "sal", "sql", "opportunity", "recycled"}


def test_crm_values_are_escaped_everywhere():
    html = page({**SOURCES, "c1": '<script>alert("x")</script>', "c2": '<script>alert("x")</script>'})

    assert "<script" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_the_page_loads_nothing_and_explains_every_definition():
    html = page()

    assert not re.search(r"(src|href)=|@import|url\(|<script|<link", html)
    footnotes = html[html.index("<footer>") :]
    names = [name for name, _ in definitions()]
    assert names[:3] == ["Period", "First sight", "Entry"] and "Hand-over SLA" in names and "Groups" in names
    assert all(f"<dt>{name}</dt>" in footnotes for name in names if "<" not in name and ">" not in name)
