"""The catalogs are complete: the counts DESIGN.md holds, checked provision by provision.

Expected values here are typed independently of the catalog files (from the standards' and
acts' own structure), so a provision lost or misnumbered in a file fails a test.
"""

from __future__ import annotations

from collections import Counter

import pytest

from aimsgraph import FRAMEWORKS, GraphStore

from .conftest import select

NOTATIONS = """
PREFIX aims: <https://w3id.org/aimsgraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?fw ?class ?notation ?parent WHERE {
  ?p aims:inFramework ?fw ; a ?class ; skos:notation ?notation .
  OPTIONAL { ?p aims:partOf/skos:notation ?parent }
}
"""


def notations(store: GraphStore, framework: str, kind: str) -> dict[str, str | None]:
    """notation -> parent notation, for the provisions of one kind in one framework."""
    rows = select(store, NOTATIONS, fw=FRAMEWORKS[framework],
                  **{"class": f"https://w3id.org/aimsgraph/ontology#{kind}"})
    return {r["notation"]: r["parent"] for r in rows}


def per_parent(found: dict[str, str | None]) -> dict[str | None, int]:
    return dict(Counter(found.values()))


# -- ISO/IEC 42001:2023 --------------------------------------------------------------------------

ISO42001_CLAUSES = """4 4.1 4.2 4.3 4.4 5 5.1 5.2 5.3 6 6.1 6.1.1 6.1.2 6.1.3 6.1.4 6.2 6.3
7 7.1 7.2 7.3 7.4 7.5 7.5.1 7.5.2 7.5.3 8 8.1 8.2 8.3 8.4 9 9.1 9.2 9.2.1 9.2.2 9.3 9.3.1
9.3.2 9.3.3 10 10.1 10.2""".split()

ISO42001_CONTROLS = """A.2.2 A.2.3 A.2.4 A.3.2 A.3.3 A.4.2 A.4.3 A.4.4 A.4.5 A.4.6 A.5.2 A.5.3
A.5.4 A.5.5 A.6.1.2 A.6.1.3 A.6.2.2 A.6.2.3 A.6.2.4 A.6.2.5 A.6.2.6 A.6.2.7 A.6.2.8 A.7.2 A.7.3
A.7.4 A.7.5 A.7.6 A.8.2 A.8.3 A.8.4 A.8.5 A.9.2 A.9.3 A.9.4 A.10.2 A.10.3 A.10.4""".split()


def test_iso42001_clauses_4_to_10_with_every_subclause(store: GraphStore) -> None:
    assert sorted(notations(store, "iso42001", "Clause")) == sorted(ISO42001_CLAUSES)


def test_iso42001_annex_a_has_9_objectives_and_38_controls(store: GraphStore) -> None:
    objectives = notations(store, "iso42001", "ControlObjective")
    top = {n for n, parent in objectives.items() if parent == "Annex A"}
    assert top == {f"A.{i}" for i in range(2, 11)}
    assert {n: p for n, p in objectives.items() if p != "Annex A"} == {"A.6.1": "A.6",
                                                                       "A.6.2": "A.6"}
    controls = notations(store, "iso42001", "Control")
    assert sorted(controls) == sorted(ISO42001_CONTROLS)
    for control, parent in controls.items():
        expected = control.rsplit(".", 1)[0]
        assert parent == expected, f"{control} is under {parent}, expected {expected}"


def test_iso42001_key_titles(store: GraphStore) -> None:
    rows = select(store, """
        PREFIX aims: <https://w3id.org/aimsgraph/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?fw ?n ?t WHERE { ?p aims:inFramework ?fw ; skos:notation ?n ; skos:prefLabel ?t }
    """, fw=FRAMEWORKS["iso42001"])
    titles = {r["n"]: r["t"] for r in rows}
    assert titles["6.1.4"] == "AI system impact assessment"
    assert titles["A.6.2.4"] == "AI system verification and validation"
    assert titles["A.5.2"] == "AI system impact assessment process"
    assert titles["10.1"] == "Continual improvement"


# -- ISO/IEC 27001 -------------------------------------------------------------------------------

