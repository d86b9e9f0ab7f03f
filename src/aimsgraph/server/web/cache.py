"""Per-store memo for the web pages: a value lives as long as the store state it was computed
from (every write through the store, such as a SPARQL Update, starts a new one)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request

T = TypeVar("T")


def per_store(request: Request, name: str, compute: Callable[[], T]) -> T:
    return request.app.state.store.cached(("web", name), compute)
