"""SPARQL results, materialized once and serialized by the engine in any supported format."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import pyoxigraph as ox

from .formats import RdfFormat, ResultFormat
from .namespaces import PREFIXES

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass
class QueryResult:
    """The answer to one query: solutions (SELECT), a boolean (ASK) or triples (CONSTRUCT).

    Solutions and booleans are kept as the engine's SPARQL JSON, so every other results format
    is produced by the engine's own serializers rather than by hand.
    """

    kind: str  # "solutions" | "boolean" | "graph"
    _payload: bytes = b""
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)

    @classmethod
    def from_engine(cls, raw: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> QueryResult:
        if isinstance(raw, ox.QuerySolutions):
            return cls("solutions", raw.serialize(format=ox.QueryResultsFormat.JSON))
        if isinstance(raw, ox.QueryBoolean):
            payload = raw.serialize(format=ox.QueryResultsFormat.JSON)
            return cls("boolean", payload, boolean=bool(raw))
        return cls("graph", triples=list(raw))

    def _parsed(self) -> ox.QuerySolutions | ox.QueryBoolean:
        return ox.parse_query_results(self._payload, format=ox.QueryResultsFormat.JSON)

    @cached_property
    def variables(self) -> list[str]:
        if self.kind != "solutions":
            return []
        return [v.value for v in self._parsed().variables]

    @cached_property
    def rows(self) -> list[tuple[Term | None, ...]]:
        """Solutions as tuples in the order of :attr:`variables` (None where unbound)."""
        if self.kind != "solutions":
            return []
        names = self.variables
        return [tuple(solution[name] for name in names) for solution in self._parsed()]

    def __len__(self) -> int:
        return len(self.rows) if self.kind == "solutions" else len(self.triples)

    def records(self) -> Iterator[dict[str, str | None]]:
        """Rows as plain dicts of lexical values, for code that does not want RDF terms."""
        for row in self.rows:
            pairs = zip(self.variables, row, strict=True)
            yield {name: (t.value if t is not None else None) for name, t in pairs}

    def serialize(self, fmt: ResultFormat | RdfFormat) -> bytes:
        if isinstance(fmt, RdfFormat):
            if self.kind != "graph":
                raise ValueError("only CONSTRUCT/DESCRIBE results serialize as RDF")
            prefixes = PREFIXES if fmt.name == "turtle" else None
            return ox.serialize(self.triples, format=fmt.engine, prefixes=prefixes)
        if self.kind == "graph":
            raise ValueError("CONSTRUCT/DESCRIBE results serialize as RDF, not as a results table")
        if fmt.engine is None:
            return render_table(self).encode()
        return self._parsed().serialize(format=fmt.engine)


def compact(term: Term | None) -> str:
    """A short human form of a term: CURIE for known prefixes, the lexical form of a literal."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, ns in PREFIXES.items():
            if term.value.startswith(ns):
                return f"{prefix}:{term.value[len(ns):]}"
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell, a rule under the header; for a terminal."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines) + "\n"


def render_table(result: QueryResult) -> str:
    """A query result as a plain-text table, with a row count."""
    if result.kind == "boolean":
        return f"{'yes' if result.boolean else 'no'}\n"
    body = [[compact(t) for t in row] for row in result.rows]
    count = f"({len(body)} row{'s' if len(body) != 1 else ''})\n"
    return format_table(result.variables, body) + count
