"""Which provisions carry a requirement, and for whom (obligations/requirements-*.ttl)."""

from __future__ import annotations

import pytest

from aimsgraph import FRAMEWORKS, QueryCatalog, open_store
from aimsgraph.checks import qc_checks
from aimsgraph.coverage import ROLES, MappingGraph

AIACT = "https://w3id.org/aimsgraph/eli/reg/2024/1689"
GDPR = "https://w3id.org/aimsgraph/eli/reg/2016/679"
AIMS = "https://w3id.org/aimsgraph/ontology#"


@pytest.fixture(scope="module")
def graph(store) -> MappingGraph:
    return MappingGraph(store)


def by_notation(graph: MappingGraph, framework: str, notation: str) -> str:
    found = [p.iri for p in graph.provisions.values()
             if p.framework == framework and p.notation == notation]
    assert len(found) == 1, notation
    return found[0]


def test_every_shipped_framework_declares_its_requirements(graph) -> None:
    declared = {graph.provisions[iri].framework for iri in graph.decisions}
    assert declared == set(FRAMEWORKS.values())


def test_every_obligation_rests_on_a_provision_carrying_a_requirement_for_its_role(
        store, graph) -> None:
    rows = list(QueryCatalog().get("obligations").run(store).records())
    assert len(rows) > 100
    for r in rows:
        requirement = graph.requirement(r["provision"] or "")
        assert requirement is not None and requirement.carries, r["notation"]
        roles = set((r["roles"] or "").split())
        if "https://w3id.org/dpv/legal/eu/aiact#GPAIModel" in (r["conditions"] or ""):
            roles.add(ROLES["gpai-provider"])  # DPV binds AIProvider under that condition
        assert roles & requirement.addressees, (r["notation"], roles, requirement.addressees)


@pytest.mark.parametrize(("framework", "notation", "carries", "addressee"), [
    (AIACT, "Article 3", False, None),  # definitions
    (AIACT, "Chapter III", False, None),  # heading
    (AIACT, "Annex IV", False, None),  # content Article 11 refers to
    (AIACT, "Article 28", False, "MemberStates"),
    (AIACT, "Article 31", False, "NotifiedBodies"),
    (AIACT, "Article 6(2)", False, None),  # classification rule
    (AIACT, "Article 6(4)", True, ROLES["provider"]),
    (AIACT, "Article 26(5)", True, ROLES["deployer"]),  # inherits Article 26
    (AIACT, "Article 50(3)", True, ROLES["deployer"]),
    (AIACT, "Article 50(7)", False, "AIOffice"),
    (AIACT, "Article 53(1)(d)", True, ROLES["gpai-provider"]),
    (GDPR, "Article 4", False, None),
    (GDPR, "Article 4(1)", False, None),
    (GDPR, "Article 35(4)", False, "NationalAuthorities"),
    (GDPR, "Article 35(7)", True, ROLES["controller"]),
    (GDPR, "Article 28(3)", True, ROLES["processor"]),
    (FRAMEWORKS["iso42001"], "6.1", False, None),  # heading of 6.1.1-6.1.4
    (FRAMEWORKS["iso42001"], "6.1.2", True, ROLES["organization"]),
    (FRAMEWORKS["iso42001"], "Annex A", False, None),
    (FRAMEWORKS["iso42001"], "A.6.2.4", True, ROLES["organization"]),
    (FRAMEWORKS["oecd"], "2.1", False, "MemberStates"),
    (FRAMEWORKS["iso27701-2025"], "6.1", False, None),  # heading
    (FRAMEWORKS["iso27701-2025"], "6.1.2", True, ROLES["organization"]),
    (FRAMEWORKS["iso27701-2025"], "A.1.2", False, None),  # control objective
    (FRAMEWORKS["iso27701-2025"], "A.3.10", True, ROLES["organization"]),
    (FRAMEWORKS["iso27701-2025"], "B.3.10", False, None),  # guidance for A.3.10
])
def test_requirement_facts(graph, framework, notation, carries, addressee) -> None:
    requirement = graph.requirement(by_notation(graph, framework, notation))
    assert requirement is not None
    assert requirement.carries is carries
    if addressee is None:
        assert not requirement.addressees
    elif addressee.startswith("http"):
        assert addressee in requirement.addressees
    else:
        assert AIMS + addressee in requirement.public_bodies


def test_the_qc_check_finds_an_undecided_article(write) -> None:
    extra = write("extra.ttl", f"""
        @prefix aims: <{AIMS}> .
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        <{AIACT}/art_114> a aims:Article ; skos:notation "Article 114" ;
            skos:prefLabel "Invented"@en ; aims:inFramework <{AIACT}> .
        <{AIACT}/art_9> aims:addressedTo aims:MemberStates .
        <{AIACT}/art_1> aims:carriesRequirement true .
    """)
    check = next(c for c in qc_checks() if c.name == "requirement-undecided-violation")
    rows = check.run(open_store([extra])).records()
    found = {(r["focus"], r["detail"].split(":")[0].split(" but")[0]) for r in rows}
    assert found == {
        (f"{AIACT}/art_114", "no aims"),
        (f"{AIACT}/art_1", "aims"),  # both true and false
        (f"{AIACT}/art_1", "carries a requirement"),  # no addressee
    }
