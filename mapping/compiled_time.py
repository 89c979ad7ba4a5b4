"""Instants as whole microseconds since the Unix epoch, so ages are exact integer arithmetic.

``(a - b) / 1e6`` on these equals ``(a_datetime - b_datetime).total_seconds()`` to the last bit for aware
datetimes (and for naive ones, which are read as UTC), and costs one subtraction instead of a timedelta.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

MICROSECONDS_PER_SECOND = 1_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


def epoch_microseconds(moment: datetime) -> int:
    """Whole microseconds since 1970-01-01 UTC; a naive ``moment`` is read as UTC."""
    return (moment - (_NAIVE_EPOCH if moment.tzinfo is None else _EPOCH)) // _MICROSECOND
