"""The fast validation path (SPARQL constraints on Oxigraph) agrees with pySHACL, the reference."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from aimsgraph import GraphStore, Source, shipped_sources
from aimsgraph.organization import ProvisionIndex, organization_quads
from aimsgraph.queries import QueryCatalog
from aimsgraph.validation import validate

from .test_organization import FILES, org

# a slice of the catalogs, so pySHACL (per focus node, in rdflib) finishes in seconds
SLICE = {"aims", "aims-alignments", "iso-iec-42001-2023", "iso-iec-27001-2022",
         "eu-ai-act-2024-1689", "iso42001-aiact", "iso42001-iso27001"}


def small_store(folder: Path) -> GraphStore:
    store = GraphStore()
    store.load([s for s in shipped_sources() if s.graph.rsplit("/", 1)[-1] in SLICE])
    index = ProvisionIndex(list(QueryCatalog().get("provision-index").run(store).records()))
    graph = "https://example.org/g/org"
    store.load_quads(Source(folder, graph, "organization"),
                     organization_quads(folder, graph, index))
    return store


def test_fast_path_and_pyshacl_find_the_same(tmp_path: Path) -> None:
    # a small organization with gaps of several kinds
    folder = org(tmp_path, **{
        "controls.csv": FILES["controls.csv"] + "c2,iso42001:A.2.2,no,,,,,\n"
                                                "c3,iso42001:A.2.3,yes,,,,,\n",
        "risks.csv": FILES["risks.csv"] + "r2,Drift,bot,low,low,mitigate,,\n"})
    fast = validate(small_store(folder), as_of=date(2026, 11, 27))
    reference = validate(small_store(folder), as_of=date(2026, 11, 27), reference=True)
    key = [(f.severity, f.location, f.message) for f in fast]
    assert key == [(f.severity, f.location, f.message) for f in reference]
    messages = {m for _, _, m in key}
    assert "A.2.2 is excluded from the Statement of Applicability without a justification" \
        in messages
    assert "A.2.3 applies but has no owner" in messages
    assert "the risk is to be mitigated but names no control that mitigates it" in messages
    assert len(key) > 20


def test_not_exists_becomes_minus_only_where_both_give_the_same_solutions() -> None:
    from aimsgraph.shacl_sparql import _minus

    # shares only the focus node, bound in every solution: MINUS (a hash anti-join in Oxigraph)
    assert _minus("FILTER NOT EXISTS { ?r aims:concernsSystem ?this } }", {"this"}) \
        == "MINUS { ?r aims:concernsSystem ?this } }"
    # nested: the inner block shares ?line, bound by the outer block's own pattern
    assert _minus("?this a ?c . FILTER NOT EXISTS { ?line aims:implementsControl ?this . "
                  "FILTER NOT EXISTS { ?line aims:appliesToSystem ?s } } }", {"this"}) \
        == ("?this a ?c . MINUS { ?line aims:implementsControl ?this . "
            "MINUS { ?line aims:appliesToSystem ?s } } }")
    kept = [
        # ?o may be unbound around the filter
        "OPTIONAL { ?this aims:owner ?o } FILTER NOT EXISTS { ?o aims:email ?e } }",
        # ?x is used only inside a FILTER of the block, so MINUS would not see it
        "?this aims:date ?x . FILTER NOT EXISTS { ?e aims:supports ?this FILTER(?e != ?x) } }",
        # nothing shared: MINUS would remove nothing, NOT EXISTS everything
        "FILTER NOT EXISTS { ?a a aims:Risk } }",
    ]
    for body in kept:
        assert _minus(body, {"this"}) == body
