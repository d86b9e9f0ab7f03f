"""The application factory: loads the store once, in the lifespan, and mounts one router per
resource, and the web view's pages. Every route is a thin layer over a library call."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import Depends, FastAPI
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware

from .. import __version__
from ..catalog import open_store
from ..law import LawChoice, LawView, law_view
from ..store import GraphStore
from ..users import UserFile
from ..validation import prepare
from . import openapi, problems, web
from .auth import read_access
from .caching import ConditionalGet, HeadAsGet
from .execution import Runner
from .generation import GenerationCheck
from .headers import SecurityHeaders
from .hosts import HostGuard, base_parts
from .routers import (
    edits,
    frameworks,
    history,
    impact,
    mappings,
    organization,
    plan,
    queries,
    sparql,
)
from .settings import ServerSettings
from .timeouts import RouteTimeout


def _law(store: GraphStore, settings: ServerSettings) -> LawView:
    return law_view(store, None, LawChoice(list(settings.as_amended_by), settings.as_enacted))


def create_app(settings: ServerSettings | None = None, store: GraphStore | None = None) -> FastAPI:
    """The service over ``store`` (default: the shipped catalogs plus ``settings.data``)."""
    settings = settings or ServerSettings()
    if settings.base_url:
        base_parts(settings.base_url)  # a bad one fails here, not at the first request

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "store", None) is None:
            app.state.store = store or open_store(
                settings.data, mapping_sets=list(settings.mapping_sets) or None)
            app.state.store.limit_requests(settings.query_timeout)
            prepare(app.state.store, law=_law(app.state.store, settings))
            app.state.runner = Runner(app.state.store, settings)
        # the workers' first snapshot is made while the service already answers: the REST
        # resources and pages do not wait for it (at 10^6 quads it takes tens of seconds);
        # client SPARQL waits until it is there
        async with anyio.create_task_group() as group:
            group.start_soon(app.state.runner.start)
            try:
                yield
            finally:
                group.cancel_scope.cancel()
                app.state.runner.close()

    app = FastAPI(
        title="aimsgraph",
        version=__version__,
        summary="Knowledge-graph compliance mapping for AI management systems",
        description="REST resources and a SPARQL 1.1 Protocol endpoint over one RDF graph of "
                    "ISO/IEC 42001, the EU AI Act, GDPR, ISO/IEC 27001/27701, OECD and NIST AI "
                    "RMF, their crosswalks and an organization's AI management system. Errors "
                    "are RFC 9457 problem details.",
        lifespan=lifespan,
        # operationId = the route function's name (get_system, list_mappings): what client
        # generators turn into method names
        generate_unique_id_function=lambda route: route.name,
    )
    app.state.settings = settings
    app.state.store = store
    if store is not None:
        store.limit_requests(settings.query_timeout)  # a hung remote store: 504, not a hang
        prepare(store, law=_law(store, settings))
        app.state.runner = Runner(store, settings)
    users = UserFile(settings.users_file) if settings.users_file else None
    app.state.users = users
    problems.install(app)
    readers = [Depends(read_access)]  # anonymous only when the settings allow it
    for module in (sparql, queries, frameworks, mappings, organization, plan, impact,
                   edits):
        app.include_router(module.router, dependencies=readers)
    sparql.install_direct(app)  # GET /sparql without FastAPI's per-request dependency solving
    app.include_router(history.router)  # admins and auditors (its own dependency)
    web.install(app, readers)  # the HTML pages at / and /ui/ (not in the OpenAPI document)
    openapi.install(app)
    # outermost last: SecurityHeaders, HostGuard, sessions, the replicas' generation check,
    # HEAD, gzip, ETag/304, route time limit
    app.add_middleware(RouteTimeout, seconds=settings.route_timeout)
    app.add_middleware(ConditionalGet)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(HeadAsGet)
    app.add_middleware(GenerationCheck)  # replicas: forget what another one's write made stale
    secret = settings.session_secret or (users.session_secret() if users else "") or \
        secrets.token_hex(32)
    https = bool(settings.base_url and settings.base_url.startswith("https:"))
    app.add_middleware(SessionMiddleware, secret_key=secret, session_cookie="aimsgraph_session",
                       max_age=8 * 3600, same_site="strict", https_only=https)
    app.add_middleware(HostGuard, allowed_hosts=settings.allowed_hosts,
                       base_url=settings.base_url)
    app.add_middleware(SecurityHeaders)  # outermost: the Host refusal carries the headers too
    return app
