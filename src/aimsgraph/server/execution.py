"""Running a client's SPARQL safely: no federation by default, a timeout, a row limit.

A query runs in a worker thread (Oxigraph releases the GIL while it evaluates), so a slow query
never blocks other clients; the client gets a 503 when the timeout passes. Rows are counted as
they come, stopping at the limit; a small answer is serialized from that one evaluation, a large
one is evaluated again straight into the engine's serializer.
"""

from __future__ import annotations

import time
from typing import Any

import anyio
import pyoxigraph as ox

from ..namespaces import PREFIXES
from ..results import QueryResult
from ..sparqlguard import guard
from ..store import GraphStore
from .problems import ProblemError
from .settings import ServerSettings


def check_remote(text: str, allowlist: tuple[str, ...], *, update: bool = False) -> None:
    """Refuse SERVICE/LOAD of addresses the allow-list does not name, and queries nested too
    deep or too large for the engine (:mod:`aimsgraph.sparqlguard`)."""
    guard(text, allowlist, update=update, prefixes=PREFIXES)


#: results up to this many rows are kept from the one evaluation and serialized from there; a
#: larger one is evaluated a second time, by the engine's own serializer (cheaper than Python)
KEEP_ROWS = 2000


def _collect(result: Any, limit: int, deadline: float) -> tuple[int, list[Any]]:
    """Count the rows (or triples), stopping past ``limit`` or the deadline; keep the first
    :data:`KEEP_ROWS`."""
    count, kept = 0, []
    for item in result:
        count += 1
        if count <= KEEP_ROWS:
            kept.append(item)
        if count > limit:
            raise ProblemError(400, "result-too-large", "result too large",
                               f"the result has more than {limit} rows; add a LIMIT or narrow "
                               "the query")
        if count % 1000 == 0 and time.monotonic() > deadline:
            raise TimeoutError
    return count, kept


async def run_query(store: GraphStore, text: str, settings: ServerSettings, *,
                    default_graphs: tuple[str, ...] = (), named_graphs: tuple[str, ...] = (),
                    bindings: dict[str, ox.NamedNode | ox.Literal] | None = None,
                    choose_format: Any) -> tuple[str, bytes]:
    """Run ``text`` and return (media type, body); ``choose_format(kind)`` negotiates."""
    check_remote(text, settings.service_allowlist)
    deadline = time.monotonic() + settings.query_timeout

    def evaluate() -> tuple[str, bytes]:
        def execute() -> Any:
            return store.execute(text, bindings, default_graphs=default_graphs,
                                 named_graphs=named_graphs)

        first = execute()
        if isinstance(first, ox.QueryBoolean):
            media, fmt = choose_format("boolean")
            return media, first.serialize(format=fmt.engine)
        graph = isinstance(first, ox.QueryTriples)
        variables = [] if graph else [v.value for v in first.variables]
        media, fmt = choose_format("graph" if graph else "solutions")
        count, kept = _collect(first, settings.max_rows, deadline)
        if count <= KEEP_ROWS:  # small: serialize what the one evaluation gave
            if graph:
                return media, ox.serialize(kept, format=fmt.engine)
            rows = [tuple(solution) for solution in kept]
            return media, QueryResult("solutions", variables, rows).serialize(fmt)
        second = execute()
        if isinstance(second, ox.QueryTriples):
            return media, ox.serialize(second, format=fmt.engine)
        return media, second.serialize(format=fmt.engine)

    def work() -> tuple[str, bytes] | BaseException:
        # Engine objects may only be dropped on the thread that made them: an exception leaving
        # this thread must not carry frames that still hold them.
        try:
            return evaluate()
        except Exception as err:
            return err.with_traceback(None)

    try:
        with anyio.fail_after(settings.query_timeout):
            outcome = await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
    except TimeoutError:
        raise timed_out(settings) from None
    if isinstance(outcome, TimeoutError):  # the row loop passed the deadline
        raise timed_out(settings)
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def timed_out(settings: ServerSettings) -> ProblemError:
    return ProblemError(503, "query-timeout", "query timed out",
                        f"the query ran longer than {settings.query_timeout:g} s; narrow it or "
                        "add a LIMIT", headers={"Retry-After": "5"})


async def run_update(store: GraphStore, text: str, settings: ServerSettings) -> None:
    check_remote(text, settings.service_allowlist, update=True)
    try:
        with anyio.fail_after(settings.query_timeout):
            await anyio.to_thread.run_sync(store.update, text)
    except TimeoutError:
        raise timed_out(settings) from None
