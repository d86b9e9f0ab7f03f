"""Dependencies shared by the routers, as Annotated aliases."""

from __future__ import annotations

import threading
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request

from ..errors import AimsgraphError
from ..law import LawChoice, LawView, law_view
from ..store import GraphStore
from .problems import ProblemError
from .settings import ServerSettings

#: held while an answer depends on the derived classification graph, which a request under
#: another view of the law would rebuild
DERIVED_LOCK = threading.RLock()


def get_store(request: Request) -> GraphStore:
    return request.app.state.store


def get_settings(request: Request) -> ServerSettings:
    return request.app.state.settings


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


StoreDep = Annotated[GraphStore, Depends(get_store)]
SettingsDep = Annotated[ServerSettings, Depends(get_settings)]
LawDep = Annotated[LawView, Depends(get_law)]
