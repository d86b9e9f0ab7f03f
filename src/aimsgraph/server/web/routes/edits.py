"""The web view's edit forms: POSTed here, applied as the REST edits are (same checks, same
write path), answered with a redirect to the page the form was on, or a page listing why the
edit was refused. Forms carry the record's version, so a form filled in while someone else
changed the record is refused (412) rather than overwriting their change."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ....edits import KINDS, Edit
from ....errors import (
    EditRejected,
    RecordExistsError,
    StaleRecordError,
    UnknownRecordError,
    UsageError,
)
from ...auth import Principal, current_principal
from ...routers.edits import perform
from ...routers.sparql import read_body
from ..templating import PageNotFound, render

router = APIRouter(include_in_schema=False)
EDITORS = ("editor", "admin")
FORM = "application/x-www-form-urlencoded"


def may_edit(principal: Principal) -> bool:
    return principal.role in EDITORS


async def form_fields(request: Request) -> dict[str, str]:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
        raise UsageError(f"send the form as {FORM}")
    body = await read_body(request, request.app.state.settings)
    form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in form.items()}


def back_to(kind: str, fields: dict[str, str], id_: str) -> str:
    """The page the form was on (from the record, never from the request)."""
    if kind == "soa":
        return f"/ui/soa#line-{id_}"
    if kind == "evidence":
        return f"/ui/soa#line-{fields.get('supports', '')}"
    return f"/ui/systems/{fields.get('system', '')}"


@router.post("/ui/edit/{kind}", response_class=HTMLResponse)
async def create_form(kind: str, request: Request,
                      principal: Principal = Depends(current_principal)) -> Response:  # noqa: B008
    return await _submit(request, principal, kind, None, "create")


@router.post("/ui/edit/{kind}/{id}", response_class=HTMLResponse)
async def change_form(kind: str, id: str, request: Request,
                      principal: Principal = Depends(current_principal)) -> Response:  # noqa: B008
    return await _submit(request, principal, kind, id, "change")


@router.post("/ui/edit/{kind}/{id}/retire", response_class=HTMLResponse)
async def retire_form(kind: str, id: str, request: Request,
                      principal: Principal = Depends(current_principal)) -> Response:  # noqa: B008
    return await _submit(request, principal, kind, id, "retire")


async def _submit(request: Request, principal: Principal, kind: str, id_: str | None,
                  action: str) -> Response:
    spec = KINDS.get(kind)
    if spec is None or (action == "create" and not spec.create) or \
            (action == "retire" and not spec.retire):
        raise PageNotFound(f"No edit form for {kind!r}", "Edit from the SoA and AI system pages.")
    if not may_edit(principal):
        return refused(request, 403, "You may not edit", [
            {"field": "", "message": f"editing needs the editor or admin role; you are "
                                     f"{principal.role}"}], "/ui/soa")
    fields = await form_fields(request)
    version = fields.pop("version", None)
    message = fields.pop("message", "").strip() or None
    fields.pop("csrf", None)  # checked by the session layer where there is one
    allowed = spec.columns if action == "create" else spec.change
    cells = {k: v.strip() for k, v in fields.items() if k in allowed}
    record_id = id_ if id_ is not None else cells.get("id", "")
    edit = Edit(kind, record_id, action, {} if action == "retire" else cells)
    back = back_to(kind, {**fields}, record_id)
    try:
        done, _ = await perform(request, edit, principal, message, version or None)
    except EditRejected as err:
        return refused(request, 422, "The edit was refused; nothing changed", err.errors, back)
    except StaleRecordError:
        return refused(request, 412, "Someone changed this record meanwhile", [
            {"field": "", "message": "the record changed after this page was loaded; your "
                                     "edit was not applied: reload the page and edit again"}],
            back)
    except (UnknownRecordError, RecordExistsError, UsageError) as err:
        return refused(request, 409 if isinstance(err, RecordExistsError) else 404,
                       "The edit was refused; nothing changed", [
                           {"field": "", "message": str(err)}], back)
    if done.record is not None:
        back = back_to(kind, done.record.row, record_id)
    return RedirectResponse(request.scope.get("root_path", "").rstrip("/") + back,
                            status_code=303)


def refused(request: Request, status: int, title: str, errors: list[dict[str, str]],
            back: str) -> HTMLResponse:
    return render(request, "edit_refused.html", "", title, status_code=status, errors=errors,
                  back=back)
