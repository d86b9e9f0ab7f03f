"""What counts as implemented is one definition (the ``implemented-controls`` named query) used by
reach, validation, coverage and gaps: SoA lines, clause conformity lines (clauses.csv) and the
legal provisions a line names as implemented directly (controls.csv ``implements``). With no
organization loaded, answers about one are refused rather than given as an all-clear."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aimsgraph import open_store
from aimsgraph.classification import Reach
from aimsgraph.coverage import FULL, NONE, MappingGraph, coverage, describe_path
from aimsgraph.errors import NoOrganizationError
from aimsgraph.namespaces import BASE
from aimsgraph.organization import require_organization
from aimsgraph.reports import gap_report, implemented_controls
from aimsgraph.server import ServerSettings, create_app
from aimsgraph.validation import validate

from .conftest import LOCAL, ROOT

AS_OF = date(2026, 11, 27)
FIXED = ROOT / "examples" / "acme-lending-fixed"
SYSTEM = BASE + "org/acme-lending/system/"
AIACT = BASE + "eli/reg/2024/1689/"
ART_9_1 = AIACT + "art_9/par_1"
ART_50_2 = AIACT + "art_50/par_2"
CLAUSE_6_1_1 = BASE + "std/iso-iec-42001/2023/clause/6.1.1"


@pytest.fixture(scope="module")
def fixed():
    return open_store([FIXED])


def twin_without(tmp_path: Path, change) -> Path:
    folder = tmp_path / "acme-lending"
    shutil.copytree(FIXED, folder)
    change(folder)
    return folder


def unreached(findings) -> set[tuple[str, str]]:
    return {(f.system, f.message.split(" reaches ")[1].split(" (")[0]) for f in findings
            if f.severity == "Warning"}


def test_clause_lines_and_named_provisions_are_implemented_controls(fixed) -> None:
    implemented = set(implemented_controls(fixed))
    assert CLAUSE_6_1_1 in implemented  # clauses.csv aims-6-1-1
    assert ART_50_2 in implemented  # controls.csv cb-ai-disclosure, implements
    assert BASE + "std/iso-iec-42001/2023/annex-a/A.6.2.4" in implemented  # an SoA line


def test_an_implemented_clause_line_reaches_article_9_1_and_a_planned_one_does_not(
        fixed, tmp_path) -> None:
    assert Reach(fixed).reaches(SYSTEM + "credit-scoring", ART_9_1)  # through clause 6.1.1

    def plan(folder: Path) -> None:
        text = (folder / "clauses.csv").read_text()
        (folder / "clauses.csv").write_text(text.replace(
            "aims-6-1-1,iso42001:6.1.1,implemented", "aims-6-1-1,iso42001:6.1.1,planned"))

    store = open_store([twin_without(tmp_path, plan)])
    assert CLAUSE_6_1_1 not in implemented_controls(store)
    assert not Reach(store).reaches(SYSTEM + "credit-scoring", ART_9_1)
    assert unreached(validate(store, as_of=AS_OF)) == {("Credit scoring model", "Article 9(1)")}


def test_an_soa_line_that_names_article_50_2_reaches_it_directly(fixed, tmp_path) -> None:
    reach = Reach(fixed)
    assert reach.reaches(SYSTEM + "customer-chatbot", ART_50_2)
    assert not reach.reaches(SYSTEM + "fraud-detection", ART_50_2)  # the line is the chatbot's

    def drop(folder: Path) -> None:
        text = (folder / "controls.csv").read_text()
        (folder / "controls.csv").write_text(text.replace(
            ",aiact:Article 50(1);aiact:Article 50(2),", ",,"))

    without = open_store([twin_without(tmp_path, drop)])
    assert not Reach(without).reaches(SYSTEM + "customer-chatbot", ART_50_2)
    assert unreached(validate(without, as_of=AS_OF)) == {
        ("Customer service assistant", "Article 50(2)")}


def test_coverage_and_gaps_count_the_same_lines(fixed) -> None:
    graph = MappingGraph(fixed)
    implemented = implemented_controls(fixed)
    aiact = {r.target.iri: r for r in coverage(fixed, [], "aiact", graph=graph,
                                               have_provisions=implemented)}
    assert aiact[ART_50_2].strength == FULL
    assert describe_path(aiact[ART_50_2], graph) == "implemented directly"
    assert aiact[ART_9_1].strength > NONE  # through clause 6.1.1
    isms = {r.target.notation: r for r in coverage(fixed, [], "iso27001", graph=graph,
                                                   have_provisions=implemented)}
    assert isms["9.2.1"].strength == FULL  # clauses.csv isms-9-2-1
    report = gap_report(fixed, [])
    by_framework = {g.framework: g for g in report.by_framework}
    assert "Article 50(2)" not in by_framework[BASE + "eli/reg/2024/1689"].uncovered
    assert "9.2.1" not in by_framework[BASE + "std/iso-iec-27001/2022"].uncovered


def test_no_organization_loaded_is_refused(store) -> None:
    with pytest.raises(NoOrganizationError, match="no organization loaded: validation"):
        require_organization(store, "validation")
    assert NoOrganizationError("x").exit_code == 2


@pytest.mark.parametrize("path", ["/validation", "/soa"])
def test_http_answers_a_problem_detail_without_an_organization(store, path) -> None:
    client = TestClient(create_app(ServerSettings(), store), base_url=LOCAL)
    response = client.get(path)
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith("/no-organization") and "no organization loaded" in \
        body["detail"]
    assert "violations" not in body


def test_the_web_view_does_not_say_the_data_conforms_without_an_organization(store) -> None:
    client = TestClient(create_app(ServerSettings(), store), base_url=LOCAL)
    for path in ("/", "/ui/validation"):
        page = client.get(path).text
        assert "No organization is loaded, so nothing was validated" in page
        assert "The data conforms" not in page


def test_the_ims_checklist_shows_the_declared_clause_conformity(org_store) -> None:
    from aimsgraph.ims import audit_checklist

    rows = {r["clause"]: r["conformity"] for r in audit_checklist(org_store)}
    assert rows["8.4"] == "ISO/IEC 42001: in progress"  # the sample's G12
    assert rows["9.2.1"] == "ISO/IEC 42001: implemented; ISO/IEC 27001: implemented"
    assert rows["10.2"].startswith("ISO/IEC 42001: planned; ISO/IEC 27001: implemented")
