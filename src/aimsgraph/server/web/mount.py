"""Mounting the web view on the service: page routers, static assets, HTML 404 pages."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .routes import crosswalks, edits, impact, organization, overview, plan, soa, sparql
from .templating import HERE, PageNotFound, not_found_page

PREFIX = "/ui/"


def is_page(path: str) -> bool:
    return path == "/" or path.startswith(PREFIX)


def install(app: FastAPI) -> None:
    """Add the pages to ``app``; call after problems.install (it wraps its 404 handler)."""
    for module in (overview, crosswalks, organization, plan, impact, sparql, soa, edits):
        app.include_router(module.router)
    app.mount("/ui/static", StaticFiles(directory=HERE / "static"), name="web-static")

    @app.exception_handler(PageNotFound)
    async def _not_found(request: Request, exc: PageNotFound):  # type: ignore[no-untyped-def]
        return not_found_page(request, exc.what, exc.hint)

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
