"""Change sets, impact analysis, SoA migration, control leverage and the IMS views."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from aimsgraph import InputError, open_store
from aimsgraph.changes import diff_editions, load_change_set, what_if
from aimsgraph.impact import (
    CSV_FIELDS,
    control_leverage,
    impact,
    impact_report,
    impacts_csv,
    migrate_soa,
)
from aimsgraph.ims import VIEWS

from .conftest import ROOT
from .test_organization import FILES, org

CHANGES = ROOT / "changes"
AS_OF = date(2026, 11, 27)


@pytest.mark.parametrize("path", sorted(CHANGES.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_change_sets_load(store, path: Path) -> None:
    change_set = load_change_set(path, store)
    assert change_set.changes and change_set.status in ("proposal", "adopted", "in-force")
    assert change_set.evidence is not None and change_set.evidence.read
    assert change_set.sources, "every change set names its sources"


def _without_id_and_date(text: str) -> str:
    # `diff` writing the id and date is fixed on the 27701 branch; the data is checked in
    # test_change_sets (id == file stem, date set)
    return "\n".join(line for line in text.splitlines()
                     if not line.startswith(("id: ", "date: ")))


def test_the_27001_change_set_is_what_diff_derives(store) -> None:
    derived = diff_editions(store, "iso27001-2013", "iso27001").to_yaml()
    assert _without_id_and_date(derived) == _without_id_and_date(
        (CHANGES / "iso27001-2013-to-2022.yaml").read_text(encoding="utf-8"))
    kinds = [c.kind for c in diff_editions(store, "iso27001-2013", "iso27001").changes]
    assert kinds.count("added") == 11  # the 11 controls new in 2022
    assert len([k for k in kinds if k != "added"]) == 114


@pytest.mark.parametrize(("text", "field", "message"), [
    ("provision: A.99.9.9\n    change: removed", "changes[1].provision", "no provision"),
    ("provision: A.5.1.1\n    change: vanished", "changes[1].change", "is not one of"),
    ("provision: A.5.1.1\n    change: date-moved\n    to_date: soon", "changes[1].to_date",
     "is not a date"),
])
def test_bad_change_sets_name_the_field(store, write, text, field, message) -> None:
    path = write("bad.yaml", "id: bad\nkind: edition\nstatus: adopted\nframework: iso27001-2013\n"
                             f"to_framework: iso27001\nchanges:\n  - {text}\n")
    with pytest.raises(InputError) as caught:
        load_change_set(path, store)
    assert caught.value.field == field and message in str(caught.value)


SAMPLE = ROOT / "examples" / "acme-lending"
OMNIBUS = CHANGES / "eu-ai-act-digital-omnibus-2025.yaml"
TRANSITION = CHANGES / "iso27001-2013-to-2022.yaml"


def variant(tmp_path: Path, **edits: list[tuple[str, str]]) -> Path:
    """A copy of the sample organization with text replaced in some of its files."""
    folder = tmp_path / "org"
    folder.mkdir()
    for source in SAMPLE.glob("*.csv"):
        text = source.read_text(encoding="utf-8")
        for old, new in edits.get(source.stem, ()):
            assert old in text, f"{old!r} not in {source.name}"
            text = text.replace(old, new)
        (folder / source.name).write_text(text, encoding="utf-8")
    return folder


def report(store, path: Path):  # type: ignore[no-untyped-def]
    return impact_report(store, load_change_set(path, store), AS_OF)


def test_an_organization_on_27001_2022_gets_nothing_from_the_2013_transition(org_store) -> None:
    result = report(org_store, TRANSITION)
    assert result.organization and result.impacts == []
    assert result.summary()["items"] == 0 and result.owners() == []


def test_an_organization_on_27001_2013_gets_what_it_must_migrate(tmp_path) -> None:
    folder = variant(tmp_path, controls=[
        ("iso27001-a-8-15,iso27001:A.8.15,", "iso27001-a-12-4-1,iso27001-2013:A.12.4.1,"),
        ("iso27001-a-5-9,iso27001:A.5.9,", "iso27001-a-8-1-1,iso27001-2013:A.8.1.1,")],
        evidence=[(",iso27001-a-8-15,", ",iso27001-a-12-4-1,"),
                  (",iso27001-a-5-9,", ",iso27001-a-8-1-1,")],
        risks=[("iso27001:A.5.9", "iso27001-2013:A.8.1.1")])
    result = report(open_store([folder]), TRANSITION)
    items = {i.label: i for i in result.impacts}
    organization = {label for label, i in items.items() if i.kind != "Provision"}
    assert organization == {
        "SoA line for ISO/IEC 27001:2013 A.12.4.1 (organization-wide)",
        "SoA line for ISO/IEC 27001:2013 A.8.1.1 (organization-wide)",
        "Central logging configuration and retention review",
        "Asset inventory reconciliation with the AI inventory",
        "Staff use AI tools that are not in the AI inventory (shadow AI)"}
    logging = items["SoA line for ISO/IEC 27001:2013 A.12.4.1 (organization-wide)"]
    assert logging.change == "merged" and logging.owner == "Oliver Byrne"
    assert logging.reasons[0].changed == "ISO/IEC 27001:2013 A.12.4.1 (merged -> A.8.15)"
    assert "move the line to A.8.15" in logging.reasons[0].why
    # the controls new in 2022 are to add; every ISO/IEC 27001:2022 or 42001 line is untouched
    added = {i.label for i in result.impacts if i.kind == "Provision"}
    assert len(added) == 11 and "ISO/IEC 27001:2022 A.5.7" in added
    assert {g.owner for g in result.owners()} == {"Oliver Byrne", "Mara Lindqvist", ""}


@pytest.fixture(scope="module")
def omnibus(org_store):
    return report(org_store, OMNIBUS)


def test_the_omnibus_reaches_only_what_applies_to_the_sample(omnibus) -> None:
    items = omnibus.impacts
    assert len({i.item for i in items}) == len(items)  # each item once
    assert len({i.label for i in items}) == len(items)  # and told apart
    text = " ".join(f"{r.changed} {r.why} {' '.join(r.path)}" for i in items for r in i.reasons)
    # no Annex I system: neither the Annex I date move nor the Annex I / 6(1) changes reach it
    assert "2027-08-02 -> 2028-08-02" not in text and "Annex I Section A" not in text
    assert "Article 6(1)" not in text
    # provisions that bind Member States, the Commission or the AI Office reach nothing
    for notation in ("Article 57", "Article 75", "Article 99", "Article 113(a)", "Annex VIII"):
        assert f"2024/1689 {notation} " not in text + " "
    assert not any("ISO/IEC 27001" in i.label for i in items)  # no ISMS line is concerned
    systems = {i.label: i for i in items if i.kind == "AISystem"}
    credit = systems["Credit scoring model"]
    moved = [r for r in credit.reasons if r.change == "date-moved"]
    assert {r.changed for r in moved} == {
        "Regulation (EU) 2024/1689 Article 113 (application date 2026-08-02 -> 2027-12-02)"}
    assert any("Article 9(1) (as provider)" in r.why for r in moved)
    assert any("Article 27(1) (as deployer)" in r.why for r in moved)  # the 5(b) FRIA
    fraud = systems["Transaction fraud detection"]  # not high-risk: only AI literacy
    assert {r.changed for r in fraud.reasons} == {"Regulation (EU) 2024/1689 Article 4"}
    chatbot = systems["Customer service assistant"]
    # Article 111(4)'s grace period is a change for systems on the market before 2 August 2026,
    # not a date move of every Article 50(2) duty: the chatbot is reached through Article 50
    assert any("Article 50(2)" in r.why for r in chatbot.reasons)
    assert not any(r.change == "date-moved" for r in chatbot.reasons)
    assert not any("Article 9(" in r.why for r in chatbot.reasons)


def test_the_omnibus_notifies_only_owners_of_affected_items(omnibus) -> None:
    owners = omnibus.owners()
    assert {g.owner for g in owners} == {i.owner for i in omnibus.impacts}
    # the ISMS owner is reached only through the awareness clause he owns (42001 7.3, which maps
    # to AI literacy, Article 4): none of his ISO/IEC 27001 lines
    jonas = [i for g in owners if g.owner == "Jonas Weber" for i in g.items]
    assert jonas and all(r.changed == "Regulation (EU) 2024/1689 Article 4" and
                         "ISO/IEC 42001:2023 7.3" in r.path for i in jonas for r in i.reasons)
    assert [g.severity for g in owners if g.owner] == sorted(
        (g.severity for g in owners if g.owner), reverse=True)
    summary = omnibus.summary()
    assert summary["items"] == len(omnibus.impacts) == sum(g["items"] for g in summary["owners"])
    assert summary["byKind"]["AISystem"] == 6  # AI literacy (Article 4) binds every system


def test_ai_act_date_change_moves_high_risk_obligations(org_store) -> None:
    change_set = load_change_set(CHANGES / "eu-ai-act-digital-omnibus-2025.yaml", org_store)
    assert change_set.status == "adopted"
    hits = impact(org_store, change_set, AS_OF)
    systems = {i.label: i for i in hits if i.kind == "AISystem"}
    credit = systems["Credit scoring model"]
    assert credit.owner == "Henrik Olsen"
    assert any("2026-08-02 -> 2027-12-02" in r.changed for r in credit.reasons)
    assert len(systems) == 6


def test_an_annex_i_system_gets_the_annex_i_date_move_and_route_changes(tmp_path) -> None:
    folder = variant(tmp_path, ai_systems=[(
        "\ncode-assistant,", "\nmachine-vision,Weld inspection vision,Detects defective welds "
        "on the press line and stops the machine (safety function),henrik-olsen,provider,"
        "operation-and-monitoring,no,,A.1,yes,,,no,,,no\ncode-assistant,")])
    result = report(open_store([folder]), OMNIBUS)
    vision = next(i for i in result.impacts if i.label == "Weld inspection vision")
    changed = {r.changed for r in vision.reasons}
    assert "Regulation (EU) 2024/1689 Article 113(c) (application date 2027-08-02 -> " \
           "2028-08-02)" in changed
    assert "Regulation (EU) 2024/1689 Annex I Section A" in changed
    assert "Regulation (EU) 2024/1689 Article 6(1)" in changed
    assert not any("2026-08-02 -> 2027-12-02" in c for c in changed)  # not Annex III


def test_what_if_a_provision_changed(org_store) -> None:
    hits = impact(org_store, what_if(org_store, "aiact:Article 10(2)"), AS_OF)
    lines = {i.label for i in hits if i.kind == "ControlImplementation"}
    assert "SoA line for ISO/IEC 42001:2023 A.7.4 (organization-wide)" in lines
    systems = {i.label: i for i in hits if i.kind == "AISystem"}
    assert set(systems) == {"Credit scoring model"}  # the only high-risk system it provides
    assert systems["Credit scoring model"].reasons[0].why == \
        "obligation: Article 10(2) (as provider)"
    assert all(i.reasons for i in hits) and len({i.item for i in hits}) == len(hits)
    with pytest.raises(Exception, match="no provision 'Article 999'"):
        what_if(org_store, "aiact:Article 999")


def test_a_change_to_a_standard_reaches_its_own_lines_only(org_store) -> None:
    hits = impact(org_store, what_if(org_store, "iso42001:A.6.2.8"), AS_OF)
    lines = {i.label for i in hits if i.kind == "ControlImplementation"}
    assert lines == {f"SoA line for ISO/IEC 42001:2023 A.6.2.8 ({scope})" for scope in (
        "organization-wide", "Credit scoring model", "CV screening and ranking")}
    assert {i.label for i in hits if i.kind == "AISystem"} == {"Credit scoring model",
                                                                "CV screening and ranking"}


def test_impact_csv_and_json_shapes(omnibus) -> None:
    rows = list(csv.DictReader(io.StringIO(impacts_csv(omnibus.impacts))))
    assert list(rows[0]) == CSV_FIELDS and len(rows) == len(omnibus.impacts)
    credit = next(r for r in rows if r["label"] == "Credit scoring model")
    assert int(credit["reasons"]) == len(credit["paths"].split(" | ")) > 1
    document = omnibus.as_dict()
    assert list(document) == ["changeSet", "title", "status", "statusEvidence", "law",
                              "changes", "organization", "summary", "owners", "impacts"]
    assert document["summary"]["items"] == len(document["impacts"])
    assert {"change", "severity", "changed", "why", "path"} == set(
        document["impacts"][0]["reasons"][0])


def test_catalog_level_impact_without_organization_data(store) -> None:
    hits = impact(store, what_if(store, "iso42001:A.6.2.8"))
    assert hits and {i.kind for i in hits} <= {"Provision", "Obligation"}
    assert any(i.kind == "Obligation" for i in hits)


def test_migration_carries_implementations_to_the_new_edition(tmp_path) -> None:
    folder = org(tmp_path, **{
        "controls.csv": "id,control,applicable,justification,status,owner,systems,measure\n"
                        "c1,iso27001-2013:A.9.2.3,yes,,implemented,ann,,\n"
                        "c2,iso27001-2013:A.12.4.1,yes,,in-progress,ann,,\n",
        "evidence.csv": "id,title,supports,date,location\ne1,Access review,c1,2026-10-01,wiki\n",
        "risks.csv": FILES["risks.csv"].replace("; iso27001:A.8.15", "")})
    store = open_store([folder])
    change_set = load_change_set(CHANGES / "iso27001-2013-to-2022.yaml", store)
    lines = {line.new_control: line for line in migrate_soa(store, change_set)}
    assert len(lines) == 93
    assert lines["A.8.2"].status == "implemented" and lines["A.8.2"].carried_from == "A.9.2.3"
    assert "Access review" in lines["A.8.2"].evidence
    assert lines["A.8.15"].status == "in progress"
    assert lines["A.5.7"].status == "open" and lines["A.5.7"].change == "new control"


def test_control_leverage_ranks_by_provisions_served(org_store) -> None:
    ranked = control_leverage(org_store)
    assert [c.serves for c in ranked] == sorted((c.serves for c in ranked), reverse=True)
    keep = [c for c in ranked if c.implemented]
    assert "ISO/IEC 42001:2023 A.6.2.4" in {c.control for c in keep[:5]}
    assert any(not c.implemented for c in ranked)


def test_ims_views(org_store) -> None:
    backbone = {r["clause"]: r for r in VIEWS["backbone"](org_store)}
    assert backbone["6.1.4"]["requiredBy"] == "ISO/IEC 42001:2023"
    assert backbone["4.1"]["requiredBy"] == ("ISO/IEC 42001:2023; ISO/IEC 27001:2022; "
                                             "ISO/IEC 27701:2025; ISO/IEC 27701:2019")
    assert backbone["4.1"]["iso27701"] == "5.2.1"
    # 6.3 is new in the 2022 harmonized text: the 2019 PIMS had no counterpart, 2025 has
    assert backbone["6.3"]["requiredBy"] == ("ISO/IEC 42001:2023; ISO/IEC 27001:2022; "
                                             "ISO/IEC 27701:2025")
    evidence = VIEWS["evidence"](org_store)
    assert evidence and all(int(r["frameworks"]) > 1 for r in evidence)
    soa = VIEWS["soa"](org_store)
    assert any("ISO/IEC 27001:2022" in r["controls"] for r in soa)
    checklist = VIEWS["checklist"](org_store)
    assert len(checklist) == sum(1 for c in backbone if "." in c)
    assert all(r["check"].count("ISO/IEC 27701") <= 1 for r in checklist)


def test_one_backbone_for_42001_27001_and_27701_2025(org_store) -> None:
    backbone = {r["clause"]: r for r in VIEWS["backbone"](org_store)}
    # every 27701:2025 clause 4-10 sits on the backbone beside the 42001 and 27001 clause
    pims = [n for n, r in backbone.items() if "ISO/IEC 27701:2025" in r["requiredBy"]]
    assert len(pims) == 41
    assert not [n for n in pims if "ISO/IEC 27001:2022" not in backbone[n]["requiredBy"]]
    assert len(backbone) == 43  # 41 shared + 42001's 6.1.4 and 8.4, no separate PIMS rows
    assert backbone["6.1.2"]["iso27701v2025Relation"] == "IntersectsWith"
    assert "privacy" in backbone["6.1.2"]["iso27701v2025Adds"]
    assert backbone["7.5.1"]["iso27701v2025Relation"] == "Equal"
    assert backbone["8.4"]["requiredBy"] == "ISO/IEC 42001:2023"
