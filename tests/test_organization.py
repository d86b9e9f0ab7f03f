"""Importing an organization's CSV files: every row checked, all problems reported, nothing kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from aimsgraph import open_store
from aimsgraph.organization import DataErrors

FILES = {
    "organization.csv": "id,name,scope\ndemo,Demo Ltd,All AI systems\n",
    "people.csv": "id,name,email,roles\nann,Ann,ann@example.org,AI governance lead; DPO\n",
    "ai_systems.csv": (
        "id,name,intended_purpose,owner,role,lifecycle_stage,processes_personal_data,"
        "prohibited_practice,annex_i_legislation,third_party_conformity,annex_iii_point,"
        "art6_3_exception,profiling,transparency,gpai_model,public_service\n"
        "cv,CV screening,Rank applicants,ann,deployer,operation-and-monitoring,yes,,,,4(a),,"
        "yes,,,no\n"
        "bot,Chatbot,Answer questions,ann,provider,deployment,yes,,,,,,no,"
        "interacts-with-persons,,no\n"),
    "controls.csv": ("id,control,applicable,justification,status,owner,systems,measure\n"
                     "c1,iso42001:A.6.2.8,yes,,implemented,ann,cv,logging\n"),
    "risks.csv": ("id,title,system,likelihood,severity,treatment,controls,owner\n"
                  "r1,Bias,cv,high,high,mitigate,iso42001:A.7.4; iso27001:A.8.15,ann\n"),
    "evidence.csv": "id,title,supports,date,location\ne1,Log review,c1,2026-10-01,wiki\n",
}


def org(tmp_path: Path, **changes: str) -> Path:
    folder = tmp_path / "demo"
    folder.mkdir(exist_ok=True)
    for name, text in {**FILES, **changes}.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_a_valid_folder_loads_into_its_own_graph(tmp_path: Path) -> None:
    store = open_store([org(tmp_path)])
    graphs = {s.graph: s.kind for s in store.sources}
    assert graphs["https://w3id.org/aimsgraph/graph/data/demo/organization"] == "organization"
    rows = list(store.query("""
        SELECT ?name ?control WHERE { ?s a aims:AISystem ; rdfs:label ?name .
          ?line aims:appliesToSystem ?s ; aims:implementsControl/skos:notation ?control }
    """).records())
    assert rows == [{"name": "CV screening", "control": "A.6.2.8"}]
    ask = ("ASK { <https://w3id.org/aimsgraph/org/demo/risk/r1> aims:treatmentControl "
           "<https://w3id.org/aimsgraph/std/iso-iec-27001/2022/annex-a/A.8.15> }")
    assert store.query(ask).boolean


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("risks.csv", FILES["risks.csv"].replace(",cv,", ",nosuch,"),
     "risks.csv:2 [system]: 'nosuch' is not an id in ai_systems.csv"),
    ("controls.csv", FILES["controls.csv"].replace("A.6.2.8", "A.6.2.99"),
     "controls.csv:2 [control]: 'iso42001:A.6.2.99': no provision numbered 'A.6.2.99' in iso42001"),
    ("controls.csv", FILES["controls.csv"].replace("implemented", "done"),
     "controls.csv:2 [status]: 'done' is not one of: not-started, planned, in-progress, "
     "implemented"),
    ("evidence.csv", FILES["evidence.csv"].replace("2026-10-01", "01/10/2026"),
     "evidence.csv:2 [date]: '01/10/2026' is not a date (YYYY-MM-DD)"),
    ("ai_systems.csv", FILES["ai_systems.csv"].replace("4(a)", "4a"),
     "ai_systems.csv:2 [annex_iii_point]: '4a' is not an Annex III point like 4(a) or 2"),
    ("people.csv", "id,name,mail\nann,Ann,x\n",
     "people.csv:1: unknown column(s) mail; columns are: id, name, email, roles"),
    ("risks.csv", FILES["risks.csv"] + "r1,Again,cv,low,low,accept,,ann\n",
     "risks.csv:3 [id]: 'r1' is used twice in this file"),
    ("evidence.csv", "id,title,supports,date,location\ne1,,c1,2026-10-01,\n",
     "evidence.csv:2 [title]: required, but empty"),
])
def test_bad_rows_name_file_row_field_and_load_nothing(tmp_path, name, text, expected) -> None:
    folder = org(tmp_path, **{name: text})
    with pytest.raises(DataErrors) as caught:
        open_store([folder])
    messages = [str(e).replace(str(folder) + "/", "") for e in caught.value.errors]
    assert expected in messages
    assert caught.value.exit_code == 2


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    folder = org(tmp_path, **{
        "risks.csv": FILES["risks.csv"].replace(",cv,", ",nosuch,").replace(",ann\n", ",bob\n"),
        "controls.csv": FILES["controls.csv"].replace(",yes,", ",maybe,")})
    with pytest.raises(DataErrors) as caught:
        open_store([folder])
    fields = sorted(e.field or "" for e in caught.value.errors)
    assert fields == ["applicable", "owner", "system"]


def test_organization_csv_is_required_to_hold_one_row(tmp_path: Path) -> None:
    folder = org(tmp_path, **{"organization.csv": "id,name,scope\n"})
    with pytest.raises(DataErrors, match="exactly one organization row"):
        open_store([folder])


CLAUSES = ("id,clause,status,owner,evidence,date,notes\n"
           "ms-6-1-1,iso42001:6.1.1,implemented,ann,e1,2026-10-01,Risk method\n"
           "ms-9-3,iso42001:9.3,planned,ann,,,First review in January\n"
           "isms-9-2-1,iso27001:9.2.1,implemented,ann,e2,2026-10-01,\n"
           "pims-5-2-1,iso27701:5.2.1,in-progress,ann,,,\n")
EVIDENCE = FILES["evidence.csv"] + "e2,Internal audit report,isms-9-2-1,2026-10-16,DMS\n"


def test_clause_lines_load_as_implementations_that_always_apply(tmp_path: Path) -> None:
    store = open_store([org(tmp_path, **{"clauses.csv": CLAUSES, "evidence.csv": EVIDENCE})])
    rows = list(store.query("""
        SELECT ?clause ?applicable ?status (GROUP_CONCAT(?e; separator=" ") AS ?evidence)
        WHERE { ?line a aims:ClauseConformity, aims:ControlImplementation ;
                      aims:implementsControl/skos:notation ?clause ; aims:applicable ?applicable ;
                      aims:status/rdfs:label ?status .
                OPTIONAL { ?ev aims:supports ?line ; rdfs:label ?e } }
        GROUP BY ?clause ?applicable ?status ORDER BY ?clause
    """).records())
    assert [(r["clause"], r["applicable"], r["status"], r["evidence"] or "") for r in rows] == [
        ("5.2.1", "true", "in progress", ""),
        ("6.1.1", "true", "implemented", "Log review"),  # from the evidence column
        ("9.2.1", "true", "implemented", "Internal audit report"),  # from evidence.csv supports
        ("9.3", "true", "planned", "")]


@pytest.mark.parametrize(("row", "expected"), [
    ("x,iso42001:11.1,implemented,ann,,,",
     "clauses.csv:2 [clause]: 'iso42001:11.1' is not a management-system clause 4-10 of iso42001"),
    ("x,iso42001:12,implemented,ann,,,",
     "clauses.csv:2 [clause]: 'iso42001:12' is not a management-system clause 4-10 of iso42001"),
    ("x,iso42001:7.9,implemented,ann,,,",
     "clauses.csv:2 [clause]: 'iso42001:7.9': no provision numbered '7.9' in iso42001"),
    ("x,iso42001:A.6.2.4,implemented,ann,,,",
     "clauses.csv:2 [clause]: 'iso42001:A.6.2.4' is not a management-system clause 4-10 of "
     "iso42001 (Annex A controls go in controls.csv)"),
    ("x,iso27701:6.2.1,implemented,ann,,,",
     "clauses.csv:2 [clause]: 'iso27701:6.2.1' is not a management-system clause 5.x of "
     "iso27701"),
    ("x,iso27001:4.1,implemented,ann,,,", None),
    ("x,aiact:Article 9(1),implemented,ann,,,",
     "clauses.csv:2 [clause]: 'aiact:Article 9(1)': clause lines are for the management-system "
     "clauses of iso42001, iso27001, iso27701"),
    ("x,iso42001:9.2,done,ann,,,",
     "clauses.csv:2 [status]: 'done' is not one of: not-started, planned, in-progress, "
     "implemented"),
    ("x,iso42001:9.2,implemented,ann,,16/10/2026,",
     "clauses.csv:2 [date]: '16/10/2026' is not a date (YYYY-MM-DD)"),
    ("x,iso42001:9.2,implemented,bob,,,",
     "clauses.csv:2 [owner]: 'bob' is not an id in people.csv"),
    ("x,iso42001:9.2,implemented,ann,e1;e9,,",
     "clauses.csv:2 [evidence]: 'e9' is not an id in evidence.csv"),
    ("c1,iso42001:9.2,implemented,ann,,,",
     "clauses.csv:2 [id]: 'c1' is already an id in controls.csv (evidence refers to both files' "
     "ids)"),
    ("x,iso42001:9.2,,ann,,,", "clauses.csv:2 [status]: required, but empty"),
])
def test_bad_clause_lines_name_file_row_column(tmp_path, row, expected) -> None:
    header = CLAUSES.splitlines(keepends=True)[0]
    folder = org(tmp_path, **{"clauses.csv": header + row + "\n"})
    if expected is None:  # the well-formed control case: it loads
        assert open_store([folder]).query("ASK { ?l a aims:ClauseConformity }").boolean
        return
    with pytest.raises(DataErrors) as caught:
        open_store([folder])
    messages = [str(e).replace(str(folder) + "/", "") for e in caught.value.errors]
    assert expected in messages


def test_every_clause_problem_at_once_and_nothing_loaded(tmp_path: Path) -> None:
    bad = ("id,clause,status,owner,evidence,date,notes\n"
           "a,iso42001:A.2.2,implemented,ann,,,\n"
           "b,iso42001:9.2,finished,bob,nosuch,yesterday,\n")
    evidence = FILES["evidence.csv"] + "e3,Minutes,zzz,2026-10-01,\n"
    folder = org(tmp_path, **{"clauses.csv": bad, "evidence.csv": evidence})
    with pytest.raises(DataErrors) as caught:
        open_store([folder])
    where = sorted((e.line, e.field) for e in caught.value.errors if e.file.endswith("csv"))
    assert where == [(2, "clause"), (3, "date"), (3, "evidence"), (3, "owner"), (3, "status"),
                     (3, "supports")]


@pytest.mark.parametrize(("cell", "expected"), [
    ("iso42001:A.8.2", "controls.csv:2 [implements]: 'iso42001:A.8.2': name a legal provision "
                       "(aiact:..., gdpr:...), e.g. aiact:Article 50(2)"),
    ("aiact:Article 50(9)", "controls.csv:2 [implements]: 'aiact:Article 50(9)': no provision "
                            "numbered 'Article 50(9)' in aiact"),
])
def test_bad_implements_cells(tmp_path, cell, expected) -> None:
    controls = ("id,control,applicable,justification,status,owner,systems,measure,implements\n"
                f"c1,iso42001:A.6.2.8,yes,,implemented,ann,cv,logging,{cell}\n")
    folder = org(tmp_path, **{"controls.csv": controls})
    with pytest.raises(DataErrors) as caught:
        open_store([folder])
    messages = [str(e).replace(str(folder) + "/", "") for e in caught.value.errors]
    assert expected in messages
