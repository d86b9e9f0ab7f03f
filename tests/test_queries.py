"""Named queries: headers, typed parameters bound as terms, clear errors."""

from __future__ import annotations

import pytest

from aimsgraph import InputError, QueryCatalog, UnknownQueryError, UsageError, open_store
from aimsgraph.queries import parse_named_query

from .conftest import ROOT

CATALOG = QueryCatalog()


@pytest.mark.parametrize("named", list(CATALOG), ids=lambda q: q.name)
def test_every_named_query_answers_on_the_sample_organization(org_store, named) -> None:
    values = {p.name: {"notation": "A.6.2.4", "text": "impact assessment"}.get(p.name, "x")
              for p in named.parameters if p.required}
    result = named.run(org_store, values)
    assert len(result) > 0, f"{named.name} returned nothing"


def test_parameters_must_be_selected_variables() -> None:
    for named in CATALOG:
        head = named.text.split("WHERE", 1)[0]
        for p in named.parameters:
            assert f"?{p.name}" in head, f"{named.name}: ?{p.name} is not in its SELECT clause"


def test_lookup_by_number_binds_a_typed_literal(store) -> None:
    rows = list(CATALOG.get("provision").run(store, {"notation": "A.6.2.4"}).records())
    assert len(rows) == 1
    assert rows[0]["title"] == "AI system verification and validation"
    assert rows[0]["parent"] == "A.6.2"


def test_provisions_of_a_framework(store) -> None:
    result = CATALOG.get("provisions").run(
        store, {"framework": "https://w3id.org/aimsgraph/oecd/ai-principles/2024"})
    assert len(result) == 12  # 2 groups + 10 principles


def test_iri_parameter_accepts_a_curie(write) -> None:
    path = write("q.rq", "# title: t\n# description: d\n# param: c | iri |  | a class\n"
                         "SELECT ?c WHERE {}\n")
    bound = parse_named_query(path).bindings({"c": "aims:Control"})
    assert bound["c"].value == "https://w3id.org/aimsgraph/ontology#Control"


def test_values_are_never_pasted_into_the_query(store) -> None:
    hostile = '") } } SELECT * WHERE { ?s ?p ?o } #'
    result = CATALOG.get("search-provisions").run(store, {"text": hostile})
    assert len(result) == 0


def test_unknown_query_lists_the_valid_ones() -> None:
    with pytest.raises(UnknownQueryError) as caught:
        CATALOG.get("no-such-query")
    assert "provision-counts" in str(caught.value)
    assert caught.value.exit_code == 2


def test_missing_and_unknown_parameters_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="needs parameter 'notation'"):
        CATALOG.get("provision").bindings({})
    with pytest.raises(UsageError, match="has no parameter 'colour'; valid: framework, notation"):
        CATALOG.get("provision").bindings({"notation": "1", "colour": "red"})


@pytest.mark.parametrize(("type_", "value"), [("integer", "ten"), ("date", "2026-13-01"),
                                              ("boolean", "maybe"), ("iri", "not an iri"),
                                              ("decimal", "1,5")])
def test_badly_typed_values_name_the_parameter(write, type_, value) -> None:
    path = write("q.rq", f"# title: t\n# description: d\n# param: v | {type_} |  | a value\n"
                         "SELECT ?v WHERE {}\n")
    with pytest.raises(InputError) as caught:
        parse_named_query(path).bindings({"v": value})
    assert caught.value.field == "parameter v"


def test_malformed_param_header_names_file_and_line(write) -> None:
    path = write("q.rq", "# title: t\n# param: v | colour | x | d\nSELECT ?v WHERE {}\n")
    with pytest.raises(InputError) as caught:
        parse_named_query(path)
    assert caught.value.line == 2