def test_iso27001_2022_has_93_controls_in_4_themes(store: GraphStore) -> None:
    themes = notations(store, "iso27001", "ControlGroup")
    assert set(themes) == {"A.5", "A.6", "A.7", "A.8"}
    controls = notations(store, "iso27001", "Control")
    assert len(controls) == 93
    assert per_parent(controls) == {"A.5": 37, "A.6": 8, "A.7": 14, "A.8": 34}
    for theme, count in {"A.5": 37, "A.6": 8, "A.7": 14, "A.8": 34}.items():
        assert {f"{theme}.{i}" for i in range(1, count + 1)} <= set(controls)


def test_iso27001_2022_clauses(store: GraphStore) -> None:
    clauses = set(notations(store, "iso27001", "Clause"))
    expected = set(ISO42001_CLAUSES) - {"6.1.4", "8.4"}  # the shared harmonized structure
    assert clauses == expected


def test_iso27001_2013_has_114_controls_in_14_domains(store: GraphStore) -> None:
    per_domain = {"A.5": 2, "A.6": 7, "A.7": 6, "A.8": 10, "A.9": 14, "A.10": 2, "A.11": 15,
                  "A.12": 14, "A.13": 7, "A.14": 13, "A.15": 5, "A.16": 7, "A.17": 4, "A.18": 8}
    assert set(notations(store, "iso27001-2013", "ControlGroup")) == set(per_domain)
    objectives = notations(store, "iso27001-2013", "ControlObjective")
    assert len(objectives) == 35
    controls = notations(store, "iso27001-2013", "Control")
    assert len(controls) == 114
    counted = Counter(objectives[parent] for parent in controls.values())
    assert dict(counted) == per_domain


def test_iso27001_2013_clause_10_order_differs_from_2022(store: GraphStore) -> None:
    rows = select(store, """
        PREFIX aims: <https://w3id.org/aimsgraph/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?fw ?t WHERE { ?p aims:inFramework ?fw ; skos:notation "10.1" ; skos:prefLabel ?t }
    """, fw=FRAMEWORKS["iso27001-2013"])
    assert [r["t"] for r in rows] == ["Nonconformity and corrective action"]


def test_iso27001_2022_supersedes_2013(store: GraphStore) -> None:
    ask = f"ASK {{ <{FRAMEWORKS['iso27001']}> aims:supersedes <{FRAMEWORKS['iso27001-2013']}> }}"
    assert store.query(ask).boolean


# -- ISO/IEC 27701:2019 --------------------------------------------------------------------------

def test_iso27701_annex_a_and_b_controls(store: GraphStore) -> None:
    controls = notations(store, "iso27701", "Control")
    annex_a = {n for n in controls if n.startswith("A.")}
    annex_b = {n for n in controls if n.startswith("B.")}
    assert len(annex_a) == 31
    assert len(annex_b) == 18
    assert Counter(controls[n] for n in annex_a) == {"A.7.2": 8, "A.7.3": 10, "A.7.4": 9,
                                                     "A.7.5": 4}
    assert Counter(controls[n] for n in annex_b) == {"B.8.2": 6, "B.8.3": 1, "B.8.4": 3,
                                                     "B.8.5": 8}


def test_iso27701_clauses_5_to_8(store: GraphStore) -> None:
    clauses = set(notations(store, "iso27701", "Clause"))
    assert {"5", "6", "7", "8"} <= clauses
    assert {c.split(".")[0] for c in clauses} == {"5", "6", "7", "8"}
    assert {f"7.2.{i}" for i in range(1, 9)} <= clauses
    assert {f"7.3.{i}" for i in range(1, 11)} <= clauses
    assert {f"7.4.{i}" for i in range(1, 10)} <= clauses
    assert {f"7.5.{i}" for i in range(1, 5)} <= clauses
    assert {f"8.2.{i}" for i in range(1, 7)} | {"8.3.1"} <= clauses
    assert {f"8.4.{i}" for i in range(1, 4)} | {f"8.5.{i}" for i in range(1, 9)} <= clauses
    assert {f"6.{i}" for i in range(1, 16)} <= clauses


# -- ISO/IEC 27701:2025 --------------------------------------------------------------------------

ISO27701_2025_PER_OBJECTIVE = {"A.1.2": 8, "A.1.3": 10, "A.1.4": 9, "A.1.5": 4,
                               "A.2.2": 6, "A.2.3": 1, "A.2.4": 3, "A.2.5": 8}


