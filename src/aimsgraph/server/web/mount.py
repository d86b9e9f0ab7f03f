"""Mounting the web view on the service: page routers, static assets, HTML 404 pages."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..auth import SignInRequired
from ..problems import ProblemError
from .routes import (
    account,
    crosswalks,
    edits,
    impact,
    organization,
    overview,
    plan,
    risks,
    soa,
    sparql,
)
from .templating import HERE, PageNotFound, not_found_page

PREFIX = "/ui/"


def is_page(path: str) -> bool:
    return path == "/" or path.startswith(PREFIX)


def install(app: FastAPI, dependencies: list | None = None) -> None:
    """Add the pages to ``app``, each behind ``dependencies`` (the read check) but the sign-in
    page; call after problems.install (it wraps its 404 handler)."""
    app.include_router(account.router)
    app.include_router(account.pages, dependencies=dependencies)
    for module in (overview, crosswalks, organization, plan, risks, impact, sparql, soa,
                   edits):
        app.include_router(module.router, dependencies=dependencies)
    app.mount("/ui/static", StaticFiles(directory=HERE / "static"), name="web-static")

    @app.exception_handler(PageNotFound)
    async def _not_found(request: Request, exc: PageNotFound):  # type: ignore[no-untyped-def]
        return not_found_page(request, exc.what, exc.hint)

    signed_out = app.exception_handlers[ProblemError]

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired):  # type: ignore[no-untyped-def]
        if is_page(request.url.path):  # a person: the sign-in page, then back here
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            root = request.scope.get("root_path", "").rstrip("/")
            return RedirectResponse(f"{root}/ui/sign-in?{urlencode({'next': target})}",
                                    status_code=303)
        return await signed_out(request, exc)

    problem = app.exception_handlers.get(StarletteHTTPException)
    if problem is None:
        raise RuntimeError("install the problem handlers (problems.install) before the web view")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):  # type: ignore[no-untyped-def]
        # an address under /ui/ that no page answers is a person's typo: an HTML page, not JSON
        if exc.status_code == 404 and is_page(request.url.path):
            return not_found_page(request, f"No page at {request.url.path}",
                                  "Use the navigation bar to find your way.")
        return await problem(request, exc)
