"""Dependencies shared by the routers, as Annotated aliases."""

from __future__ import annotations

import threading
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request

from ..catalog import open_store
from ..errors import AimsgraphError
from ..law import LawChoice, LawView, law_view
from ..mappingsets import parse_names
from ..store import GraphStore
from .execution import Runner
from .problems import ProblemError
from .settings import ServerSettings

#: held while an answer depends on the derived classification graph, which a request under
#: another view of the law would rebuild
DERIVED_LOCK = threading.RLock()


def get_store(request: Request) -> GraphStore:
    return request.app.state.store


def get_settings(request: Request) -> ServerSettings:
    return request.app.state.settings


def get_runner(request: Request) -> Runner:
    return request.app.state.runner


def client_of(request: Request) -> str:
    """The client's address, as the server reports it (the peer; behind a proxy uvicorn
    trusts, the address it forwards): the key the query workers are shared by."""
    return request.client.host if request.client else ""


def default_law(request: Request) -> LawView:
    """The service's view of the law today, from its settings."""
    settings: ServerSettings = request.app.state.settings
    return choose_law(request.app.state.store, settings, None, None)


def choose_law(store: GraphStore, settings: ServerSettings, as_amended_by: list[str] | None,
               as_enacted: bool | None) -> LawView:
    if not as_amended_by and as_enacted is None:
        choice = LawChoice(list(settings.as_amended_by), settings.as_enacted)
    else:
        choice = LawChoice(list(as_amended_by or []), bool(as_enacted))
    today = date.today()
    key = ("law", today, tuple(choice.as_amended_by), choice.as_enacted)
    try:
        return store.cached(key, lambda: law_view(store, today, choice))
    except AimsgraphError as err:
        raise ProblemError(400, "bad-law-view", "unknown view of the law", str(err)) from None


def get_law(
    request: Request,
    as_amended_by: Annotated[list[str] | None, Query(
        description="rely on this amendment change set (see /changes) beside those in force "
                    "today (repeatable)")] = None,
    as_enacted: Annotated[bool | None, Query(
        description="the law as enacted: apply no amendment change set")] = None,
) -> LawView:
    return choose_law(request.app.state.store, request.app.state.settings, as_amended_by,
                      as_enacted)


def get_selected_store(
    request: Request,
    mapping_sets: Annotated[list[str] | None, Query(
        description="the shipped mapping sets that count (file names without .sssom.tsv, "
                    "comma-separated or repeated); default: the service's setting")] = None,
) -> GraphStore:
    """The store the answer is computed on: the service's, or one holding the same catalogs and
    organization data with the chosen mapping sets (built once per choice, a few kept)."""
    store: GraphStore = request.app.state.store
    settings: ServerSettings = request.app.state.settings
    names = parse_names(mapping_sets)
    if names is None or set(names) == set(settings.mapping_sets):
        return store
    if getattr(request.app.state, "updated", False):
        raise ProblemError(409, "store-updated", "mapping set choice unavailable",
                           "the graph was changed through SPARQL Update since the service "
                           "started; other mapping sets can only be chosen at start "
                           "(--mapping-sets) from now on")
    cache: dict = request.app.state.__dict__.setdefault("selection_stores", {})
    key = tuple(sorted(set(names)))
    with DERIVED_LOCK:
        if key not in cache:
            data = [s.path for s in store.sources if s.kind in ("data", "organization")]
            try:
                selected = open_store(data, mapping_sets=list(key))
            except AimsgraphError as err:
                raise ProblemError(400, "bad-mapping-sets", "unknown mapping set",
                                   str(err)) from None
            while len(cache) >= 4:
                cache.pop(next(iter(cache)))
            cache[key] = selected
        return cache[key]


# FastAPI runs a plain ``def`` dependency in a worker thread: a hand-off that cost each request
# about 0.1 ms (benchmarks/isolation.py). These never block, so they are ``async`` as
# dependencies; the functions above stay plain for direct calls.
async def _store(request: Request) -> GraphStore:
    return get_store(request)


async def _settings(request: Request) -> ServerSettings:
    return get_settings(request)


async def _runner(request: Request) -> Runner:
    return get_runner(request)


StoreDep = Annotated[GraphStore, Depends(_store)]
SelectedStoreDep = Annotated[GraphStore, Depends(get_selected_store)]
SettingsDep = Annotated[ServerSettings, Depends(_settings)]
RunnerDep = Annotated[Runner, Depends(_runner)]
LawDep = Annotated[LawView, Depends(get_law)]
