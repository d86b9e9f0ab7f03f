"""Evaluating one client query into (media type, body), the same in a worker or a thread.

Rows are counted as they come, stopping at the row limit; a small answer is serialized from that
one evaluation, a large one is evaluated again straight into the engine's serializer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from ..formats import RDF_FORMATS, RESULT_FORMATS, RdfFormat, ResultFormat
from ..results import QueryResult

#: results up to this many rows are kept from the one evaluation and serialized from there; a
#: larger one is evaluated a second time, by the engine's own serializer (cheaper than Python)
KEEP_ROWS = 2000

#: the kinds of answer a query can have, as ``choose_format`` is asked for them
KINDS = ("boolean", "solutions", "graph")


class Refusal(Exception):
    """The query is refused or failed for a reason the client can fix: an HTTP status, a problem
    type, a title and a detail (plain values, so it crosses a process boundary)."""

    def __init__(self, status: int, kind: str, title: str, detail: str,
                 extra: dict[str, object] | None = None) -> None:
        super().__init__(status, kind, title, detail, extra)
        self.status, self.kind, self.title, self.detail = status, kind, title, detail
        self.extra = extra or {}


class Deadline(Exception):
    """The row loop passed the deadline."""


@dataclass(frozen=True)
class Formats:
    """The negotiated (media type, format name) per kind of answer, or the refusal to give when
    the client accepts nothing for that kind; made in the parent, sent to the worker."""

    choices: Mapping[str, tuple[str, str] | Refusal]

    @property
    def key(self) -> tuple:
        """The choices as a hashable value (answers are remembered per negotiated format)."""
        return tuple(sorted((kind, choice if isinstance(choice, tuple)
                             else (choice.status, choice.kind, choice.detail))
                            for kind, choice in self.choices.items()))

    def pick(self, kind: str) -> tuple[str, RdfFormat | ResultFormat]:
        choice = self.choices[kind]
        if isinstance(choice, Refusal):
            raise choice
        media, name = choice
        table = RDF_FORMATS if kind == "graph" else RESULT_FORMATS
        return media, next(f for f in table if f.name == name)


def evaluate(execute: Callable[[], Any], formats: Formats, max_rows: int,
             deadline: float) -> tuple[str, bytes]:
    """``execute()`` gives the engine's lazy result; (media type, body) of the answer."""
    first = execute()
    if isinstance(first, ox.QueryBoolean):
        media, fmt = formats.pick("boolean")
        return media, first.serialize(format=fmt.engine)
    graph = isinstance(first, ox.QueryTriples)
    variables = [] if graph else [v.value for v in first.variables]
    media, fmt = formats.pick("graph" if graph else "solutions")
    count, kept = _collect(first, max_rows, deadline)
    if count <= KEEP_ROWS:  # small: serialize what the one evaluation gave
        if graph:
            return media, ox.serialize(kept, format=fmt.engine)
        rows = [tuple(solution) for solution in kept]
        return media, QueryResult("solutions", variables, rows).serialize(fmt)  # type: ignore[arg-type]
    second = execute()
    if isinstance(second, ox.QueryTriples):
        return media, ox.serialize(second, format=fmt.engine)
    return media, second.serialize(format=fmt.engine)


def _collect(result: Any, limit: int, deadline: float) -> tuple[int, list[Any]]:
    """Count the rows (or triples), stopping past ``limit`` or the deadline; keep the first
    :data:`KEEP_ROWS`."""
    count, kept = 0, []
    for item in result:
        count += 1
        if count <= KEEP_ROWS:
            kept.append(item)
        if count > limit:
            raise Refusal(400, "result-too-large", "result too large",
                          f"the result has more than {limit} rows; add a LIMIT or narrow the "
                          "query")
        if count % 1000 == 0 and time.monotonic() > deadline:
            raise Deadline
    return count, kept
