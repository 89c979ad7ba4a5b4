"""HubSpot companies: the fields of the companies contacts belong to, and the companies that changed.

A contact names its primary company in ``associatedcompanyid`` (HubSpot keeps it from the primary association), so
reading a contact costs no call for its company's id. Companies are read in batches of 100, only those the state
store does not hold yet; the ones modified since the last run are found by a search on ``hs_lastmodifieddate``,
keyset-paged by id like the contacts' (see ``paging``), and their contacts are evaluated again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from hubspot.crm.objects import PublicObjectSearchRequest

from leadstage.connectors.base import (
    CompanyFields,
    CompanyPage,
    RecordError,
    SweepPosition,
    chunked,
    describe,
    record_id_of,
)
from leadstage.connectors.hubspot import settings as hs
from leadstage.connectors.hubspot.client import HubSpotCalls, Json
from leadstage.connectors.hubspot.convert import epoch_ms, to_company
from leadstage.connectors.hubspot.paging import Keyset


class Companies:
    """The company reads of one portal's connector."""

    def __init__(self, settings: hs.HubSpotSettings, calls: HubSpotCalls) -> None:
        self._settings = settings
        self._calls = calls
        self._properties = sorted({*settings.company_fields, hs.COMPANY_MODIFIED_PROPERTY})

    def read(self, ids: Sequence[str]) -> CompanyFields:
        """The canonical fields of these companies (batch reads of 100); ids HubSpot does not have are left out."""
        read = CompanyFields()
        for chunk in chunked(sorted({i for i in ids if i.isdigit()}, key=int), hs.BATCH_READ_LIMIT):
            body = {"properties": self._properties, "inputs": [{"id": company_id} for company_id in chunk]}
            _, answer = self._calls.request(
                "companies.batch_read", self._calls.objects_batch.read, hs.COMPANY_OBJECT, body
            )
            read.add(self._convert(answer.get("results", [])))
        return read

    def pull_changed(self, position: SweepPosition) -> Iterator[CompanyPage]:
        """Pages of the companies modified in ``[since, until)``, by id."""
        assert position.since is not None, "a company sweep needs a start time"
        pages = Keyset(position.after)
        while not pages.done:
            request = self._search_request(position.since, position.until, pages.last_id)
            _, body = self._calls.request(
                "companies.search", self._calls.objects_search.do_search, hs.COMPANY_OBJECT, request
            )
            read = self._convert(pages.advance(body))
            at = SweepPosition(position.kind, position.until, position.since, pages.last_id, pages.done)
            yield CompanyPage(read.found, at, read.unreadable)

    def _search_request(self, since: datetime, until: datetime, after_id: str | None) -> PublicObjectSearchRequest:
        filters: list[dict[str, Any]] = [
            {"propertyName": hs.COMPANY_MODIFIED_PROPERTY, "operator": "GTE", "value": epoch_ms(since)},
            {"propertyName": hs.COMPANY_MODIFIED_PROPERTY, "operator": "LT", "value": epoch_ms(until)},
        ]
        if after_id:
            filters.append({"propertyName": hs.ID_PROPERTY, "operator": "GT", "value": after_id})
        return PublicObjectSearchRequest(
            filter_groups=[{"filters": filters}],
            sorts=[{"propertyName": hs.ID_PROPERTY, "direction": "ASCENDING"}],
            properties=self._properties,
            limit=self._settings.search_page_limit,
        )

    def _convert(self, results: Sequence[Json]) -> CompanyFields:
        """Companies as canonical fields; one that cannot be read is named with why (its contacts then go to the
        dead-letter table rather than being scored without their company)."""
        read = CompanyFields()
        for obj in results:
            try:
                company_id, fields = to_company(obj, self._settings.company_fields)
            except RecordError as error:
                read.unreadable[error.record_id] = error.reason
                continue
            except Exception as error:
                read.unreadable[record_id_of(obj, "id")] = f"cannot be read: {describe(error)}"
                continue
            read.found[company_id] = fields
        return read
