"""Named queries: headers, typed parameters bound as terms, clear errors."""

from __future__ import annotations

import pytest

from aimsgraph import InputError, QueryCatalog, UnknownQueryError, UsageError
from aimsgraph.queries import parse_named_query

CATALOG = QueryCatalog()


@pytest.mark.parametrize("named", list(CATALOG), ids=lambda q: q.name)
def test_every_named_query_runs_on_the_shipped_graph(store, named) -> None:
    values = {p.name: {"notation": "A.6.2.4", "text": "impact assessment"}.get(p.name, "x")
              for p in named.parameters if p.required}
    result = named.run(store, values)
    assert len(result) > 0, f"{named.name} returned nothing on the shipped graph"


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
