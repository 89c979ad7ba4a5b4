"""Builders shared by the scoring, BANT and temperature tests: a frozen clock, people and activities."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from leadstage.mapping.model import Activity, Contact

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)

_ids = itertools.count(1)


def person(**fields: str) -> Contact:
    """A contact with the given canonical fields."""
    return Contact(id="101", updated_at=NOW, fields=fields)


def did(kind: str, days_ago: float = 0.0, **attributes: str) -> Activity:
    """An activity of ``kind`` that happened ``days_ago`` days before NOW (negative: in the future)."""
    return Activity(
        id=f"a{next(_ids)}",
        contact_id="101",
        kind=kind,
        occurred_at=NOW - timedelta(days=days_ago),
        attributes=attributes,
    )
