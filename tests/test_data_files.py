"""Every data file in the repository parses and every data folder says what it holds."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib

from aimsgraph import GraphStore, QueryCatalog
from aimsgraph.store import parse_file

from .conftest import ROOT

TURTLE = sorted(
    p for folder in ("ontology", "frameworks", "obligations", "mappings", "examples")
    for p in (ROOT / folder).rglob("*.ttl")
)
QUERIES = sorted((ROOT / "queries").rglob("*.rq"))


@pytest.mark.parametrize("path", TURTLE, ids=lambda p: str(p.relative_to(ROOT)))
def test_turtle_parses_with_rdflib_and_oxigraph(path: Path) -> None:
    graph = rdflib.Graph().parse(path, format="turtle")
    quads = parse_file(path, "https://example.org/g")
    assert len(graph) > 0
    assert len(set(quads)) == len(graph)


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: str(p.relative_to(ROOT)))
def test_query_file_parses_and_has_a_header(path: Path) -> None:
    catalog = QueryCatalog(path.parent)
    named = catalog.get(path.stem)
    assert named.title != path.stem, "header has no '# title:' line"
    assert named.description, "header has no '# description:' line"
    # Parse and run on an empty store with sample values: syntax errors surface here.
    sample = {"iri": "https://example.org/x", "string": "x", "integer": "1",
              "decimal": "1.5", "boolean": "true", "date": "2026-01-01"}
    values = {p.name: sample[p.type] for p in named.parameters}
    named.run(GraphStore(), values)


@pytest.mark.parametrize("folder", ["ontology", "frameworks", "obligations", "mappings",
                                    "queries", "examples", "changes", "api", "benchmarks"])
def test_every_data_folder_has_a_readme(folder: str) -> None:
    assert (ROOT / folder / "README.md").is_file()


def test_framework_files_each_hold_one_framework() -> None:
    for path in sorted((ROOT / "frameworks").glob("*.ttl")):
        graph = rdflib.Graph().parse(path, format="turtle")
        aims = rdflib.Namespace("https://w3id.org/aimsgraph/ontology#")
        frameworks = set(graph.subjects(rdflib.RDF.type, aims.Framework))
        assert len(frameworks) == 1, f"{path.name}: {len(frameworks)} frameworks"
