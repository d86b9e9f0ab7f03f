"""Replicas that agree: before each request, a service over a remote store reads the store's
generation marker (one triple in the state graph, moved on by every write's trail entry, see
:mod:`aimsgraph.history`) and, when another replica wrote since, forgets every answer it
remembered (findings, the law's view, page data) and the derived classification, which it
computes again from the data as it is now.

Over an embedded store this process is the only writer and nothing is read. The cost per request
over a remote store is one small SPARQL request; ``benchmarks/replicas.py`` measures it.
"""

from __future__ import annotations

import threading

import anyio.to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import StoreError


class GenerationCheck:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/ui/static/"):
            state = scope["app"].state
            store = getattr(state, "store", None)
            if store is not None and store.remote:
                await anyio.to_thread.run_sync(self._refresh, state)
        await self.app(scope, receive, send)

    def _refresh(self, state) -> None:  # type: ignore[no-untyped-def]
        store = state.store
        try:
            with self._lock:
                moved = store.refresh()
                if moved:
                    state.__dict__.pop("selection_stores", None)
                    state.updated = True
        except StoreError:
            return  # the request itself meets the store's fault and answers it (502/504)
        if moved:
            refresh_derived(state)


def refresh_derived(state) -> None:  # type: ignore[no-untyped-def]
    """The classification graph derived from older data: compute it again (after a write here,
    or one another replica made)."""
    from ..validation import DERIVED_GRAPH, prepare
    from .app import _law
    from .deps import DERIVED_LOCK

    with DERIVED_LOCK:
        state.store.unload([DERIVED_GRAPH])
        prepare(state.store, law=_law(state.store, state.settings))
