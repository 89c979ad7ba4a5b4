"""What the state store's parts share: the engine and one transaction per unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine


class StoreBase:
    """The engine, and ``transaction()``: everything in the block commits together or not at all."""

    engine: Engine

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn
