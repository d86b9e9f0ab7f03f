"""Which files make up the graph, and opening a store loaded with them.

Shipped sources (ontology, shapes, framework catalogs, obligations, mappings) each go into a named
graph ``https://w3id.org/aimsgraph/graph/<folder>/<file stem>``; a user's RDF files go into
``https://w3id.org/aimsgraph/graph/data/<path relative to the folder given>``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .errors import InputError
from .formats import rdf_format_for_path
from .namespaces import GRAPH
from .paths import data_path
from .store import GraphStore, Progress, Source

#: Shipped folders loaded by default, in load order, with the kind recorded for each source.
SHIPPED = (
    ("ontology", "ontology"),
    ("ontology/shapes", "shapes"),
    ("frameworks", "framework"),
    ("obligations", "obligations"),
    ("mappings", "mappings"),
)


def shipped_sources() -> list[Source]:
    sources = []
    for folder, kind in SHIPPED:
        for path in sorted(data_path(folder).glob("*.ttl")):
            sources.append(Source(path, f"{GRAPH}{folder}/{path.stem}", kind))
    return sources


def data_sources(paths: Iterable[Path]) -> list[Source]:
    """RDF files named by the user: files as given, folders searched recursively."""
    sources = []
    for given in paths:
        if given.is_dir():
            files = sorted(p for p in given.rglob("*") if rdf_format_for_path(p) is not None)
            if not files:
                raise InputError("folder holds no RDF files (.ttl, .trig, .nq, .nt, .jsonld, .rdf)",
                                 file=given)
            for path in files:
                rel = path.relative_to(given).with_suffix("").as_posix()
                sources.append(Source(path, f"{GRAPH}data/{given.name}/{rel}", "data"))
        elif given.is_file():
            sources.append(Source(given, f"{GRAPH}data/{given.stem}", "data"))
        else:
            raise InputError("not a file or folder", file=given)
    return sources


def open_store(
    data: Iterable[Path] = (),
    *,
    shipped: bool = True,
    progress: Progress | None = None,
) -> GraphStore:
    """A store holding the shipped catalogs (unless ``shipped=False``) and the user's files."""
    sources = (shipped_sources() if shipped else []) + data_sources(data)
    store = GraphStore()
    store.load(sources, progress=progress)
    return store
