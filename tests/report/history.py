"""A small stage history computed by hand (tests/report/test_report_math.py holds the expected figures).

Period: March 2026, [2026-03-01, 2026-04-01) UTC; hand-over SLA 48 hours. Twelve contacts:

c1  raw (first sight, Feb) -> mql Mar 2 -> sal Mar 3 -> sql Mar 5 -> opportunity Mar 10 -> customer Mar 20
c2  raw (fs) -> mql Mar 4 -> sal Mar 7 (72 h: breach) -> recycled Mar 10 -> mql Mar 20 (re-MQL) -> sal Mar 21 12:00
c3  raw (fs) -> sql Mar 6 (skips MQL and SAL), open
c4  raw (fs) -> mql Mar 8 -> sql Mar 9 (skips SAL: accepted) -> disqualified Mar 15
c5  raw (fs) -> mql Mar 25, still MQL at the period end, deadline Mar 27 passed: breach
c6  raw (fs) -> mql Mar 30 12:00, still MQL, deadline Apr 1 12:00 not passed: pending
c7  first seen at mql (Feb 20: not an entry) -> sal Mar 1 00:00 (exactly `since`) -> sql Apr 2 (after the period)
c8  raw (fs) -> mql Feb 25 -> sal Feb 28 (both before the period) -> sql Mar 2 -> opportunity Mar 12
c9  raw (fs) -> mql Mar 10 -> disqualified Mar 12 (exactly 48 h: answered within the SLA)
c10 first seen at sal Mar 15 (in the period: first_seen, not an entry) -> sql Mar 18
c11 raw (fs, Jan) -> mql Mar 12 -> recycled Mar 16 (96 h: breach); no contact fields stored
c12 raw (fs, Feb) -> mql Apr 1 00:00 (exactly `until`: outside)
"""

from __future__ import annotations

from datetime import UTC, datetime

from leadstage.mapping.model import Stage
from leadstage.sync.report.funnel import HistoryRow, Period

MARCH = Period(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
SLA_HOURS = 48.0


def at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


# contact -> [(stage, when)]; the first step is the first sight (from_stage NULL).
TIMELINES: dict[str, list[tuple[str, datetime]]] = {
    "c1": [("raw", at(2, 10)), ("mql", at(3, 2)), ("sal", at(3, 3)), ("sql", at(3, 5)),
           ("opportunity", at(3, 10)), ("customer", at(3, 20))],
    "c2": [("raw", at(2, 1)), ("mql", at(3, 4)), ("sal", at(3, 7)), ("recycled", at(3, 10)),
           ("mql", at(3, 20)), ("sal", at(3, 21, 12))],
    "c3": [("raw", at(2, 1)), ("sql", at(3, 6))],
    "c4": [("raw", at(2, 1)), ("mql", at(3, 8)), ("sql", at(3, 9)), ("disqualified", at(3, 15))],
    "c5": [("raw", at(2, 1)), ("mql", at(3, 25))],
    "c6": [("raw", at(2, 1)), ("mql", at(3, 30, 12))],
    "c7": [("mql", at(2, 20)), ("sal", at(3, 1)), ("sql", at(4, 2))],
    "c8": [("raw", at(2, 1)), ("mql", at(2, 25)), ("sal", at(2, 28)), ("sql", at(3, 2)),
           ("opportunity", at(3, 12))],
    "c9": [("raw", at(2, 1)), ("mql", at(3, 10)), ("disqualified", at(3, 12))],
    "c10": [("sal", at(3, 15)), ("sql", at(3, 18))],
    "c11": [("raw", at(1, 5)), ("mql", at(3, 12)), ("recycled", at(3, 16))],
    "c12": [("raw", at(2, 1)), ("mql", at(4, 1))],
}  # fmt: skip

SOURCES = {"c1": "ads", "c2": "ads", "c3": "ads", "c4": "webinar", "c5": "webinar", "c6": None, "c7": "ads",
           "c8": "ads", "c9": "webinar", "c10": "ads", "c12": "ads"}  # fmt: skip
OWNERS = {"c1": "o1", "c2": "o1", "c3": "o2", "c4": "o2", "c5": "", "c6": "o1", "c7": "o1", "c8": "o2",
          "c9": "o1", "c10": "o2", "c12": "o1"}  # fmt: skip


def rows(timelines: dict[str, list[tuple[str, datetime]]] = TIMELINES) -> list[HistoryRow]:
    """History rows in the order a sync would have written them (by time, ids ascending)."""
    steps = []
    for contact, timeline in timelines.items():
        previous: Stage | None = None
        for name, when in timeline:
            stage = Stage(name)
            steps.append((when, contact, previous, stage))
            previous = stage
    steps.sort(key=lambda step: (step[0], step[1]))
    return [
        HistoryRow(index, contact, previous, stage, when, "crm" if previous is None else "computed")
        for index, (when, contact, previous, stage) in enumerate(steps, start=1)
    ]
