"""The serialization formats aimsgraph reads and writes, as typed tables.

One table for RDF graphs/datasets and one for SPARQL results; the CLI, the loader and (later) the
HTTP content negotiation all look formats up here instead of comparing strings of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .errors import UnknownFormatError


@dataclass(frozen=True)
class RdfFormat:
    name: str
    media_type: str
    extensions: tuple[str, ...]
    engine: ox.RdfFormat

    @property
    def holds_graphs(self) -> bool:
        """True when the format keeps named graphs (TriG, N-Quads, JSON-LD)."""
        return bool(self.engine.supports_datasets)


RDF_FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat("turtle", "text/turtle", (".ttl",), ox.RdfFormat.TURTLE),
    RdfFormat("trig", "application/trig", (".trig",), ox.RdfFormat.TRIG),
    RdfFormat("nquads", "application/n-quads", (".nq",), ox.RdfFormat.N_QUADS),
    RdfFormat("ntriples", "application/n-triples", (".nt",), ox.RdfFormat.N_TRIPLES),
    RdfFormat("jsonld", "application/ld+json", (".jsonld",), ox.RdfFormat.JSON_LD),
    RdfFormat("rdfxml", "application/rdf+xml", (".rdf", ".owl", ".xml"), ox.RdfFormat.RDF_XML),
)


@dataclass(frozen=True)
class ResultFormat:
    name: str
    media_type: str
    engine: ox.QueryResultsFormat | None  # None: rendered by aimsgraph itself (the text table)


RESULT_FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat("table", "text/plain", None),
    ResultFormat("csv", "text/csv", ox.QueryResultsFormat.CSV),
    ResultFormat("tsv", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ResultFormat("json", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ResultFormat("xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
)


def rdf_format(name: str) -> RdfFormat:
    for fmt in RDF_FORMATS:
        if fmt.name == name:
            return fmt
    raise UnknownFormatError(name, [f.name for f in RDF_FORMATS])


def result_format(name: str) -> ResultFormat:
    for fmt in RESULT_FORMATS:
        if fmt.name == name:
            return fmt
    raise UnknownFormatError(name, [f.name for f in RESULT_FORMATS])


def rdf_format_for_path(path: Path) -> RdfFormat | None:
    """The RDF format a file's extension names, or None when it is not an RDF file."""
    suffix = path.suffix.lower()
    for fmt in RDF_FORMATS:
        if suffix in fmt.extensions:
            return fmt
    return None
