"""Each QC check passes on the shipped catalogs and catches the violation it exists for."""

from __future__ import annotations

import pytest

from aimsgraph import GraphStore, Source, run_checks, shipped_sources
from aimsgraph.checks import qc_checks

PREFIXES = """@prefix aims: <https://w3id.org/aimsgraph/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://example.org/> .
ex:fw a aims:Framework ; skos:notation "X" ; skos:prefLabel "X"@en ;
    dcterms:source <https://example.org/src> ; dcterms:issued "2020-01-01"^^xsd:date .
ex:fw2 a aims:Framework ; skos:notation "Y" ; skos:prefLabel "Y"@en ;
    dcterms:source <https://example.org/src> ; dcterms:issued "2020-01-01"^^xsd:date .
ex:ok a aims:Clause ; skos:notation "0" ; skos:prefLabel "ok"@en ; aims:inFramework ex:fw .
"""

# check name -> (Turtle that violates it, the node that must be reported)
SEEDS = {
    "provision-without-notation-violation":
        ('ex:p a aims:Clause ; skos:prefLabel "t"@en ; aims:inFramework ex:fw .', "p"),
    "provision-without-label-violation":
        ('ex:p a aims:Clause ; skos:notation "1" ; aims:inFramework ex:fw .', "p"),
    "provision-repeated-number-or-title-violation":
        ('ex:p a aims:Clause ; skos:notation "1" ; skos:prefLabel "t"@en, "u"@en ;'
         " aims:inFramework ex:fw .", "p"),
    "provision-without-framework-violation":
        ('ex:p a aims:Clause ; skos:notation "1" ; skos:prefLabel "t"@en .', "p"),
    "untyped-provision-violation":
        ('ex:p skos:notation "1" ; skos:prefLabel "t"@en ; aims:inFramework ex:fw .', "p"),
    "duplicate-notation-violation":
        ('ex:p a aims:Clause ; skos:notation "0" ; skos:prefLabel "t"@en ;'
         " aims:inFramework ex:fw .", "p"),
    "parent-in-other-framework-violation":
        ('ex:q a aims:Clause ; skos:notation "9" ; skos:prefLabel "q"@en ;'
         " aims:inFramework ex:fw2 ."
         '\nex:p a aims:Clause ; skos:notation "9.1" ; skos:prefLabel "t"@en ;'
         " aims:inFramework ex:fw ; aims:partOf ex:q .", "p"),
    "unknown-parent-violation":
        ('ex:p a aims:Clause ; skos:notation "1" ; skos:prefLabel "t"@en ;'
         " aims:inFramework ex:fw ; aims:partOf ex:nowhere .", "p"),
    "several-parents-violation":
        ('ex:q a aims:Clause ; skos:notation "2" ; skos:prefLabel "q"@en ; aims:inFramework ex:fw .'
         '\nex:p a aims:Clause ; skos:notation "1" ; skos:prefLabel "t"@en ;'
         " aims:inFramework ex:fw ; aims:partOf ex:ok, ex:q .", "p"),
    "partof-cycle-violation":
        ('ex:p a aims:Clause ; skos:notation "1" ; skos:prefLabel "t"@en ;'
         " aims:inFramework ex:fw ; aims:partOf ex:q .\n"
         'ex:q a aims:Clause ; skos:notation "2" ; skos:prefLabel "q"@en ;'
         " aims:inFramework ex:fw ; aims:partOf ex:p .", "p"),
    "framework-without-provenance-violation":
        ('ex:p a aims:Framework ; skos:notation "Z" ; skos:prefLabel "Z"@en .', "p"),
    "obligation-incomplete-violation":
        ("ex:p a aims:Obligation ; aims:imposedBy ex:ok .", "p"),
    "equal-below-confidence-violation":
        ("ex:p a aims:Mapping ; aims:source ex:ok ; aims:target ex:ok ; aims:relation aims:Equal ;"
         ' aims:confidence "0.6"^^xsd:decimal .', "p"),
    "requirement-undecided-violation":  # ex:ok decided, so every clause of ex:fw needs a flag
        ("ex:ok aims:carriesRequirement true ; aims:addressedTo aims:ManagementSystemOrganization ."
         '\nex:p a aims:Clause ; skos:notation "1" ; skos:prefLabel "t"@en ;'
         " aims:inFramework ex:fw .", "p"),
}


def test_every_check_has_a_seeded_violation() -> None:
    assert {c.name for c in qc_checks()} == set(SEEDS)


def test_shipped_catalogs_pass_every_check(store) -> None:
    failed = {r.check.name: list(r.result.records()) for r in run_checks(store) if not r.passed}
    assert failed == {}


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_check_finds_its_violation(write, name: str) -> None:
    turtle, focus = SEEDS[name]
    ontology = [s for s in shipped_sources() if s.kind == "ontology"]
    store = GraphStore()
    store.load([*ontology, Source(write("seed.ttl", PREFIXES + turtle), "https://example.org/g")])
    results = {r.check.name: r for r in run_checks(store)}
    found = {row["focus"] for row in results[name].result.records()}
    assert f"https://example.org/{focus}" in found


def test_equal_at_the_threshold_is_not_reported(write) -> None:
    ontology = [s for s in shipped_sources() if s.kind == "ontology"]
    store = GraphStore()
    store.load([*ontology, Source(write("seed.ttl", PREFIXES + (
        "ex:p a aims:Mapping ; aims:relation aims:Equal ; aims:confidence 0.75 .\n"
        "ex:q a aims:Mapping ; aims:relation aims:IntersectsWith ; aims:confidence 0.3 .")),
        "https://example.org/g")])
    results = {r.check.name: r for r in run_checks(store)}
    assert len(results["equal-below-confidence-violation"].result) == 0
