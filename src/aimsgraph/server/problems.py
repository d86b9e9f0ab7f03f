"""RFC 9457 problem details: the one place errors become HTTP statuses.

    aimsgraph error            status
    UnknownQueryError          404  (no such named query)
    UnknownFormatError         406  (no acceptable representation)
    UnknownRecordError         404  (no record to edit by that kind and id)
    RecordExistsError          409  (a record to create has an id already taken)
    StaleRecordError           412  (If-Match names a version that is not current)
    EditRejected               422  (an edit fails the importer's checks or the coverage
                                     shapes; ``errors`` lists field and message of each)
    QueryRefusedError          403  remote-access-refused (SERVICE/LOAD not on the allow-list)
                               400  query-too-deep, query-too-large (past the guard's limits)
    QueryError, InputError     400
    NoOrganizationError        409  (an answer about an organization; none is loaded)
    UsageError                 400
    StoreTimeoutError          504  (the remote store did not answer in time; names it)
    StoreError                 502  (the remote store failed or cannot be reached; names it)
    ProblemError               as raised (401, 403, 404, 406, 413, 415, 503 ...)
    ResponseValidationError    500  contract-violation (an answer outside its model: a bug)
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError, ResponseValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import (
    AimsgraphError,
    EditRejected,
    InputError,
    NoOrganizationError,
    QueryError,
    QueryRefusedError,
    RecordExistsError,
    StaleRecordError,
    StoreError,
    StoreTimeoutError,
    UnknownFormatError,
    UnknownQueryError,
    UnknownRecordError,
    UsageError,
)

MEDIA_TYPE = "application/problem+json"
BASE = "https://w3id.org/aimsgraph/problems/"
#: the guard's refusals (QueryRefusedError.reason) by status and problem type
REFUSED = {"remote": (403, "remote-access-refused"), "too-deep": (400, "query-too-deep"),
           "too-large": (400, "query-too-large")}
STATUS: tuple[tuple[type[AimsgraphError], int, str], ...] = (
    (UnknownRecordError, 404, "unknown-record"),
    (RecordExistsError, 409, "record-exists"),
    (StaleRecordError, 412, "stale-record"),
    (EditRejected, 422, "edit-rejected"),
    (UnknownQueryError, 404, "unknown-query"),
    (UnknownFormatError, 406, "not-acceptable"),
    (QueryError, 400, "bad-query"),
    (InputError, 400, "bad-input"),
    (NoOrganizationError, 409, "no-organization"),
    (UsageError, 400, "bad-request"),
    (StoreTimeoutError, 504, "store-timeout"),
    (StoreError, 502, "store-unavailable"),
)


class ProblemError(Exception):
    """An HTTP error with a problem type and a detail saying what to change."""

    def __init__(self, status: int, kind: str, title: str, detail: str,
                 headers: dict[str, str] | None = None, **extra: object) -> None:
        super().__init__(detail)
        self.status, self.kind, self.title, self.detail = status, kind, title, detail
        self.headers = headers or {}
        self.extra = extra


def problem(status: int, kind: str, title: str, detail: str, instance: str = "",
            headers: dict[str, str] | None = None, **extra: object) -> JSONResponse:
    body = {"type": BASE + kind, "title": title, "status": status, "detail": detail, **extra}
    if instance:
        body["instance"] = instance
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def status_of(exc: AimsgraphError) -> tuple[int, str]:
    """The HTTP status and problem type of an aimsgraph error."""
    if isinstance(exc, QueryRefusedError):
        return REFUSED.get(exc.reason, (400, "query-refused"))
    for cls, status, kind in STATUS:
        if isinstance(exc, cls):
            return status, kind
    return 400, "bad-request"


def install(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem(exc.status, exc.kind, exc.title, exc.detail, request.url.path,
                       exc.headers, **exc.extra)

    @app.exception_handler(AimsgraphError)
    async def _aimsgraph(request: Request, exc: AimsgraphError) -> JSONResponse:
        status, kind = status_of(exc)
        where: dict[str, object] = \
            {"store": exc.location} if isinstance(exc, StoreError) and exc.location else {}
        headers = None
        if isinstance(exc, EditRejected):
            where["errors"] = exc.errors
        if isinstance(exc, StaleRecordError):
            headers = {"ETag": exc.current}
        return problem(status, kind, kind.replace("-", " "), str(exc), request.url.path,
                       headers, **where)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": ".".join(str(p) for p in e.get("loc", ())[1:]) or "request",
                   "message": e.get("msg", "")} for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, "invalid-parameters", "invalid parameters", detail,
                       request.url.path, errors=errors)

    @app.exception_handler(ResponseValidationError)
    async def _contract(request: Request, exc: ResponseValidationError) -> JSONResponse:
        # the library answered something the typed contract does not allow: a bug, said so
        fields = "; ".join(".".join(str(p) for p in e.get("loc", ())) + ": " + e.get("msg", "")
                           for e in exc.errors()[:5])
        return problem(500, "contract-violation", "answer outside the contract",
                       f"the answer does not match its documented schema ({fields}); please "
                       "report it", request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        return problem(exc.status_code, kind, kind.replace("-", " "), str(exc.detail),
                       request.url.path)
