"""Per-store memo for the web pages: a value lives as long as the store generation it was
computed from (SPARQL Update bumps the generation, see routers/sparql.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request

T = TypeVar("T")


def per_store(request: Request, name: str, compute: Callable[[], T]) -> T:
    state = request.app.state
    key = (id(state.store), getattr(state, "generation", 0))
    memo: dict[str, Any] | None = getattr(state, "web_memo", None)
    if memo is None or memo.get("__key__") != key:
        memo = {"__key__": key}
        state.web_memo = memo
    if name not in memo:
        memo[name] = compute()
    return memo[name]
