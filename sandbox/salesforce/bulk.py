"""Bulk API 2.0: query jobs (query, queryAll) and ingest jobs (update), as simple_salesforce.bulk2 calls them.

Endpoint names: sf.bulk.query.create / .status / .results / .abort / .delete and
sf.bulk.ingest.create / .upload / .close / .status / .results / .delete.

Jobs run synchronously: a query job is complete when created, an ingest job when its upload is closed
(the PATCH answers "UploadComplete", the next GET "JobComplete"), so nothing has to wait. Ingest rows get
the same per-record checks as sObject Collections; an empty cell leaves a field unchanged, #N/A clears it.
"""

from __future__ import annotations

import base64
import csv
import io
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from leadstage.sandbox.http import Request, Response, Router
from leadstage.sandbox.salesforce.http import CSV_CONTENT_TYPE, SalesforceError, api_version, not_found, sf_json
from leadstage.sandbox.salesforce.ids import KEY_PREFIXES, make_id, to_id18
from leadstage.sandbox.salesforce.org import SalesforceOrg
from leadstage.sandbox.salesforce.query import CompiledQuery, compile_query, csv_header, csv_row, select_ids
from leadstage.sandbox.salesforce.query_routes import soql_error
from leadstage.sandbox.salesforce.soql import SoqlError
from leadstage.sandbox.salesforce.values import BULK_NULL
from leadstage.sandbox.salesforce.writes import PreparedWrite, prepare, unknown_fields

JOBS = "/services/data/{version}/jobs"
DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
QUERY_OPERATIONS = ("query", "queryAll")
INGEST_OPERATIONS = ("update",)
OPEN, UPLOAD_COMPLETE, JOB_COMPLETE, ABORTED, FAILED = "Open", "UploadComplete", "JobComplete", "Aborted", "Failed"
RESULT_KINDS = {"successfulresults": "successful", "failedresults": "failed", "unprocessedrecords": "unprocessed"}


@dataclass
class BulkJob:
    """One Bulk API 2.0 job."""

    id: str
    operation: str
    object_name: str
    created_by: str
    created: str
    version: str
    delimiter: str
    line_ending: str
    state: str
    modstamp: str
    query: CompiledQuery | None = None
    ids: list[str] = field(default_factory=list)
    data: bytes | None = None
    header: list[str] = field(default_factory=list)
    successful: list[list[str]] = field(default_factory=list)
    failed: list[list[str]] = field(default_factory=list)
    unprocessed: list[list[str]] = field(default_factory=list)
    error_message: str | None = None

    @property
    def is_query(self) -> bool:
        return self.operation in QUERY_OPERATIONS

    def info(self, detail: bool) -> dict[str, Any]:
        """The job as the API describes it (`detail`: the GET form, with counts)."""
        out: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.object_name,
            "createdById": self.created_by,
            "createdDate": self.created,
            "systemModstamp": self.modstamp,
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.version.lstrip("v")),
            "lineEnding": next(k for k, v in LINE_ENDINGS.items() if v == self.line_ending),
            "columnDelimiter": next(k for k, v in DELIMITERS.items() if v == self.delimiter),
        }
        if not self.is_query:
            out["contentUrl"] = f"services/data/{self.version}/jobs/ingest/{self.id}/batches"
        if detail:
            out["jobType"] = "V2Query" if self.is_query else "V2Ingest"
            processed = len(self.ids) if self.is_query else len(self.successful) + len(self.failed)
            out.update(numberRecordsProcessed=processed, retries=0, totalProcessingTime=0)
            if not self.is_query:
                out.update(numberRecordsFailed=len(self.failed), apiActiveProcessingTime=0, apexProcessingTime=0)
            if self.error_message:
                out["errorMessage"] = self.error_message
        return out


