"""The ontology is documented term by term and consistent under an OWL 2 reasoner."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from aimsgraph.reasoning import check_consistency, java_available

from .conftest import ROOT

AIMS = rdflib.Namespace("https://w3id.org/aimsgraph/ontology#")
ONTOLOGY = [ROOT / "ontology" / "aims.ttl", ROOT / "ontology" / "aims-alignments.ttl"]
needs_java = pytest.mark.skipif(not java_available(),
                                reason="HermiT needs a Java runtime ('java' not on PATH)")


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in ONTOLOGY:
        graph.parse(path)
    return graph


def aims_terms(graph: rdflib.Graph) -> set[rdflib.URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
             OWL.NamedIndividual)
    return {s for k in kinds for s in graph.subjects(RDF.type, k)
            if isinstance(s, rdflib.URIRef) and s.startswith(str(AIMS))}


def test_every_term_has_a_label_and_a_definition(ontology: rdflib.Graph) -> None:
    terms = aims_terms(ontology)
    assert len(terms) > 80
    missing = sorted(str(t) for t in terms
                     if (t, RDFS.label, None) not in ontology
                     or (t, SKOS.definition, None) not in ontology)
    assert missing == []


@pytest.mark.parametrize("name", [
    "Framework", "Provision", "Clause", "ControlObjective", "Control", "Article", "Paragraph",
    "Annex", "Principle", "Function", "Category", "Subcategory", "Obligation", "Mapping",
    "Organization", "AISystem", "Risk", "ImpactAssessment", "ControlImplementation", "Evidence",
    "Person", "Role", "Incident", "Nonconformity", "Audit",
])
def test_issue_classes_exist(ontology: rdflib.Graph, name: str) -> None:
    assert (AIMS[name], RDF.type, OWL.Class) in ontology


def test_the_five_mapping_relations_and_their_inverses(ontology: rdflib.Graph) -> None:
    relations = set(ontology.subjects(RDF.type, AIMS.MappingRelation))
    # the five NIST IR 8477 relations, and Unspecified for a published pair with none stated
    assert relations == {AIMS.Equal, AIMS.SubsetOf, AIMS.SupersetOf, AIMS.IntersectsWith,
                         AIMS.NotRelated, AIMS.Unspecified}
    inverse = {s: o for s, o in ontology.subject_objects(AIMS.inverseRelation)}
    assert inverse[AIMS.SubsetOf] == AIMS.SupersetOf
    assert all(inverse[inverse[r]] == r for r in relations)


@pytest.mark.parametrize("namespace", [
    "https://w3id.org/dpv#", "https://w3id.org/dpv/ai#", "https://w3id.org/dpv/risk#",
    "https://w3id.org/dpv/legal/eu/aiact#", "https://w3id.org/airo#",
    "http://www.w3.org/ns/prov#", "http://purl.org/dc/terms/",
    "http://data.europa.eu/eli/ontology#",
])
def test_alignments_reach_each_vocabulary(ontology: rdflib.Graph, namespace: str) -> None:
    linking = (RDFS.subClassOf, RDFS.subPropertyOf, SKOS.closeMatch, SKOS.exactMatch,
               SKOS.relatedMatch)
    targets = {o for p in linking for s, o in ontology.subject_objects(p)
               if str(s).startswith(str(AIMS))}
    assert any(str(t).startswith(namespace) for t in targets)


@needs_java
def test_ontology_is_consistent_under_hermit() -> None:
    report = check_consistency(ONTOLOGY)
    assert report.consistent, report
    assert report.unsatisfiable == ()
    assert report.classes > 40


@needs_java
def test_reasoner_detects_an_inconsistency(tmp_path: Path) -> None:
    # A node that is both a framework and a provision violates a disjointness axiom.
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix aims: <https://w3id.org/aimsgraph/ontology#> .\n"
                   "<https://example.org/x> a aims:Framework , aims:Clause .\n")
    report = check_consistency([*ONTOLOGY, bad])
    assert not report.consistent
