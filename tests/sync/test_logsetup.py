"""Secrets never reach a log line, in text or JSON, in the message or in a traceback."""

from __future__ import annotations

import json
import logging

from leadstage.sync.logsetup import JsonFormatter, RedactingFilter, register_secret


def _record(message, *args, error=None):
    exc_info = (type(error), error, error.__traceback__) if error else None
    return logging.LogRecord("leadstage.test", logging.ERROR, __file__, 1, message, args, exc_info)


def test_registered_secrets_are_masked_in_messages_and_tracebacks_in_both_formats():
    register_secret("pat-na1-SECRET-0123")
    try:
        raise RuntimeError("the server echoed pat-na1-SECRET-0123 back")
    except RuntimeError as error:
        record = _record("calling with %s", "pat-na1-SECRET-0123", error=error)
    RedactingFilter().filter(record)

    text = logging.Formatter("%(message)s").format(record)
    line = JsonFormatter().format(record)

    assert "pat-na1-SECRET-0123" not in text and "pat-na1-SECRET-0123" not in line
    assert "calling with ***" in text and "the server echoed *** back" in text
    assert json.loads(line)["exception"].endswith("RuntimeError: the server echoed *** back")
    assert record.exc_info is not None  # other handlers (pytest's caplog) still see the exception
