"""Time helpers. HubSpot writes instants as ISO 8601 UTC with milliseconds and a Z:
"2026-05-01T10:00:00.000Z".

Inside the sandbox an instant is an int of epoch milliseconds; strings are made only at the edges.
Because every stored datetime value is normalised to that one fixed-width format, two stored values
compare chronologically as plain strings (search relies on it).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import UTC, date, datetime

MS_PER_SECOND = 1_000
MS_PER_MINUTE = 60 * MS_PER_SECOND
MS_PER_HOUR = 60 * MS_PER_MINUTE
MS_PER_DAY = 24 * MS_PER_HOUR
_DAY_CACHE_SIZE = 4_096
_MIN_EPOCH_MS_DIGITS = 9  # shorter digit strings are years or garbage, not epoch milliseconds


def clock_ms(clock: Callable[[], float]) -> int:
    """The injected clock's now as epoch milliseconds."""
    return int(clock() * MS_PER_SECOND)


@functools.lru_cache(maxsize=_DAY_CACHE_SIZE)
def _day_prefix(day: int) -> str:
    t = time.gmtime(day * (MS_PER_DAY // MS_PER_SECOND))
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T"


def iso_ms(ms: int) -> str:
    """Epoch milliseconds -> "YYYY-MM-DDTHH:MM:SS.mmmZ" (hot in seeding: the date part is cached per day)."""
    day, rest = divmod(int(ms), MS_PER_DAY)
    hours, rest = divmod(rest, MS_PER_HOUR)
    minutes, rest = divmod(rest, MS_PER_MINUTE)
    seconds, millis = divmod(rest, MS_PER_SECOND)
    return f"{_day_prefix(day)}{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}Z"


def iso_date(ms: int) -> str:
    """Epoch milliseconds -> "YYYY-MM-DD" (UTC)."""
    t = time.gmtime(ms // MS_PER_SECOND)
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}"


def datetime_to_ms(value: datetime) -> int:
    """A timezone-aware datetime -> epoch milliseconds (naive datetimes are refused)."""
    if value.tzinfo is None:
        raise ValueError(f"datetime {value!r} has no timezone; pass an aware datetime (e.g. tzinfo=UTC)")
    return round(value.timestamp() * MS_PER_SECOND)


def ms_to_datetime(ms: int) -> datetime:
    """Epoch milliseconds -> aware UTC datetime."""
    return datetime.fromtimestamp(ms / MS_PER_SECOND, tz=UTC)


def parse_instant(value: object) -> int | None:
    """Epoch-ms digits, an ISO 8601 datetime (Z or offset; naive = UTC) or a date -> epoch ms, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    if text.lstrip("-").isdigit() and len(text.lstrip("-")) >= _MIN_EPOCH_MS_DIGITS:
        return int(text)
    try:
        if len(text) == len("YYYY-MM-DD"):
            day = date.fromisoformat(text)
            return datetime_to_ms(datetime(day.year, day.month, day.day, tzinfo=UTC))
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return datetime_to_ms(parsed)


def parse_date(value: object) -> str | None:
    """A date ("YYYY-MM-DD", or epoch ms / ISO at any time of that UTC day) -> "YYYY-MM-DD", else None."""
    ms = parse_instant(value)
    return None if ms is None else iso_date(ms)
