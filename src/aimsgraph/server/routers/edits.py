"""Edits of the organization's data: SoA lines, evidence, risks, impact assessments.

Each record answers GET with its version in ``ETag``; a change or retirement must send it back
in ``If-Match`` (none: 428, another: 412). Edits need the editor or admin role, are checked by
:mod:`aimsgraph.edits` (422 naming the field when refused) and go through the runner's write
path, so the query workers and every cache see them at once.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

from ...edits import KINDS, Edit, Record, apply_edit, cell, get_record, list_records, plan_edit
from ...organization import TABLES
from ..auth import Principal, require_role
from ..deps import DERIVED_LOCK, StoreDep, default_law, get_runner
from ..models import STATUS_MEANING, Problem, problems
from ..problems import ProblemError
from .organization import findings, findings_key

router = APIRouter(tags=["Edits"])
Editor = Annotated[Principal, Depends(require_role("editor", "admin"))]
IfMatch = Annotated[str | None, Header(description="the record's ETag, from its GET")]

#: what each column holds, for the request models (the CSV format: examples/README.md)
HELP = {
    "id": "a slug, unique in its table (letters, digits, '.', '_', '-')",
    "status": "SoA line: not-started, planned, in-progress, implemented; risk: open, closed; "
              "assessment: planned, in-progress, completed",
    "owner": "a person id (people.csv)",
    "justification": "why the control is included or excluded (required for an exclusion)",
    "target_date": "when it is due (YYYY-MM-DD)",
    "review_date": "when it is next reviewed (YYYY-MM-DD)",
    "next_assessment": "when it is next assessed (YYYY-MM-DD)",
    "title": "a short title",
    "supports": "the SoA line (controls.csv) or clause line (clauses.csv) id it evidences",
    "date": "YYYY-MM-DD",
    "location": "where it is kept (URL or document reference)",
    "system": "an AI system id (ai_systems.csv)",
    "likelihood": "low, medium, high",
    "severity": "low, medium, high",
    "treatment": "mitigate, accept, avoid, transfer",
    "controls": "control references that treat it (iso42001:A.6.2.4), a list or a ;-list",
    "kind": "ai-system-impact, fria, dpia",
}
LISTS = {"controls"}
MESSAGE = Field(None, max_length=2000, description="why: kept with the change in the trail")
PATHS = {"soa": "/soa", "evidence": "/evidence", "risks": "/risks",
         "assessments": "/assessments"}
NAMES = {"soa": ("SoA line", "SoALine"), "evidence": ("evidence", "Evidence"),
         "risks": ("risk", "Risk"), "assessments": ("impact assessment", "ImpactAssessment")}


Cell = Annotated[str, StringConstraints(max_length=10_000)]
Cells = Annotated[list[Cell], Field(max_length=500)]


def _model(name: str, columns: tuple[str, ...], required: tuple[str, ...] = ()) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for column in columns:
        kind: Any = (Cell | Cells) if column in LISTS else Cell
        if column in required:
            fields[column] = (kind, Field(description=HELP.get(column, "")))
        else:
            fields[column] = (kind | None, Field(None, description=HELP.get(column, "")))
    fields["message"] = (str | None, MESSAGE)
    return create_model(name, __config__=ConfigDict(extra="forbid"), **fields)


CHANGES = {kind: _model(f"{NAMES[kind][1]}Change", spec.change) for kind, spec in KINDS.items()}
NEW = {kind: _model(f"New{NAMES[kind][1]}", spec.columns,
                    tuple(c.name for c in TABLES[spec.table] if c.required))
       for kind, spec in KINDS.items() if spec.create}


def resource(request: Request, record: Record) -> dict[str, Any]:
    return {"kind": record.kind, "id": record.id, "iri": record.iri, "version": record.etag,
            "fields": record.row,
            "href": str(request.url_for(f"get_{record.kind}_record", id=record.id))}


def answer(request: Request, record: Record, status: int = 200,
           extra: dict[str, Any] | None = None) -> JSONResponse:
    headers = {"ETag": record.etag}
    if status == 201:
        headers["Location"] = str(request.url_for(f"get_{record.kind}_record", id=record.id))
    return JSONResponse({**resource(request, record), **(extra or {})}, status_code=status,
                        headers=headers)


def values(body: BaseModel) -> dict[str, str]:
    """The cells the body sets (a field sent as null or "" clears its cell)."""
    return {name: cell(getattr(body, name)) for name in body.model_fields_set
            if name != "message"}


async def perform(request: Request, edit: Edit, principal: Principal, message: str | None,
                  if_match: str | None = None) -> tuple[Any, str]:
    """Plan, check and commit ``edit`` as one write; (the change, the commit id)."""
    if edit.action != "create" and not if_match:
        raise ProblemError(428, "precondition-required", "If-Match required",
                           f"send the {edit.kind} record's ETag (from GET "
                           f"{PATHS[edit.kind]}/{edit.id}) in If-Match, so that a change made "
                           "meanwhile is not overwritten")
    store = request.app.state.store
    law = default_law(request)
    address = request.client.host if request.client else None

    def work() -> tuple[Any, str]:
        with DERIVED_LOCK:
            change = plan_edit(store, edit, if_match=if_match, law=law,
                               before=findings(request, store, law))
            commit = apply_edit(store, change, actor=principal.name, message=message,
                                address=address, law=law)
            # the copy the edit was checked on holds what the store holds now: its findings
            # are the store's (the next edit and the pages need not validate again)
            store.cached(findings_key(law), lambda: change.validation)
            return change, commit

    done = await get_runner(request).write(work)
    request.app.state.updated = True  # stores built for other mapping set choices are stale
    request.app.state.__dict__.pop("selection_stores", None)
    return done


def report(change: Any, commit: str) -> dict[str, Any]:
    return {"commit": commit, "changed": {"added": len(change.added),
                                          "removed": len(change.removed)},
            "findings": [vars(f) for f in change.findings]}


class RecordAnswer(BaseModel):
    """One record: its fields as in its CSV file, and its version (also in ETag)."""

    kind: str
    id: str
    iri: str
    version: str = Field(description="the record's ETag: send it in If-Match to change it")
    fields: dict[str, str]
    href: str


class Changed(BaseModel):
    added: int = Field(description="statements the edit added")
    removed: int = Field(description="statements the edit removed")


class EditAnswer(RecordAnswer):
    """The record after an edit, the commit, and the findings on the records it touches."""

    commit: str
    changed: Changed
    findings: list[dict[str, Any]]


class RetiredAnswer(BaseModel):
    retired: str
    commit: str
    changed: Changed
    findings: list[dict[str, Any]]


class RecordList(BaseModel):
    items: list[RecordAnswer]


NOTES = {"s401": "A token the service does not know (`unauthorized`)",
         "s403": "The editor or admin role is needed (`forbidden`)",
         "s404": "No such record (`unknown-record`)",
         "s409": "The id is taken (`record-exists`)",
         "s412": "If-Match is not the record's current ETag (`stale-record`; the current one "
                 "is in ETag)",
         "s422": "Refused by the importer's checks or the coverage shapes (`edit-rejected`) or "
                 "a field the record does not have (`invalid-parameters`); `errors` names each "
                 "field",
         "s428": "No If-Match (`precondition-required`)"}
SECURITY = {"security": [{"bearer": []}]}


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    known = {k: v for k, v in NOTES.items() if int(k[1:]) in statuses}
    extra = {s for s in statuses if s not in STATUS_MEANING}
    out = problems(*(s for s in statuses if s in STATUS_MEANING), **known)
    for status in extra:
        out[status] = {"model": Problem, "description": NOTES[f"s{status}"]}
    return out


def _routes(kind: str) -> None:
    spec = KINDS[kind]
    label = NAMES[kind][0]
    base = PATHS[kind]
    change_model = CHANGES[kind]

    def get_one(id: str, request: Request, store: StoreDep) -> JSONResponse:
        return answer(request, get_record(store, kind, id))

    router.add_api_route(f"{base}/{{id}}", get_one, methods=["GET"], name=f"get_{kind}_record",
                         summary=f"One {label}, its fields as in the CSV file; its version in "
                                 "ETag", response_model=None,
                         responses={200: {"model": RecordAnswer}, **_problems(404)})

    async def change(id: str, body: change_model, request: Request,  # type: ignore[valid-type]
                     principal: Editor, if_match: IfMatch = None) -> JSONResponse:
        edit = Edit(kind, id, "change", values(body))
        done, commit = await perform(request, edit, principal, body.message, if_match)
        return answer(request, done.record, extra=report(done, commit))

    change.__annotations__["body"] = change_model  # a model made here, not a module name
    router.add_api_route(f"{base}/{{id}}", change, methods=["PATCH"], name=f"change_{kind}_record",
                         summary=f"Change a {label}: only the fields sent (If-Match required)",
                         responses={200: {"model": EditAnswer},
                                    **_problems(401, 403, 404, 412, 422, 428)},
                         response_model=None, openapi_extra=SECURITY)

    if kind != "soa":
        def list_all(request: Request, store: StoreDep) -> dict[str, Any]:
            return {"items": [resource(request, r) for r in list_records(store, kind)]}

        router.add_api_route(base, list_all, methods=["GET"], name=f"list_{kind}_records",
                             summary=f"Every {label} record", response_model=RecordList,
                             responses=_problems())

    if spec.create:
        new_model = NEW[kind]

        async def create(body: new_model, request: Request,  # type: ignore[valid-type]
                         principal: Editor) -> JSONResponse:
            cells = values(body)
            edit = Edit(kind, cells.get("id", ""), "create", cells)
            done, commit = await perform(request, edit, principal, body.message)
            return answer(request, done.record, 201, report(done, commit))

        create.__annotations__["body"] = new_model
        router.add_api_route(base, create, methods=["POST"], name=f"create_{kind}_record",
                             summary=f"Add a {label}", status_code=201,
                             responses={201: {"model": EditAnswer},
                                        **_problems(401, 403, 409, 422)},
                             response_model=None, openapi_extra=SECURITY)

    if spec.retire:
        async def retire(id: str, request: Request, principal: Editor,
                         if_match: IfMatch = None,
                         message: Annotated[str | None, Query(max_length=2000,
                                                              description="why")] = None,
                         ) -> JSONResponse:
            done, commit = await perform(request, Edit(kind, id, "retire"), principal, message,
                                         if_match)
            return JSONResponse({"retired": id, **report(done, commit)})

        router.add_api_route(f"{base}/{{id}}", retire, methods=["DELETE"],
                             name=f"retire_{kind}_record",
                             summary=f"Retire a {label} (If-Match required; the trail keeps it)",
                             responses={200: {"model": RetiredAnswer},
                                        **_problems(401, 403, 404, 412, 422, 428)},
                             response_model=None, openapi_extra=SECURITY)


for _kind in KINDS:
    _routes(_kind)
