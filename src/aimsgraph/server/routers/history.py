"""The audit trail over REST: GET /history (JSON or CSV) and GET /history/verify; admins and
auditors only. No route changes or removes history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from ... import history
from ...spreadsheet import rows_csv
from ..auth import HISTORY_READERS, Principal, require_role
from ..deps import StoreDep
from ..models import History, HistoryCheck, problems
from ..negotiation import choose

router = APIRouter(tags=["History"])
AuditorDep = Annotated[Principal, Depends(require_role(*HISTORY_READERS))]
CSV_COLUMNS = ["sequence", "time", "kind", "actor", "address", "message", "records", "graphs",
               "addedCount", "removedCount", "added", "removed", "activity", "entryHash"]


def entry_filters(record: str | None, actor: str | None, since: date | None,
                  until: date | None) -> dict:
    from datetime import UTC

    return {"record": record or None, "actor": actor or None,
            "since": datetime.combine(since, datetime.min.time(), tzinfo=UTC) if since else None,
            "until": history.end_of(until) if until else None}


def csv_row(entry: history.Entry) -> dict:
    body = entry.resource()
    return {**{k: body[k] for k in ("sequence", "time", "kind", "actor", "address", "message",
                                    "activity", "entryHash")},
            "records": " ".join(entry.records), "graphs": " ".join(entry.graphs),
            "addedCount": len(body["added"]), "removedCount": len(body["removed"]),
            "added": entry.added.rstrip("\n"), "removed": entry.removed.rstrip("\n")}


@router.get("/history", summary="The audit trail: every write, who, when, what, why, from where "
                                  "(admins and auditors; JSON, or CSV by Accept)",
            response_model=History,
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
                       **problems(401, 403, 406, 422)})
async def get_history(
    request: Request, store: StoreDep, principal: AuditorDep,
    record: Annotated[str | None, Query(
        description="only entries that changed this record (its IRI)", max_length=2000)] = None,
    actor: Annotated[str | None, Query(
        description="only entries by this user", max_length=64)] = None,
    since: Annotated[date | None, Query(description="from this day (UTC), inclusive")] = None,
    until: Annotated[date | None, Query(description="to this day (UTC), inclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=100_000,
                                description="at most this many entries, the newest")] = 1000,
) -> Response:
    if record is not None and not record.startswith(("http://", "https://", "urn:")):
        from ..problems import ProblemError

        raise ProblemError(422, "invalid-parameters", "invalid parameters",
                           "record: an IRI (http://, https:// or urn:), e.g. an AI system's")
    found = await anyio.to_thread.run_sync(
        lambda: history.entries(store, **entry_filters(record, actor, since, until)))
    total, found = len(found), found[-limit:]
    media, _ = choose(request.headers.get("accept"),
                      (("application/json", "json"), ("text/csv", "csv")))
    if media == "text/csv":
        return Response(rows_csv([csv_row(e) for e in found], CSV_COLUMNS),
                        media_type="text/csv; charset=utf-8", headers={"Vary": "Accept"})
    return JSONResponse(History.model_validate({"filters": {"record": record, "actor": actor,
                                     "since": since.isoformat() if since else None,
                                     "until": until.isoformat() if until else None},
                         "count": len(found), "total": total,
                         "items": [e.resource() for e in found]}).model_dump(mode="json"),
                        headers={"Vary": "Accept"})


@router.get("/history/verify", summary="Check the audit trail's hash chain (admins and "
                                         "auditors): every entry unchanged and in place",
            response_model=HistoryCheck, responses=problems(401, 403))
async def verify_history(store: StoreDep, principal: AuditorDep) -> dict:
    problems = await anyio.to_thread.run_sync(history.verify, store)
    entries = await anyio.to_thread.run_sync(history.entries, store)
    return {"intact": not problems, "entries": len(entries), "problems": problems,
            "head": entries[-1].entry_hash if entries else None}
