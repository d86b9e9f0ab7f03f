"""Content negotiation over the typed format tables: q-values, wildcards, a default, 406."""

from __future__ import annotations

from dataclasses import dataclass

from ..formats import RDF_FORMATS, RESULT_FORMATS, RdfFormat, ResultFormat
from .problems import ProblemError

_BY_NAME = {f.name: f for f in RESULT_FORMATS}
#: SELECT/ASK results as served, the first is the default; aliases map to the same format
RESULTS: tuple[tuple[str, ResultFormat], ...] = (
    ("application/sparql-results+json", _BY_NAME["json"]),
    ("application/sparql-results+xml", _BY_NAME["xml"]),
    ("text/csv", _BY_NAME["csv"]),
    ("text/tab-separated-values", _BY_NAME["tsv"]),
    ("application/json", _BY_NAME["json"]),
    ("application/xml", _BY_NAME["xml"]),
)
#: CONSTRUCT/DESCRIBE results, first is the default
GRAPHS: tuple[tuple[str, RdfFormat], ...] = tuple(
    (f.media_type, f) for f in RDF_FORMATS if f.name in ("turtle", "ntriples", "jsonld", "rdfxml",
                                                          "trig", "nquads"))


@dataclass(frozen=True)
class Accept:
    type: str
    subtype: str
    q: float


def parse_accept(header: str | None) -> list[Accept]:
    if not header or not header.strip():
        return [Accept("*", "*", 1.0)]
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        if "/" not in fields[0]:
            continue
        main, sub = fields[0].lower().split("/", 1)
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append(Accept(main, sub, q))
    return ranges


def _quality(media_type: str, ranges: list[Accept]) -> float:
    main, sub = media_type.split("/", 1)
    best, specificity = 0.0, -1
    for r in ranges:
        if r.type in ("*", main) and r.subtype in ("*", sub):
            level = (r.type != "*") + (r.subtype != "*")
            if level > specificity:
                best, specificity = r.q, level
    return best


def choose(header: str | None, table: tuple[tuple[str, object], ...]):  # type: ignore[no-untyped-def]
    """The (media type, format) the client prefers most; the table's first on ties; else 406."""
    ranges = parse_accept(header)
    scored = [(_quality(media, ranges), -index, media, fmt)
              for index, (media, fmt) in enumerate(table)]
    q, _, media, fmt = max(scored)
    if q <= 0:
        accepted = ", ".join(dict.fromkeys(m for m, _ in table))
        raise ProblemError(406, "not-acceptable", "not acceptable",
                           f"none of the requested media types ({header}) can be served; "
                           f"accepted: {accepted}", accepted=accepted.split(", "))
    return media, fmt


def wants_html(header: str | None) -> bool:
    ranges = parse_accept(header)
    return any(r.type == "text" and r.subtype == "html" and r.q > 0 for r in ranges)
