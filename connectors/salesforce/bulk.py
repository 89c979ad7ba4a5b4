"""Bulk API 2.0 for backfills: query jobs read large objects as CSV pages, ingest jobs write many records at once.

simple-salesforce's Bulk 2.0 client does the HTTP; its own helpers sleep with ``time.sleep`` while they wait for a
job, so leadstage drives the job steps itself (create, upload, close, poll with the injected sleeper, results)
and every step goes through the shared retry policy and rate limiter.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from simple_salesforce import Salesforce
from simple_salesforce.bulk2 import Operation

from leadstage.connectors.base import ConnectorError
from leadstage.connectors.salesforce.client import SalesforceCalls

POLL_INTERVAL_S = 2.0
JOB_TIMEOUT_S = 3_600.0
QUERY_PAGE_RECORDS = 2_000
CLEAR = "#N/A"  # Bulk API 2.0's way of setting a field to null; an empty cell leaves it unchanged
DONE_STATES = frozenset({"JobComplete", "Failed", "Aborted"})


class BulkJobFailed(ConnectorError):
    """A Bulk API 2.0 job ended Failed or Aborted, or did not finish in time."""


def _cell(value: Any) -> str:
    if value is None:
        return CLEAR
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows as Bulk 2.0 CSV: Id first, one column per field any row sets; unset cells stay empty (unchanged)."""
    columns = ["Id", *sorted({key for row in rows for key in row if key != "Id"})]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[c]) if c in row else "" for c in columns])
    return buffer.getvalue()


def from_csv(text: str) -> list[dict[str, Any]]:
    """Bulk 2.0 CSV as records; empty cells become None, like JSON nulls."""
    return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(io.StringIO(text))]


class BulkJobs:
    """Runs Bulk API 2.0 jobs for one org."""

    def __init__(
        self,
        calls: SalesforceCalls,
        sleep: Callable[[float], None],
        monotonic: Callable[[], float],
        poll_s: float = POLL_INTERVAL_S,
        timeout_s: float = JOB_TIMEOUT_S,
    ) -> None:
        self._calls = calls
        self._sleep = sleep
        self._monotonic = monotonic
        self._poll_s = poll_s
        self._timeout_s = timeout_s

    @staticmethod
    def _client(sf: Salesforce, object_name: str) -> Any:
        # Built per call: it captures the session header, which changes when the session is renewed.
        return getattr(sf.bulk2, object_name)._client

    def _wait(self, object_name: str, job_id: str, is_query: bool) -> dict[str, Any]:
        started = self._monotonic()
        endpoint = "bulk.query.status" if is_query else "bulk.ingest.status"
        while True:
            job: dict[str, Any] = self._calls.request(
                endpoint, lambda sf: self._client(sf, object_name).get_job(job_id, is_query)
            )
            if job.get("state") in DONE_STATES:
                if job["state"] != "JobComplete":
                    raise BulkJobFailed(f"Bulk API job {job_id} ended {job['state']}: {job.get('errorMessage', '')}")
                return job
            if self._monotonic() - started > self._timeout_s:
                raise BulkJobFailed(f"Bulk API job {job_id} did not finish within {self._timeout_s:.0f}s")
            self._sleep(self._poll_s)

    def update(self, object_name: str, rows: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[tuple[str, str]]]:
        """Update records with one ingest job: (ids written, [(id, "CODE:message") for each failure])."""
        job = self._calls.request(
            "bulk.ingest.create", lambda sf: self._client(sf, object_name).create_job(Operation.update)
        )
        job_id = str(job["id"])
        data = to_csv(rows)
        self._calls.request(
            "bulk.ingest.upload",
            # Like simple-salesforce itself, upload to the job's batches URL (contentUrl is relative).
            lambda sf: self._client(sf, object_name).upload_job_data(job_id, data),
        )
        self._calls.request("bulk.ingest.close", lambda sf: self._client(sf, object_name).close_job(job_id))
        self._wait(object_name, job_id, is_query=False)
        failed_csv = self._calls.request(
            "bulk.ingest.results", lambda sf: self._client(sf, object_name).get_ingest_results(job_id, "failedResults")
        )
        failures = [
            (str(row.get("sf__Id") or row.get("Id")), str(row.get("sf__Error"))) for row in from_csv(failed_csv)
        ]
        failed = {record_id for record_id, _ in failures}
        written = [str(row["Id"]) for row in rows if str(row["Id"]) not in failed]
        return written, failures

    def query(
        self, object_name: str, statement: str, job_id: str | None = None, locator: str = ""
    ) -> Iterator[tuple[list[dict[str, Any]], str, str]]:
        """Pages of a query job's results as (records, job id, locator of the next page or "" at the end).

        A stored (job id, locator) resumes an interrupted read where it stopped.
        """
        if job_id is None:
            job = self._calls.request(
                "bulk.query.create", lambda sf: self._client(sf, object_name).create_job(Operation.query, statement)
            )
            job_id = str(job["id"])
            self._wait(object_name, job_id, is_query=True)
        while True:

            def results(sf: Salesforce, job: str = job_id, at: str = locator) -> Any:
                return self._client(sf, object_name).get_query_results(job, at, QUERY_PAGE_RECORDS)

            page = self._calls.request("bulk.query.results", results)
            locator = str(page.get("locator") or "")
            yield from_csv(page["records"]), job_id, locator
            if not locator:
                return
