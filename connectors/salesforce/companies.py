"""The Salesforce connector's companies: a Lead carries its company's fields itself; a Contact's Account fields are
read through the ``Account`` relationship in the contact's own query, so they cost no call. Accounts modified since
the last run are found by a keyset-paged query on ``SystemModstamp``, and their contacts are evaluated again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

from leadstage.connectors.base import CompanyFields, CompanyPage, RecordError, SweepPosition, chunked
from leadstage.connectors.salesforce import soql
from leadstage.connectors.salesforce.convert import company_fields
from leadstage.connectors.salesforce.paging import Keyset
from leadstage.connectors.salesforce.settings import ACCOUNT_OBJECT, IN_LIST_CHUNK, SalesforceSettings

Json = dict[str, Any]


class SalesforceCompanies:
    """Mixed into SalesforceConnector, which provides the settings and the query helpers."""

    settings: SalesforceSettings
    via_account: bool

    def _query(self, statement: str, include_deleted: bool = False) -> list[Json]:
        raise NotImplementedError

    def _window(self, position: SweepPosition) -> list[str]:
        raise NotImplementedError

    def read_companies(self, ids: Sequence[str]) -> CompanyFields:
        read = CompanyFields()
        if not self.via_account:
            return read  # a Lead's company is the Lead itself
        fields = ["Id", *self.settings.company_fields]
        for chunk in chunked([i for i in ids if soql.ID_PATTERN.match(i)], IN_LIST_CHUNK):
            for record in self._query(soql.select(fields, ACCOUNT_OBJECT, f"Id IN {soql.id_list(chunk)}")):
                read.add(self._account(record))
        return read

    def pull_companies(self, position: SweepPosition) -> Iterator[CompanyPage]:
        """Accounts modified in the window, keyset-paged by Id (Lead portals have none to read)."""
        if not self.via_account:
            yield CompanyPage({}, dataclasses.replace(position, done=True))
            return
        fields = ["Id", *self.settings.company_fields]
        pages = Keyset(position.after)
        limit = self.settings.page_limit
        while not pages.done:
            where = " AND ".join([*self._window(position), *pages.condition()])
            records = self._query(soql.select(fields, ACCOUNT_OBJECT, where, "Id", limit))
            pages.advance(records, limit)
            read = CompanyFields()
            for record in records:
                read.add(self._account(record))
            at = SweepPosition(position.kind, position.until, position.since, pages.after, pages.done)
            yield CompanyPage(read.found, at, read.unreadable)

    def _account(self, record: Json) -> CompanyFields:
        account_id = str(record.get("Id") or "")
        try:
            return CompanyFields({account_id: company_fields(account_id, record, self.settings.company_fields)})
        except RecordError as error:
            return CompanyFields(unreadable={account_id: error.reason})