def test_iso27701_2025_annex_a_has_three_tables_of_31_18_29(store: GraphStore) -> None:
    groups = notations(store, "iso27701-2025", "ControlGroup")
    assert groups == {"A.1": "Annex A", "A.2": "Annex A", "A.3": "Annex A"}
    objectives = notations(store, "iso27701-2025", "ControlObjective")
    assert objectives == {o: o[:3] for o in ISO27701_2025_PER_OBJECTIVE}
    controls = notations(store, "iso27701-2025", "Control")
    assert len(controls) == 78
    table = Counter(n[:3] for n in controls)
    assert table == {"A.1": 31, "A.2": 18, "A.3": 29}
    assert Counter(p for n, p in controls.items() if not n.startswith("A.3.")) \
        == ISO27701_2025_PER_OBJECTIVE
    # controls are numbered from .2 under each objective (x.y.1 is the objective statement)
    for objective, count in ISO27701_2025_PER_OBJECTIVE.items():
        assert {f"{objective}.{i}" for i in range(2, count + 2)} <= set(controls)
    # Table A.3 has no objectives: A.3.3 ... A.3.31 sit directly in the table
    assert {n: p for n, p in controls.items() if n.startswith("A.3.")} \
        == {f"A.3.{i}": "A.3" for i in range(3, 32)}


def test_iso27701_2025_annex_b_guides_each_control_under_the_same_number(store) -> None:
    rows = select(store, """
        PREFIX aims: <https://w3id.org/aimsgraph/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?fw ?g ?c WHERE { ?b aims:guidanceFor ?a ; aims:inFramework ?fw ;
                                    skos:notation ?g . ?a skos:notation ?c }
    """, fw=FRAMEWORKS["iso27701-2025"])
    pairs = {r["g"]: r["c"] for r in rows}
    assert len(pairs) == 78
    assert all(g == "B" + c[1:] for g, c in pairs.items())


def test_iso27701_2025_clauses_follow_the_harmonized_structure(store: GraphStore) -> None:
    clauses = set(notations(store, "iso27701-2025", "Clause"))
    management = {c for c in clauses if not c.startswith("B.")}
    assert management == set(ISO42001_CLAUSES) - {"6.1.4", "8.4"}  # as ISO/IEC 27001:2022
    rows = select(store, """
        PREFIX aims: <https://w3id.org/aimsgraph/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?fw ?n ?t WHERE { ?p aims:inFramework ?fw ; skos:notation ?n ; skos:prefLabel ?t }
    """, fw=FRAMEWORKS["iso27701-2025"])
    titles = {r["n"]: r["t"] for r in rows}
    assert titles["6.1.2"] == "Privacy risk assessment"
    assert titles["5.2"] == "Privacy policy"
    assert titles["A.1.2.6"] == "Privacy impact assessment"
    assert titles["A.2.5.9"] == "Change of subcontractor to process PII"
    assert titles["A.3.26"] == "Use of cryptography"


def test_iso27701_2025_supersedes_2019(store: GraphStore) -> None:
    ask = (f"ASK {{ <{FRAMEWORKS['iso27701-2025']}> aims:supersedes "
           f"<{FRAMEWORKS['iso27701']}> }}")
    assert store.query(ask).boolean


# -- EU AI Act -----------------------------------------------------------------------------------

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII"]


def test_ai_act_113_articles_13_annexes_13_chapters(store: GraphStore) -> None:
    assert set(notations(store, "aiact", "Article")) == {f"Article {i}" for i in range(1, 114)}
    assert set(notations(store, "aiact", "Annex")) == {f"Annex {r}" for r in ROMAN}
    assert set(notations(store, "aiact", "Chapter")) == {f"Chapter {r}" for r in ROMAN}


@pytest.mark.parametrize(("article", "chapter_or_section"), [
    (5, "Chapter II"), (9, "Chapter III Section 2"), (17, "Chapter III Section 3"),
    (26, "Chapter III Section 3"), (43, "Chapter III Section 5"), (50, "Chapter IV"),
    (53, "Chapter V Section 2"), (72, "Chapter IX Section 1"), (113, "Chapter XIII"),
])
def test_ai_act_articles_sit_in_their_chapter_or_section(store, article, chapter_or_section):
    assert notations(store, "aiact", "Article")[f"Article {article}"] == chapter_or_section


