"""Loading is all-or-nothing and errors name the file and line; export round-trips."""

from __future__ import annotations

import io

import pytest
import rdflib

from aimsgraph import GraphStore, RDFSyntaxError, Source, UsageError, data_sources, open_store
from aimsgraph.formats import RDF_FORMATS

GOOD = "@prefix ex: <https://example.org/> .\nex:a ex:p ex:b .\nex:b ex:p ex:c .\n"
BAD = "@prefix ex: <https://example.org/> .\nex:a ex:p ex:b .\nex:c ex:p \"unterminated .\n"


def test_malformed_turtle_names_file_and_line_and_changes_nothing(write) -> None:
    store = GraphStore()
    store.load([Source(write("first.ttl", GOOD), "https://example.org/g/1")])
    before = len(store)
    sources = [Source(write("ok.ttl", GOOD), "https://example.org/g/2"),
               Source(write("broken.ttl", BAD), "https://example.org/g/3")]
    with pytest.raises(RDFSyntaxError) as caught:
        store.load(sources)
    err = caught.value
    assert err.file is not None and err.file.endswith("broken.ttl")
    assert err.line == 3
    assert "broken.ttl:3" in str(err)
    assert len(store) == before
    assert [s.graph for s in store.sources] == ["https://example.org/g/1"]


def test_each_source_gets_its_own_named_graph(write) -> None:
    store = GraphStore()
    store.load([Source(write("a.ttl", GOOD), "https://example.org/g/a"),
                Source(write("b.ttl", GOOD), "https://example.org/g/b")])
    rows = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    assert {r["g"]: r["n"] for r in rows.records()} == {"https://example.org/g/a": "2",
                                                        "https://example.org/g/b": "2"}
    # the default graph is the union: the same triple in two graphs is one solution
    assert len(store.query("SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }")) == 2


def test_loading_a_graph_twice_is_refused(write) -> None:
    store = GraphStore()
    source = Source(write("a.ttl", GOOD), "https://example.org/g/a")
    store.load([source])
    with pytest.raises(UsageError, match="already loaded"):
        store.load([source])
    assert len(store) == 2


def test_missing_data_path_is_an_input_error(tmp_path) -> None:
    with pytest.raises(Exception, match="not a file or folder"):
        data_sources([tmp_path / "nope"])


def test_user_data_folder_loads_beside_the_catalogs(write, tmp_path) -> None:
    write("org/systems.ttl", GOOD)
    store = open_store([tmp_path / "org"])
    graphs = {s.graph for s in store.sources}
    assert "https://w3id.org/aimsgraph/graph/data/org/systems" in graphs
    assert "https://w3id.org/aimsgraph/graph/frameworks/iso-iec-42001-2023" in graphs


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.name)
def test_dump_round_trips_in_every_format(write, fmt) -> None:
    store = GraphStore()
    store.load([Source(write("a.ttl", GOOD + 'ex:a ex:label "é"@fr .\n'), "https://example.org/g")])
    out = io.BytesIO()
    store.dump(out, fmt)
    parsed = rdflib.Dataset() if fmt.holds_graphs else rdflib.Graph()
    rdflib_format = {"turtle": "turtle", "trig": "trig", "nquads": "nquads", "ntriples": "nt",
                     "jsonld": "json-ld", "rdfxml": "xml"}[fmt.name]
    parsed.parse(data=out.getvalue(), format=rdflib_format)
    triples = len(list(parsed.quads())) if fmt.holds_graphs else len(parsed)
    assert triples == 3


def test_to_rdflib_gives_the_union(store) -> None:
    graph = store.to_rdflib(["https://w3id.org/aimsgraph/graph/frameworks/oecd-ai-principles-2024"])
    assert 50 < len(graph) < 200


def test_results_serialize_as_the_engine_would() -> None:
    # language tags, datatypes, plain strings, blank nodes and unbound values survive the trip
    # from engine terms to every results format
    import pyoxigraph as ox

    from aimsgraph.formats import RESULT_FORMATS

    query = """SELECT ?a ?b ?c WHERE { VALUES (?a ?b ?c) {
        ("Zusammenfassung"@de 1.5 <https://example.org/x>)
        ("plain" UNDEF "2026-01-01"^^<http://www.w3.org/2001/XMLSchema#date>) } }"""
    store = GraphStore()
    ours = store.query(query)
    for fmt in RESULT_FORMATS:
        if fmt.engine is None:
            continue
        direct = ox.Store().query(query).serialize(format=fmt.engine)
        assert ours.serialize(fmt) == direct, fmt.name
    blank = store.query("SELECT ?b WHERE { BIND(BNODE() AS ?b) }")
    assert b'"type":"bnode"' in blank.serialize(next(f for f in RESULT_FORMATS
                                                      if f.name == "json")).replace(b" ", b"")
