"""SPARQL results, materialized once and serialized by the engine in any supported format."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from .formats import RdfFormat, ResultFormat
from .namespaces import PREFIXES, XSD

XSD_STRING = XSD + "string"

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass
class QueryResult:
    """The answer to one query: solutions (SELECT), a boolean (ASK) or triples (CONSTRUCT).

    Solutions are read from the engine once, as terms; every results format is produced by the
    engine's own serializers (from the W3C JSON form, written only when a format is asked for).
    """

    kind: str  # "solutions" | "boolean" | "graph"
    variables: list[str] = field(default_factory=list)
    #: solutions as tuples in the order of :attr:`variables` (None where unbound)
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)

    @classmethod
    def from_engine(cls, raw: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> QueryResult:
        if isinstance(raw, ox.QuerySolutions):
            return cls("solutions", [v.value for v in raw.variables],
                       [tuple(solution) for solution in raw])
        if isinstance(raw, ox.QueryBoolean):
            return cls("boolean", boolean=bool(raw))
        return cls("graph", triples=list(raw))

    def _engine_form(self) -> ox.QuerySolutions | ox.QueryBoolean:
        if self.kind == "boolean":
            document: dict = {"head": {}, "boolean": self.boolean}
        else:
            document = {"head": {"vars": self.variables}, "results": {"bindings": [
                {name: _json_term(term) for name, term in zip(self.variables, row, strict=True)
                 if term is not None} for row in self.rows]}}
        return ox.parse_query_results(json.dumps(document).encode(),
                                      format=ox.QueryResultsFormat.JSON)

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
        return self._engine_form().serialize(format=fmt.engine)


def _json_term(term: Term) -> dict:
    """One RDF term in the SPARQL 1.1 Query Results JSON Format (W3C), RDF-star triples too."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        found: dict = {"type": "literal", "value": term.value}
        if term.language:
            found["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            found["datatype"] = term.datatype.value
        return found
    return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                       "predicate": _json_term(term.predicate),
                                       "object": _json_term(term.object)}}


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