# Paragraphs per article, as numbered in the Official Journal.
PARAGRAPHS = {
    "aiact": {5: 8, 6: 8, 9: 10, 10: 6, 11: 3, 12: 3, 13: 3, 14: 5, 15: 5, 17: 4, 26: 12, 27: 5,
              43: 6, 47: 5, 49: 5, 50: 7, 53: 7, 55: 3, 72: 4, 73: 11},
    "gdpr": {5: 2, 6: 4, 9: 4, 22: 4, 25: 3, 28: 10, 32: 4, 33: 5, 35: 11},
}


@pytest.mark.parametrize(("act", "article", "count"),
                         [(act, a, n) for act, counts in PARAGRAPHS.items()
                          for a, n in sorted(counts.items())])
def test_paragraphs_of_an_article(store, act, article, count):
    paragraphs = notations(store, act, "Paragraph")
    found = {n for n, parent in paragraphs.items() if parent == f"Article {article}"}
    assert found == {f"Article {article}({i})" for i in range(1, count + 1)}


def test_ai_act_annex_iii_points(store: GraphStore) -> None:
    points = notations(store, "aiact", "Point")
    areas = {n for n, parent in points.items() if parent == "Annex III"}
    assert areas == {f"Annex III({i})" for i in range(1, 9)}
    assert points["Annex III(5)(b)"] == "Annex III(5)"


def test_ai_act_links_to_eur_lex(store: GraphStore) -> None:
    rows = select(store, """
        PREFIX aims: <https://w3id.org/aimsgraph/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?fw ?p WHERE { ?p aims:inFramework ?fw .
          FILTER NOT EXISTS { ?p rdfs:seeAlso ?url FILTER(STRSTARTS(STR(?url),
            "https://eur-lex.europa.eu/eli/reg/2024/1689/oj")) } }
    """, fw=FRAMEWORKS["aiact"])
    assert rows == []


# -- GDPR ----------------------------------------------------------------------------------------

def test_gdpr_99_articles_in_11_chapters(store: GraphStore) -> None:
    assert set(notations(store, "gdpr", "Article")) == {f"Article {i}" for i in range(1, 100)}
    assert set(notations(store, "gdpr", "Chapter")) == {f"Chapter {r}" for r in ROMAN[:11]}
    articles = notations(store, "gdpr", "Article")
    assert articles["Article 35"] == "Chapter IV Section 3"
    assert articles["Article 22"] == "Chapter III Section 4"
    assert articles["Article 5"] == "Chapter II"


def test_gdpr_point_notation(store: GraphStore) -> None:
    points = notations(store, "gdpr", "Point")
    assert points["Article 35(3)(a)"] == "Article 35(3)"
    assert points["Article 6(1)(f)"] == "Article 6(1)"


# -- OECD, NIST ----------------------------------------------------------------------------------

def test_oecd_ten_principles(store: GraphStore) -> None:
    principles = notations(store, "oecd", "Principle")
    assert principles == {f"{s}.{i}": str(s) for s in (1, 2) for i in range(1, 6)}


NIST = {"GOVERN": [7, 3, 2, 3, 2, 2], "MAP": [6, 3, 5, 2, 2], "MEASURE": [3, 13, 3, 3],
        "MANAGE": [4, 4, 2, 3]}


def test_nist_ai_rmf_4_functions_19_categories_72_subcategories(store: GraphStore) -> None:
    assert set(notations(store, "nist-ai-rmf", "Function")) == set(NIST)
    categories = notations(store, "nist-ai-rmf", "Category")
    assert categories == {f"{f} {i}": f for f, counts in NIST.items()
                          for i in range(1, len(counts) + 1)}
    subcategories = notations(store, "nist-ai-rmf", "Subcategory")
    expected = {f"{f} {c}.{s}": f"{f} {c}" for f, counts in NIST.items()
                for c, n in enumerate(counts, start=1) for s in range(1, n + 1)}
    assert subcategories == expected
    assert len(expected) == 72


# -- every framework -----------------------------------------------------------------------------

def test_every_contract_framework_iri_is_present(store: GraphStore) -> None:
    rows = store.query("PREFIX aims: <https://w3id.org/aimsgraph/ontology#> "
                       "SELECT ?f WHERE { ?f a aims:Framework }").records()
    assert {r["f"] for r in rows} == set(FRAMEWORKS.values())
