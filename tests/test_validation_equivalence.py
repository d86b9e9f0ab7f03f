"""On a generated organization with every kind of gap, the fast validation path and pySHACL give
the same results for every coverage shape, and every shape finds something (so this can fail)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import rdflib
from pyshacl import validate as pyshacl_validate
from rdflib.namespace import SH

from aimsgraph import GraphStore, Source, shipped_sources
from aimsgraph.organization import ProvisionIndex, organization_quads
from aimsgraph.queries import QueryCatalog
from aimsgraph.shacl_core import run_core_constraints
from aimsgraph.shacl_sparql import _minus, run_sparql_constraints
from aimsgraph.validation import shape_files, validate

from .test_validation_engines import SLICE

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("synthetic", ROOT / "benchmarks" / "synthetic.py")
assert _spec is not None and _spec.loader is not None
synthetic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(synthetic)

COVERAGE = next(p for p in shape_files() if p.name == "aims-coverage.ttl")
Key = tuple[str, str | None, str | None, str, str]  # focus, value, path, severity, shape


@pytest.fixture(scope="module")
def shapes_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The coverage shapes with blank nodes named, so both engines report the same source shape
    for a property shape (a blank node gets a new id each time the file is parsed)."""
    path = tmp_path_factory.mktemp("shapes") / "aims-coverage.ttl"
    rdflib.Graph().parse(COVERAGE).skolemize().serialize(path, format="turtle")
    return path


def generated_store(folder: Path) -> GraphStore:
    """A catalog slice and a small generated organization (4 AI systems) with every defect."""
    store = GraphStore()
    store.load([s for s in shipped_sources() if s.graph.rsplit("/", 1)[-1] in SLICE])
    controls = synthetic.catalog_controls(store)
    synthetic.write_organization(folder, 4, controls, seed=7, defects=True)
    index = ProvisionIndex(list(QueryCatalog().get("provision-index").run(store).records()))
    graph = "https://example.org/g/org"
    store.load_quads(Source(folder, graph, "organization"),
                     organization_quads(folder, graph, index))
    return store


def test_fast_path_and_pyshacl_agree_on_every_coverage_shape(tmp_path: Path,
                                                             shapes_file: Path) -> None:
    store = generated_store(tmp_path / "org")
    fast = validate(store, [shapes_file], as_of=synthetic.AS_OF)
    reference = validate(generated_store(tmp_path / "org2"), [shapes_file],
                         as_of=synthetic.AS_OF, reference=True)
    assert fast == reference

    # the engines' raw results, before findings are located and merged: same focus node, value,
    # result path, severity and source shape (`store` is prepared: classified, settings added)
    shapes = rdflib.Graph().parse(shapes_file)
    data = store.to_rdflib([s.graph for s in store.sources if s.kind != "shapes"])
    _, report, _ = pyshacl_validate(data, shacl_graph=shapes, inference="none", advanced=True,
                                    allow_warnings=True)
    expected: set[Key] = set()
    for r in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        value, path = report.value(r, SH.value), report.value(r, SH.resultPath)
        expected.add((str(report.value(r, SH.focusNode)), str(value) if value else None,
                      str(path) if path else None, str(report.value(r, SH.resultSeverity)),
                      str(report.value(r, SH.sourceShape))))
    found: set[Key] = {(r.focus, r.value, r.path, r.severity, r.shape)
                       for r in run_core_constraints(store, shapes)}
    found |= {(r.focus, r.value, None, r.severity, r.shape)
              for r in run_sparql_constraints(store, shapes)}
    assert sorted(found - expected, key=str) == sorted(expected - found, key=str)

    # every shape, property shape and SPARQL constraint of the file finds at least one gap
    sources = {key[4] for key in found}
    for shape in shapes.subjects(rdflib.RDF.type, SH.NodeShape):
        own = {str(shape)} | {str(p) for p in shapes.objects(shape, SH.property)}
        assert own & sources, f"{shape} finds nothing"
    assert {str(p) for p in shapes.objects(None, SH.property)} <= sources
    templates = [str(shapes.value(c, SH.message)) for c in shapes.objects(None, SH.sparql)]
    messages = {f.message for f in fast}
    for template in templates:
        pattern = re.escape(template)
        pattern = re.sub(r"\\\{\\\?[A-Za-z_]+\\\}", ".*", pattern)
        assert any(re.fullmatch(pattern, m) for m in messages), f"no finding: {template}"
    assert {f.severity for f in fast} == {"Violation", "Warning"}


@pytest.mark.parametrize(("body", "minus"), [
    # beside an OPTIONAL, a top-level block that shares only the focus node
    ("?this :p ?x . OPTIONAL { ?x :q ?y } FILTER NOT EXISTS { ?a :r ?this ; :s :t } }", True),
    # ... but not one that shares a variable the OPTIONAL may leave unbound
    ("?this :p ?x . OPTIONAL { ?x :q ?y } FILTER NOT EXISTS { ?a :r ?y } }", False),
    # ... nor one that shares another variable, even one bound beside it
    ("?this :p ?x . OPTIONAL { ?x :q ?y } FILTER NOT EXISTS { ?this :r ?x } }", False),
    # ... nor one inside the OPTIONAL, where the focus node is not bound by the group itself
    ("?this :p ?x . OPTIONAL { ?x :q ?y FILTER NOT EXISTS { ?a :r ?this } } }", False),
    # nothing optional around: as before
    ("?this :p ?x . FILTER NOT EXISTS { ?this :r ?x } }", True),
])
def test_not_exists_becomes_minus_only_where_they_agree(body: str, minus: bool) -> None:
    compiled = _minus(body, {"this"})
    assert ("MINUS {" in compiled) is minus
    assert ("FILTER NOT EXISTS {" in compiled) is not minus
