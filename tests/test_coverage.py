"""Compliance transfer: strength by relation, weakest link on a path, coverage through parts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aimsgraph import FRAMEWORKS, GraphStore, Source, UsageError, shipped_sources
from aimsgraph.coverage import (
    DEFAULT_RULE,
    MappingGraph,
    PathRule,
    coverage,
    describe_path,
    level_counts,
    resolve_roles,
)

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


def row(subject: str, relation: str, obj: str, confidence: str = "0.9") -> str:
    return (f"{subject}\t{SKOS[relation]}\t{obj}\taims:{relation}\tsemapv:ManualMappingCuration"
            f"\t{confidence}\t\t\tTest rationale.\n")


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
        # equal then intersects: partial on the last step only
        row("iso27001:annex-a/A.5.24", "Equal", "iso42001:annex-a/A.8.4"),
        row("iso42001:annex-a/A.8.4", "IntersectsWith", "aiact:art_73/par_1"),
        # a confident-looking full path through a tentative mapping
        row("iso42001:annex-a/A.6.2.5", "Equal", "aiact:art_26/par_1", "0.5"),
        # three full hops
        row("iso27001:annex-a/A.5.1", "Equal", "iso42001:annex-a/A.2.2"),
        row("iso42001:annex-a/A.2.2", "Equal", "iso42001:annex-a/A.2.3"),
        row("iso42001:annex-a/A.2.3", "Equal", "aiact:art_4"),
    ]
    path = write("t.sssom.tsv", PREFIXES.format(name="t") + COLUMNS + "".join(rows))
    store = GraphStore()
    store.load([*[s for s in shipped_sources()
                  if s.kind in ("ontology", "framework", "obligations")],
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
    assert got["Article 73(1)"][0] == "partial"  # equal, then intersects
    assert levels(seeded, ["iso27001"], rule=PathRule(max_hops=1))["Article 11(1)"][0] == "none"


def test_a_partial_step_ends_a_path(seeded) -> None:
    # A.8.16 intersects A.6.2.6, which equals Article 72(1): the overlap of A.8.16 with A.6.2.6
    # may lie outside Article 72(1), so a reviewer rejects the chain
    assert levels(seeded, ["iso27001"])["Article 72(1)"][0] == "none"
    assert levels(seeded, ["iso27001"], rule=PathRule(max_hops=5))["Article 72(1)"][0] == "none"


def test_mappings_below_the_minimum_confidence_do_not_count(seeded) -> None:
    assert levels(seeded, ["iso42001"])["Article 26(1)"][0] == "none"  # equal, but at 0.5
    lenient = levels(seeded, ["iso42001"], rule=PathRule(min_confidence=Decimal("0.5")))
    assert lenient["Article 26(1)"][0] == "full"


def test_at_most_two_hops_by_default(seeded) -> None:
    assert PathRule(2, Decimal("0.6")) == DEFAULT_RULE
    assert levels(seeded, ["iso27001"])["Article 4"][0] == "none"  # three equal hops
    assert levels(seeded, ["iso27001"], rule=PathRule(max_hops=3))["Article 4"][0] == "full"
    with pytest.raises(UsageError, match="max hops"):
        PathRule(max_hops=0)
    with pytest.raises(UsageError, match="min confidence"):
        PathRule(min_confidence=Decimal("1.5"))


def test_the_shipped_answer_rests_only_on_paths_the_rule_admits(store) -> None:
    rows = coverage(store, ["iso42001", "iso27001"], "aiact")
    for r in rows:
        assert len(r.path) <= 2
        assert all(s.confidence is not None and s.confidence >= Decimal("0.6") for s in r.path)
        assert all(s.relation in ("Equal", "SupersetOf", "GuidanceFor") for s in r.path[:-1])


def test_only_provisions_carrying_a_requirement_are_counted(store) -> None:
    rows = {r.target.notation: r for r in coverage(store, ["iso42001", "iso27001"], "aiact")}
    for heading in ("Chapter III", "Chapter III Section 2", "Article 3", "Annex III",
                    "Annex III(5)(b)", "Article 28", "Article 6(1)", "Article 5(5)"):
        assert not rows[heading].counted, heading
    for required in ("Article 9", "Article 9(1)", "Article 26(5)", "Article 50(2)",
                     "Article 5(1)(a)"):
        assert rows[required].counted, required
    counts = level_counts(rows.values())
    assert sum(counts.values()) == sum(r.counted for r in rows.values()) < len(rows)


def test_roles_choose_what_is_counted(store) -> None:
    deployer = coverage(store, ["iso42001"], "aiact", roles=resolve_roles(["deployer"]))
    counted = {r.target.notation for r in deployer if r.counted}
    assert {"Article 26", "Article 26(5)", "Article 50(3)", "Article 4"} <= counted
    assert not {"Article 16", "Article 50(2)", "Article 23"} & counted
    gdpr = coverage(store, ["iso42001"], "gdpr", roles=resolve_roles(["processor"]))
    counted = {r.target.notation for r in gdpr if r.counted}
    assert "Article 28(3)" in counted and "Article 13" not in counted
    with pytest.raises(UsageError, match="unknown role 'regulator'"):
        resolve_roles(["regulator"])


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
