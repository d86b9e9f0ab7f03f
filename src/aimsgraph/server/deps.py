"""Dependencies shared by the routers, as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ..store import GraphStore
from .execution import Runner
from .settings import ServerSettings


def get_store(request: Request) -> GraphStore:
    return request.app.state.store


def get_settings(request: Request) -> ServerSettings:
    return request.app.state.settings


def get_runner(request: Request) -> Runner:
    return request.app.state.runner


StoreDep = Annotated[GraphStore, Depends(get_store)]
SettingsDep = Annotated[ServerSettings, Depends(get_settings)]
RunnerDep = Annotated[Runner, Depends(get_runner)]
