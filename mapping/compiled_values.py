"""The output values of an evaluation, written fast: the same text as ``values`` and ``score_reason`` give.

``evaluate()`` writes up to a dozen values per person; these helpers give exactly the text of
``values.format_number``, ``values.format_datetime`` and the enum values, from tables built with those very
functions or with cheaper formatting that tests hold equal to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from .model import Grade, Stage, Temperature
from .values import SCORE_REASON_MAX_CHARS, format_datetime, format_number

# Scores and their fit and engagement parts are whole numbers from 0 to 100 once rounded.
NUMBER_TEXT: tuple[str, ...] = tuple(format_number(number) for number in range(101))
# The text of every grade, temperature and stage (``member.value`` is a property, slower than a lookup).
ENUM_TEXT: dict[str, str] = {member: member.value for enum in (Grade, Temperature, Stage) for member in enum}
# strftime's %Y does not pad years before 1000 the same way on every platform: those go through format_datetime.
_FIRST_PADDED_YEAR = 1000


def datetime_text(moment: datetime) -> str:
    """``format_datetime(moment)``: UTC to the millisecond with a Z, without strftime's cost."""
    utc = moment.astimezone(UTC)
    if utc.year < _FIRST_PADDED_YEAR:
        return format_datetime(moment)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (  # noqa: UP031 - the fastest of the ways to write this
        utc.year,
        utc.month,
        utc.day,
        utc.hour,
        utc.minute,
        utc.second,
        utc.microsecond // 1000,
    )


def reason_text(fit_labels: Sequence[str], engagement_labels: Sequence[str]) -> str:
    """The score reason from the labels of the fit and engagement rules that counted, in rule order."""
    fit = ", ".join(fit_labels) if fit_labels else "none"
    engagement = ", ".join(engagement_labels) if engagement_labels else "none"
    text = f"fit: {fit}; engagement: {engagement}"
    if len(text) > SCORE_REASON_MAX_CHARS:
        text = text[: SCORE_REASON_MAX_CHARS - 3] + "..."
    return text
