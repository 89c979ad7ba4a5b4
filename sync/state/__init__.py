"""The state store: leadstage's own tables (SQLite by default, PostgreSQL by URL)."""

from leadstage.sync.state.history import DeadLetter
from leadstage.sync.state.leases import holder_gone
from leadstage.sync.state.runs import CRASHED
from leadstage.sync.state.store import StateStore, StateStoreError, StoredContact, safe_url

__all__ = [
    "CRASHED",
    "DeadLetter",
    "StateStore",
    "StateStoreError",
    "StoredContact",
    "holder_gone",
    "safe_url",
]
