"""The companies table: the companies (accounts) contacts belong to, as last read, and who belongs to which."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Connection, select

from leadstage.connectors.base import chunked
from leadstage.sync.state import schema as t
from leadstage.sync.state.base import StoreBase
from leadstage.sync.state.sql import IN_CHUNK, upsert


class CompanyLog(StoreBase):
    """Mixed into StateStore."""

    def load_companies(self, portal: str, ids: Sequence[str]) -> dict[str, dict[str, str]]:
        """The stored fields of these companies (those the store holds)."""
        found: dict[str, dict[str, str]] = {}
        columns = t.companies.c
        with self.engine.connect() as conn:
            for chunk in chunked(ids, IN_CHUNK):
                query = select(columns.company_id, columns.fields).where(
                    columns.portal == portal, columns.company_id.in_(chunk)
                )
                found.update({row.company_id: dict(row.fields or {}) for row in conn.execute(query)})
        return found

    def save_companies(
        self, conn: Connection, portal: str, companies: Mapping[str, Mapping[str, str]], run_id: int, now: datetime
    ) -> None:
        rows = [
            {"portal": portal, "company_id": company_id, "fields": dict(fields), "read_at": now, "run_id": run_id}
            for company_id, fields in companies.items()
        ]
        upsert(conn, t.companies, rows, ("portal", "company_id"))

    def contacts_of_companies(self, portal: str, company_ids: Sequence[str]) -> list[str]:
        """The stored contacts that belong to these companies, in id order."""
        found: list[str] = []
        columns = t.contacts.c
        with self.engine.connect() as conn:
            for chunk in chunked(company_ids, IN_CHUNK):
                query = select(columns.contact_id).where(columns.portal == portal, columns.company_id.in_(chunk))
                found.extend(row.contact_id for row in conn.execute(query))
        return sorted(found)
