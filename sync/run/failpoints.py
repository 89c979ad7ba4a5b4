"""Named crash points for the crash tests: ``LEADSTAGE_FAILPOINTS="after_write=exit@2"`` kills the process with
SIGKILL the second time a run passes ``after_write``; ``=raise`` raises FailpointCrash instead (for in-process
tests). Unset (always, in production), each point costs one environment lookup.

Points, in the order a run passes them: run_started, events_committed (each web-event page), after_decisions
(a page's decisions committed), before_write, after_write (the CRM has the values, the state store not yet),
outcome_committed (the page's outcome and position committed), before_finish.
"""

from __future__ import annotations

import os
import signal
import sys
from collections import Counter

ENV = "LEADSTAGE_FAILPOINTS"
_hits: Counter[str] = Counter()


class FailpointCrash(BaseException):
    """Raised by a ``raise`` failpoint: like a crash, it is not caught by the run's error handling."""


def _parse(spec: str) -> dict[str, tuple[str, int]]:
    points: dict[str, tuple[str, int]] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, action = item.partition("=")
        action, _, nth = action.partition("@")
        points[name.strip()] = (action.strip() or "exit", int(nth) if nth else 1)
    return points


def failpoint(name: str) -> None:
    """Crash here if the environment asks for it."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    point = _parse(spec).get(name)
    if point is None:
        return
    _hits[name] += 1
    action, nth = point
    if _hits[name] != nth:
        return
    if action == "raise":
        raise FailpointCrash(name)
    sys.stdout.flush()
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)  # nothing runs after this: no cleanup, no finally, like a real kill -9


def reset() -> None:
    """Forget the hit counts (tests)."""
    _hits.clear()
