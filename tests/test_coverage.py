"""Compliance transfer: strength by relation, weakest link on a path, coverage through parts."""

from __future__ import annotations

import pytest

from aimsgraph import FRAMEWORKS, GraphStore, Source, UsageError, shipped_sources
from aimsgraph.coverage import MappingGraph, coverage, describe_path

from .test_sssom import COLUMNS, PROVENANCE

PREFIXES = """# mapping_set_id: https://example.org/mappings/{name}
# curie_map:
#   aims: https://w3id.org/aimsgraph/ontology#
#   iso42001: https://w3id.org/aimsgraph/std/iso-iec-42001/2023/
#   iso27001: https://w3id.org/aimsgraph/std/iso-iec-27001/2022/
#   aiact: https://w3id.org/aimsgraph/eli/reg/2024/1689/
#   semapv: https://w3id.org/semapv/vocab/
#   skos: http://www.w3.org/2004/02/skos/core#
""" + PROVENANCE
SKOS = {"Equal": "skos:exactMatch\t", "SupersetOf": "skos:narrowMatch\t",
        "SubsetOf": "skos:broadMatch\t", "IntersectsWith": "skos:relatedMatch\t",
        "NotRelated": "skos:relatedMatch\tNot"}


def row(subject: str, relation: str, obj: str) -> str:
    return (f"{subject}\t{SKOS[relation]}\t{obj}\taims:{relation}\tsemapv:ManualMappingCuration"
            "\t0.9\t\t\tTest rationale.\n")


@pytest.fixture
def seeded(write) -> GraphStore:
    rows = [
        row("iso42001:annex-a/A.6.2.8", "Equal", "aiact:art_12/par_1"),
        row("iso42001:annex-a/A.6.2.8", "SubsetOf", "aiact:art_12/par_2"),
        row("iso27001:annex-a/A.8.15", "SupersetOf", "iso42001:annex-a/A.6.2.7"),
        row("iso42001:annex-a/A.6.2.7", "SupersetOf", "aiact:art_11/par_1"),
        row("iso27001:annex-a/A.8.16", "IntersectsWith", "iso42001:annex-a/A.6.2.6"),
        row("iso42001:annex-a/A.6.2.6", "Equal", "aiact:art_72/par_1"),
        row("iso42001:annex-a/A.5.5", "NotRelated", "aiact:art_5/par_1"),
        row("iso42001:annex-a/A.6.2.8", "Equal", "aiact:art_12/par_3"),
    ]
    path = write("t.sssom.tsv", PREFIXES.format(name="t") + COLUMNS + "".join(rows))
    store = GraphStore()
    store.load([*[s for s in shipped_sources() if s.kind in ("ontology", "framework")],
                Source(path, "https://example.org/g")])
    return store


def levels(store, have, want="aiact", **kw):
    graph = MappingGraph(store)
    return {r.target.notation: (r.level, describe_path(r, graph))
            for r in coverage(store, have, want, graph=graph, **kw)}


def test_relation_decides_strength(seeded) -> None:
    got = levels(seeded, ["iso42001"])
    assert got["Article 12(1)"][0] == "full"
    assert got["Article 12(2)"][0] == "partial"
    assert got["Article 11(1)"][0] == "full"
    assert got["Article 5(1)"][0] == "none"  # not-related is no edge
    assert got["Article 12(1)"][1] == ("ISO/IEC 42001:2023 A.6.2.8 -[Equal]-> "
                                       "Regulation (EU) 2024/1689 Article 12(1)")


def test_weakest_link_on_a_multi_hop_path(seeded) -> None:
    got = levels(seeded, ["iso27001"])
    assert got["Article 11(1)"] == ("full", "ISO/IEC 27001:2022 A.8.15 -[SupersetOf]-> "
                                    "ISO/IEC 42001:2023 A.6.2.7 -[SupersetOf]-> "
                                    "Regulation (EU) 2024/1689 Article 11(1)")
    assert got["Article 72(1)"][0] == "partial"  # intersects, then equal
    assert levels(seeded, ["iso27001"], max_hops=1)["Article 11(1)"][0] == "none"


def test_coverage_through_parts(seeded) -> None:
    got = levels(seeded, ["iso42001"])
    assert got["Article 12"] == ("partial", "through its parts: Article 12(1), Article 12(2), "
                                 "Article 12(3)")
    assert got["Article 11"][0] == "partial"  # 11(1) full, 11(2), 11(3) not covered


def test_unknown_framework_is_a_usage_error(seeded) -> None:
    with pytest.raises(UsageError, match="unknown framework 'iso9001'; valid: iso42001"):
        coverage(seeded, ["iso9001"], "aiact")
    with pytest.raises(UsageError):
        coverage(seeded, ["aiact"], FRAMEWORKS["aiact"])


def test_iso42001_and_27001_to_ai_act_on_the_shipped_crosswalks(store) -> None:
    graph = MappingGraph(store)
    rows = coverage(store, ["iso42001", "iso27001"], "aiact", graph=graph)
    by_level = {level: [r for r in rows if r.level == level] for level in ("full", "partial")}
    assert by_level["partial"], "some AI Act provisions are partially covered"
    assert all(describe_path(r, graph) for r in by_level["partial"] + by_level["full"])
