"""Logging as text or JSON lines, with every secret leadstage has read masked out of every record."""

from __future__ import annotations

import json
import logging
import sys
import threading
from datetime import UTC, datetime
from typing import Any

MASK = "***"
_secrets: set[str] = set()
_lock = threading.Lock()
MIN_SECRET_CHARS = 6  # never mask short strings: they would blank out ordinary words


def register_secret(value: str) -> None:
    """From now on, ``value`` is replaced by *** wherever it would appear in a log record."""
    if len(value) >= MIN_SECRET_CHARS:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """``text`` with every registered secret masked."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Formats the message once, masks secrets in it and in the exception text (which formatters then use
    instead of formatting the exception again), and freezes the result."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _secrets:
            record.msg = redact(record.getMessage())
            record.args = None
            if record.exc_info and record.exc_info[1] is not None:
                record.exc_text = redact(record.exc_text or logging.Formatter().formatException(record.exc_info))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and the exception, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:  # already masked by RedactingFilter
            entry["exception"] = record.exc_text
        elif record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        for key in ("portal", "run_id"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "warning", fmt: str = "text") -> None:
    """Send leadstage's logs to stderr, as text or JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # The clients' own loggers would print request details (urllib3 logs URLs with query strings).
    for noisy in ("urllib3", "hubspot", "simple_salesforce"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
