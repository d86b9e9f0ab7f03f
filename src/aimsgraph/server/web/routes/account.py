"""Signing in to the web view with a token, signing out, and the audit trail's page."""

from __future__ import annotations

import hmac
import secrets
from datetime import date
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .... import history
from ....spreadsheet import rows_csv
from ...auth import CSRF_FIELD, csrf_token, current_principal, session_of, users_of
from ...deps import StoreDep
from ...routers.history import CSV_COLUMNS, csv_row, entry_filters
from ..templating import render

router = APIRouter(include_in_schema=False)  # open to anyone: this is where one signs in
pages = APIRouter(include_in_schema=False)  # behind the read check, as every page


def local_target(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/ui/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "signin.html", "signin", "Sign in", next=local_target(next),
                  csrf=csrf_token(request), error=None)


@router.post("/ui/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request) -> Response:
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    field = {k: (v or [""])[0] for k, v in form.items()}
    session = session_of(request)
    target = local_target(field.get("next"))
    expected = str((session or {}).get(CSRF_FIELD, ""))
    if not expected or not hmac.compare_digest(field.get(CSRF_FIELD, "").encode(),
                                               expected.encode()):
        return render(request, "signin.html", "signin", "Sign in", status_code=403,
                      next=target, csrf=csrf_token(request),
                      error="The form had expired. Please send it again.")
    users = users_of(request)
    user = users.authenticate(field.get("token", "").strip()) if users is not None else None
    if user is None or session is None:
        return render(request, "signin.html", "signin", "Sign in", status_code=401,
                      next=target, csrf=csrf_token(request),
                      error="That token is not valid here (wrong or revoked).")
    session.clear()  # a new session on sign-in: nothing carried over
    session["token_id"] = user.token_id
    session[CSRF_FIELD] = secrets.token_urlsafe(24)
    return RedirectResponse(target, status_code=303)


@router.post("/ui/sign-out")
async def sign_out(request: Request) -> Response:
    await current_principal(request)  # a signed-in session's form must carry its CSRF token
    session = session_of(request)
    if session is not None:
        session.clear()
    return RedirectResponse("/", status_code=303)


@pages.get("/ui/history", response_class=HTMLResponse)
async def history_page(request: Request, store: StoreDep, record: str | None = None,
                       actor: str | None = None, since: str | None = None,
                       until: str | None = None) -> Response:
    principal = await current_principal(request)
    if not principal.reads_history:
        return render(request, "error.html", "history", "Not allowed", status_code=403,
                      what="The history is for admins and auditors.",
                      hint="Sign in with an admin's or auditor's token.")
    try:
        start = date.fromisoformat(since) if since else None
        end = date.fromisoformat(until) if until else None
    except ValueError:
        return render(request, "error.html", "history", "Bad date", status_code=400,
                      what="A date is YYYY-MM-DD.", hint="")
    found = history.entries(store, **entry_filters(record or None, actor or None, start, end))
    problems = history.verify(store)
    return render(request, "history.html", "history", "History", entries=list(reversed(found)),
                  record=record or "", actor=actor or "", since=since or "", until=until or "",
                  problems=problems)


@pages.get("/ui/history/download.csv")
async def history_download(request: Request, store: StoreDep, record: str | None = None,
                           actor: str | None = None, since: date | None = None,
                           until: date | None = None) -> Response:
    principal = await current_principal(request)
    if not principal.reads_history:
        return render(request, "error.html", "history", "Not allowed", status_code=403,
                      what="The history is for admins and auditors.", hint="")
    found = history.entries(store, **entry_filters(record or None, actor or None, since, until))
    return Response(rows_csv([csv_row(e) for e in found], CSV_COLUMNS).encode(),
                    media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="history.csv"'})