def test_obligations_in_force_on_a_date(store) -> None:
    early = CATALOG.get("obligations-applicable-on").run(store, {"date": "2025-03-01"})
    later = CATALOG.get("obligations-applicable-on").run(store, {"date": "2027-09-01"})
    assert 0 < len(early) < len(later)
    assert {r["provision"] for r in early.records()} <= {
        r["provision"] for r in later.records()}


# -- cross-standard questions, on known answers from the shipped crosswalks ----------------------

A628 = "https://w3id.org/aimsgraph/std/iso-iec-42001/2023/annex-a/A.6.2.8"


def test_everything_mapped_to_a_provision(store) -> None:
    rows = CATALOG.get("mapped-provisions").run(store, {"provision": A628}).records()
    found = {(r["frameworkNotation"], r["notation"]): r["relation"] for r in rows}
    assert found[("ISO/IEC 27001:2022", "A.8.15")] == "IntersectsWith"
    assert ("Regulation (EU) 2024/1689", "Article 12(1)") in found
    assert found[("Regulation (EU) 2016/679", "Article 30(1)")] == "NotRelated"


def test_ai_act_articles_without_an_iso42001_counterpart(store) -> None:
    rows = {r["notation"]: r["explicitlyNotRelated"]
            for r in CATALOG.get("aiact-without-iso42001").run(store).records()}
    assert "Article 9" not in rows and "Article 12" not in rows  # mapped at paragraph level
    assert rows["Article 5"] == "true"  # prohibitions: recorded as not related, with why
    assert "Article 99" in rows  # penalties: nothing to map


def test_iso27001_controls_reused_for_iso42001(store) -> None:
    rows = list(CATALOG.get("iso27001-serving-iso42001").run(store).records())
    assert ("A.8.15", "A.6.2.8") in {(r["isms"], r["aims"]) for r in rows}
    assert all(r["relation"] != "NotRelated" for r in rows)


def test_gdpr_reached_from_iso42001_through_iso27701(store) -> None:
    rows = list(CATALOG.get("gdpr-via-iso27701").run(store).records())
    assert rows
    assert all(r["gdpr"].startswith("Article ") for r in rows)
    assert {r["pims"][:2] for r in rows} <= {"A.", "B.", "5.", "6.", "7.", "8."}


def test_direct_coverage(store) -> None:
    rows = {r["notation"]: r for r in CATALOG.get("coverage-direct").run(store).records()}
    assert rows["Article 12(1)"]["coverage"] == "partial"
    assert "A.6.2.8" in rows["Article 12(1)"]["via"]
    assert rows["Annex I"]["coverage"] == "none"


#: coverage-direct on tests/data/three-frameworks.ttl with have=H, want=W, checked by hand:
#: G's equal and superset mappings (to w2, w3) must not count for H, nor H's not-related one.
KNOWN_DIRECT_COVERAGE = [("w1", "full", "h1, h2"), ("w2", "partial", "h2"), ("w3", "none", ""),
                         ("w4", "none", "")]
THREE_FRAMEWORKS = ROOT / "tests" / "data" / "three-frameworks.ttl"


def direct_coverage_rows(store) -> list[tuple[str, str, str]]:
    answer = CATALOG.get("coverage-direct").run(
        store, {"have": "https://example.org/H", "want": "https://example.org/W"})
    return [(r["notation"] or "", r["coverage"] or "",
             ", ".join(sorted((r["via"] or "").split(", "))).strip(", "))
            for r in answer.records()]


def test_direct_coverage_counts_only_the_framework_you_have() -> None:
    store = open_store([THREE_FRAMEWORKS], shipped=False)
    assert direct_coverage_rows(store) == KNOWN_DIRECT_COVERAGE


def test_direct_coverage_gives_no_other_framework_as_source(store) -> None:
    rows = list(CATALOG.get("coverage-direct").run(store).records())
    sources = {s for r in rows for s in (r["via"] or "").split(", ") if s}
    assert sources and not any(s.startswith("Article") for s in sources)  # no GDPR article