def _csv(rows: list[list[str]], delimiter: str, line_ending: str, quote_all: bool) -> bytes:
    buffer = io.StringIO()
    if quote_all:
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_ending, quoting=csv.QUOTE_ALL)
    else:
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_ending, quoting=csv.QUOTE_MINIMAL)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _offset(locator: str) -> int | None:
    try:
        text = base64.b64decode(locator + "=" * (-len(locator) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


class BulkRoutes:
    """Bulk API 2.0 query and ingest jobs."""

    def __init__(self, org: SalesforceOrg) -> None:
        self.org = org
        self.jobs: dict[str, BulkJob] = {}
        self._numbers = itertools.count(1)

    def register(self, router: Router) -> None:
        """Add the routes."""
        for kind in ("query", "ingest"):
            router.add("POST", f"{JOBS}/{kind}", f"sf.bulk.{kind}.create", getattr(self, f"create_{kind}"))
            router.add("GET", f"{JOBS}/{kind}/{{jobId}}", f"sf.bulk.{kind}.status", self.status)
            router.add("DELETE", f"{JOBS}/{kind}/{{jobId}}", f"sf.bulk.{kind}.delete", self.delete)
        router.add("PATCH", f"{JOBS}/query/{{jobId}}", "sf.bulk.query.abort", self.set_state)
        router.add("PATCH", f"{JOBS}/ingest/{{jobId}}", "sf.bulk.ingest.close", self.set_state)
        router.add("GET", f"{JOBS}/query/{{jobId}}/results", "sf.bulk.query.results", self.query_results)
        router.add("PUT", f"{JOBS}/ingest/{{jobId}}/batches", "sf.bulk.ingest.upload", self.upload)
        router.add("GET", f"{JOBS}/ingest/{{jobId}}/{{kind}}", "sf.bulk.ingest.results", self.ingest_results)

    # ----- shared ------------
    def _body(self, request: Request) -> dict[str, Any]:
        try:
            body = json.loads(request.body.decode("utf-8") or "null")
        except (UnicodeDecodeError, ValueError):
            body = None
        if not isinstance(body, dict):
            raise SalesforceError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
        return body

    def _new_job(self, request: Request, body: dict[str, Any], operation: str, object_name: str) -> BulkJob:
        delimiter = DELIMITERS.get(str(body.get("columnDelimiter") or "COMMA"))
        line_ending = LINE_ENDINGS.get(str(body.get("lineEnding") or "LF"))
        if delimiter is None or line_ending is None:
            raise SalesforceError(400, "INVALIDJOB", "columnDelimiter or lineEnding is not a supported value")
        session = self.org.session(request.token)
        now = self.org.now_datetime()
        job_id = make_id(KEY_PREFIXES["BulkJob"], next(self._numbers))
        created_by = session.user_id if session is not None else self.org.owner_ids[0]
        job = BulkJob(
            job_id, operation, object_name, created_by, now, api_version(request), delimiter, line_ending, OPEN, now
        )
        self.jobs[job_id] = job
        return job

    def _job(self, request: Request) -> BulkJob:
        job = self.jobs.get(to_id18(request.params["jobId"]) or "")
        is_query = "/jobs/query/" in request.path
        if job is None or job.is_query != is_query:
            raise not_found()
        return job

    def status(self, request: Request) -> Response:
        """GET /jobs/{query|ingest}/{id}."""
        with self.org.lock:
            return sf_json(200, self._job(request).info(detail=True))

    def delete(self, request: Request) -> Response:
        """DELETE /jobs/{query|ingest}/{id}."""
        with self.org.lock:
            del self.jobs[self._job(request).id]
        return Response(204)

    def set_state(self, request: Request) -> Response:
        """PATCH /jobs/{query|ingest}/{id}: {"state": "UploadComplete" | "Aborted"}."""
        wanted = self._body(request).get("state")
        with self.org.lock:
            job = self._job(request)
            if wanted == ABORTED and job.state in (OPEN, UPLOAD_COMPLETE):
                job.state = ABORTED
                job.unprocessed = [] if job.data is None else self._rows(job)[1]
            elif wanted == UPLOAD_COMPLETE and not job.is_query and job.state == OPEN:
                self._run_ingest(job)
                answer = job.info(detail=False) | {"state": UPLOAD_COMPLETE}
                return sf_json(200, answer)
            else:
                raise SalesforceError(400, "INVALIDJOBSTATE", f"Job is in state {job.state}: can't set it to {wanted}")
            job.modstamp = self.org.now_datetime()
            return sf_json(200, job.info(detail=False))

    # ----- query jobs ------------
    def create_query(self, request: Request) -> Response:
        """POST /jobs/query: the job runs at once (state UploadComplete, then JobComplete)."""
        body = self._body(request)
        operation, text = body.get("operation"), str(body.get("query") or "")
        if operation not in QUERY_OPERATIONS:
            raise SalesforceError(400, "INVALIDJOB", f"Invalid operation for a query job: {operation}")
        with self.org.lock:
            try:
                compiled = compile_query(self.org, text)
            except SoqlError as error:
                raise soql_error(error, text) from None
            if compiled.count or not compiled.columns:
                raise SalesforceError(
                    400, "INVALIDJOB", "Aggregate queries are not supported by Bulk API 2.0 query jobs"
                )
            job = self._new_job(request, body, str(operation), compiled.obj.name)
            job.query = compiled
            job.ids = select_ids(self.org, compiled, include_deleted=operation == "queryAll")
            answer = job.info(detail=False) | {"state": UPLOAD_COMPLETE}
            job.state = JOB_COMPLETE
        return sf_json(200, answer)

    def query_results(self, request: Request) -> Response:
        """GET /jobs/query/{id}/results?locator=&maxRecords=: one CSV page, Sforce-Locator names the next."""
        with self.org.lock:
            job = self._job(request)
            if job.state != JOB_COMPLETE or job.query is None:
                raise SalesforceError(400, "INVALIDJOBSTATE", f"Job is in state {job.state}, not JobComplete")
            locator = request.query_one("locator") or ""
            start = _offset(locator) if locator else 0
            if start is None or start > len(job.ids):
                raise SalesforceError(400, "INVALIDLOCATOR", f"Invalid locator: {locator}")
            size_text = request.query_one("maxRecords") or ""
            if size_text and not size_text.isdigit():
                raise SalesforceError(400, "INVALIDPARAMETER", f"maxRecords must be a positive integer: {size_text}")
            size = int(size_text) if size_text and int(size_text) > 0 else len(job.ids) - start
            page = job.ids[start : start + size]
            rows = [csv_header(job.query)] + [csv_row(self.org, job.query, record_id) for record_id in page]
            end = start + len(page)
            next_locator = _locator(end) if end < len(job.ids) else "null"
            body = _csv(rows, job.delimiter, job.line_ending, quote_all=True)
        headers = {"Content-Type": CSV_CONTENT_TYPE, "Sforce-Locator": next_locator}
        headers["Sforce-NumberOfRecords"] = str(len(page))
        return Response(200, body, headers)

    # ----- ingest jobs ------------
    def create_ingest(self, request: Request) -> Response:
        """POST /jobs/ingest: an Open job waiting for its CSV."""
        body = self._body(request)
        operation = body.get("operation")
        if operation not in INGEST_OPERATIONS:
            raise SalesforceError(
                400, "INVALIDJOB", f"Operation {operation} is not supported by the sandbox: use update"
            )
        with self.org.lock:
            obj = self.org.sobject(str(body.get("object") or ""))
            if obj is None or not obj.updateable:
                raise SalesforceError(400, "INVALIDJOB", f"InvalidJob : Invalid object: {body.get('object')}")
            job = self._new_job(request, body, str(operation), obj.name)
            return sf_json(200, job.info(detail=False))

    def upload(self, request: Request) -> Response:
        """PUT /jobs/ingest/{id}/batches: the job's CSV (one upload per job)."""
        with self.org.lock:
            job = self._job(request)
            if job.state != OPEN or job.data is not None:
                raise SalesforceError(400, "INVALIDJOBSTATE", "Only one upload is allowed per job, while it is Open")
            job.data = request.body
        return Response(201)

    def _rows(self, job: BulkJob) -> tuple[list[str], list[list[str]]]:
        text = (job.data or b"").decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=job.delimiter))
        return (rows[0], rows[1:]) if rows else ([], [])

    def _run_ingest(self, job: BulkJob) -> None:
        header, rows = self._rows(job)
        job.header = header
        obj = self.org.objects[job.object_name]
        id_column = next((i for i, name in enumerate(header) if name.lower() == "id"), None)
        bad = unknown_fields(obj, header)
        job.modstamp = self.org.now_datetime()
        if id_column is None or bad or not rows:
            job.state, job.unprocessed = FAILED, rows
            job.error_message = (
                f"InvalidBatch : Field name not found : {bad[0]}" if bad else "InvalidBatch : Field name not found : Id"
            )
            if not rows:
                job.error_message = "InvalidBatch : Empty CSV file"
            return
        for row in rows:
            cells = dict(zip(header, row, strict=False))
            fields = {name: (None if cell == BULK_NULL else cell) for name, cell in cells.items() if cell != ""}
            raw_id = row[id_column] if id_column < len(row) else ""
            fields = {name: value for name, value in fields.items() if name.lower() != "id"}
            outcome = prepare(self.org, obj, raw_id, fields)
            if isinstance(outcome, PreparedWrite):
                self.org.apply(outcome.object_name, outcome.record_id, outcome.values)
                job.successful.append([outcome.record_id, "false", *row])
            else:
                job.failed.append([to_id18(raw_id) or "", outcome[0].to_bulk(), *row])
        job.state = JOB_COMPLETE

    def ingest_results(self, request: Request) -> Response:
        """GET /jobs/ingest/{id}/successfulResults | failedResults | unprocessedrecords (CSV)."""
        kind = RESULT_KINDS.get(request.params["kind"].lower())
        if kind is None:
            raise not_found()
        with self.org.lock:
            job = self._job(request)
            if kind == "unprocessed":
                rows = [job.header or self._rows(job)[0], *job.unprocessed]
            else:
                first = ["sf__Id", "sf__Created"] if kind == "successful" else ["sf__Id", "sf__Error"]
                rows = [[*first, *job.header], *(job.successful if kind == "successful" else job.failed)]
            body = _csv(rows, job.delimiter, job.line_ending, quote_all=False)
        return Response(200, body, {"Content-Type": CSV_CONTENT_TYPE})
