"""Running a client's SPARQL safely: no federation by default, a timeout, a row limit.

A query runs in a worker thread (Oxigraph releases the GIL while it evaluates), so a slow query
never blocks other clients; the client gets a 503 when the timeout passes. Rows are counted in a
first pass that stops at the limit, then the engine serializes the answer in the chosen format.
"""

from __future__ import annotations

import re
import time
from typing import Any

import anyio
import pyoxigraph as ox

from ..store import GraphStore
from .problems import ProblemError
from .settings import ServerSettings

# strings and comments, removed before looking for keywords (IRIs are kept: they are checked)
_STRINGS = re.compile(r'"""(?:.|\n)*?"""|\'\'\'(?:.|\n)*?\'\'\'|"(?:\\.|[^"\\\n])*"'
                      r"|'(?:\\.|[^'\\\n])*'|#[^\n]*")
_REMOTE = re.compile(r"\b(SERVICE|LOAD)\b(?:\s+SILENT)?\s*(<[^>]*>|[?$]\w+)?", re.IGNORECASE)


def check_remote(text: str, allowlist: tuple[str, ...]) -> None:
    """Refuse SERVICE (federation) and LOAD of any IRI the allow-list does not name."""
    scrubbed = _STRINGS.sub(" ", text)
    for match in _REMOTE.finditer(scrubbed):
        keyword, target = match[1].upper(), (match[2] or "").strip("<>")
        if target and target in allowlist:
            continue
        raise ProblemError(403, "remote-access-refused", f"{keyword} refused",
                           f"{keyword} {match[2] or ''} is not allowed: this endpoint does not "
                           "fetch remote data unless the server's allow-list names the address")


def _count(result: Any, limit: int, deadline: float) -> int:
    count = 0
    for _ in result:
        count += 1
        if count > limit:
            raise ProblemError(400, "result-too-large", "result too large",
                               f"the result has more than {limit} rows; add a LIMIT or narrow "
                               "the query")
        if count % 1000 == 0 and time.monotonic() > deadline:
            raise TimeoutError
    return count


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
        _count(first, settings.max_rows, deadline)
        second = execute()
        if isinstance(second, ox.QueryTriples):
            media, fmt = choose_format("graph")
            return media, ox.serialize(second, format=fmt.engine)
        media, fmt = choose_format("solutions")
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
    check_remote(text, settings.service_allowlist)
    try:
        with anyio.fail_after(settings.query_timeout):
            await anyio.to_thread.run_sync(store.update, text)
    except TimeoutError:
        raise timed_out(settings) from None
