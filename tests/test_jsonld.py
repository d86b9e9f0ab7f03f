"""The JSON-LD export: compacted with the published context, at least 3x smaller than the
expanded form it replaced, and read back as the same dataset by two JSON-LD processors."""

from __future__ import annotations

import io
import json

import pyoxigraph as ox
import rdflib
import rdflib.compare

from aimsgraph import open_store
from aimsgraph.formats import rdf_format
from aimsgraph.jsonld import build_context, load_context, write_jsonld

from .conftest import ROOT


def canonical(quads) -> ox.Dataset:
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return dataset


def test_the_published_context_is_the_one_the_shipped_graph_needs() -> None:
    """Regenerate with `python -m aimsgraph.jsonld` when this fails. A fresh store: the shared
    one holds what other tests derived in it (validation parameters), not shipped data."""
    assert load_context() == build_context(open_store().quads())
    published = json.loads((ROOT / "ontology" / "context.jsonld").read_text())
    assert published["@context"]["inFramework"] == {"@id": "aims:inFramework", "@type": "@id"}


def test_compacted_export_is_3x_smaller_and_the_same_dataset(store) -> None:
    expanded = io.BytesIO()  # the export as it was: the engine's expanded JSON-LD
    store._engine.dump(expanded, rdf_format("jsonld"), None)
    compacted = io.BytesIO()
    store.dump(compacted, rdf_format("jsonld"))
    before, after = len(expanded.getvalue()), len(compacted.getvalue())
    assert before / after >= 3, (before, after)
    document = json.loads(compacted.getvalue())
    assert document["@context"] == load_context()
    quads = store.quads()
    # Oxigraph's JSON-LD parser gives back the same dataset (isomorphic) ...
    back = ox.parse(compacted.getvalue(), format=ox.RdfFormat.JSON_LD)
    assert canonical(back) == canonical(quads)
    # ... and so does rdflib's, graph by graph
    parsed = rdflib.Dataset()
    parsed.parse(data=compacted.getvalue(), format="json-ld")
    original = rdflib.Dataset()
    nquads = io.BytesIO()
    store._engine.dump(nquads, rdf_format("nquads"), None)
    original.parse(data=nquads.getvalue(), format="nquads")
    names = {str(g.identifier) for g in original.graphs() if len(g)}
    assert {str(g.identifier) for g in parsed.graphs() if len(g)} == names
    for name in sorted(names)[:12]:
        ours, theirs = original.graph(rdflib.URIRef(name)), parsed.graph(rdflib.URIRef(name))
        assert rdflib.compare.isomorphic(ours, theirs), name


def test_values_that_do_not_fit_the_context_round_trip() -> None:
    """An organization's data, and literals and IRIs where the context expects something
    else, are written as full value objects and read back unchanged."""
    g = ox.NamedNode("https://example.org/g")
    s = ox.NamedNode("https://w3id.org/aimsgraph/std/iso-iec-42001/2023/clause/4")
    aims = "https://w3id.org/aimsgraph/ontology#"
    quads = [
        ox.Quad(s, ox.NamedNode(aims + "inFramework"), ox.Literal("not an IRI"), g),
        ox.Quad(s, ox.NamedNode(aims + "confidence"), ox.Literal("high"), g),
        ox.Quad(s, ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
                ox.Literal("Contexte", language="fr"), g),
        ox.Quad(s, ox.NamedNode(aims + "relation"), ox.NamedNode("https://example.org/rel"), g),
        ox.Quad(s, ox.NamedNode(aims + "authoredAtRow"),
                ox.Literal("007", datatype=ox.NamedNode(
                    "http://www.w3.org/2001/XMLSchema#integer")), g),
        ox.Quad(ox.BlankNode("b1"), ox.NamedNode(aims + "partOf"), s, g),
        ox.Quad(s, ox.NamedNode("https://example.org/p"), ox.BlankNode("b1"), g),
        ox.Quad(s, ox.NamedNode(aims + "carriesRequirement"), ox.Literal(True), g),
    ]
    out = io.BytesIO()
    write_jsonld(quads, out)
    assert canonical(ox.parse(out.getvalue(), format=ox.RdfFormat.JSON_LD)) == canonical(quads)
    store = open_store([ROOT / "examples" / "acme-lending"])
    out = io.BytesIO()
    store.dump(out, rdf_format("jsonld"))
    back = ox.parse(out.getvalue(), format=ox.RdfFormat.JSON_LD)
    assert canonical(back) == canonical(store.quads())
