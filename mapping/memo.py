"""Outcomes remembered per value seen, within a bound: the compiled rules' memos.

Job titles, form names and page paths repeat across people, so a rule remembers what it made of each value seen;
but some values never repeat (URLs with query strings) and a worker runs for months, so a memo that fills up
starts over rather than grow.
"""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")

# Entries a memo holds before it starts over. Read when storing, so a test can make every memo forgetful.
MEMO_LIMIT = 4096


class BoundedMemo(dict[K, V]):
    """A dict that empties itself rather than grow past ``MEMO_LIMIT`` entries: read with ``get``, store with
    ``remember``."""

    __slots__ = ()

    def remember(self, key: K, value: V) -> V:
        """Store ``value`` under ``key``, after emptying the memo if it is full; return ``value``."""
        if len(self) >= MEMO_LIMIT:
            self.clear()
        self[key] = value
        return value
