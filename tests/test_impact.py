"""Change sets, impact analysis, SoA migration, control leverage and the IMS views."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from aimsgraph import InputError, open_store
from aimsgraph.changes import diff_editions, load_change_set, what_if
from aimsgraph.impact import control_leverage, impact, migrate_soa
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


@pytest.fixture(scope="module")
def transition(org_store):
    return {i.label: i for i in impact(
        org_store, load_change_set(CHANGES / "iso27001-2013-to-2022.yaml", org_store), AS_OF)}


def test_27001_transition_hits_the_logging_line_with_its_path_and_owner(transition) -> None:
    hit = transition["SoA line for A.8.15"]
    assert hit.change == "merged" and hit.owner == "Oliver Byrne"
    assert hit.path[0].startswith("ISO/IEC 27001:2013 A.12.4.")
    assert hit.path[1:] == ("ISO/IEC 27001:2022 A.8.15", "SoA line for A.8.15")


def test_27001_transition_reaches_systems_evidence_and_risks(transition) -> None:
    kinds = {i.kind for i in transition.values()}
    assert {"AISystem", "ControlImplementation", "Evidence", "Risk"} <= kinds
    assert all(i.owner for i in transition.values()
               if i.kind in ("ControlImplementation", "Evidence", "AISystem")
               and i.label not in ("SoA line for A.4.4", "SoA line for A.8.3"))  # no owner (G2, G3)


def test_ai_act_date_change_moves_high_risk_obligations(org_store) -> None:
    change_set = load_change_set(CHANGES / "eu-ai-act-digital-omnibus-2025.yaml", org_store)
    assert change_set.status == "adopted"
    hits = impact(org_store, change_set, AS_OF)
    moved = [i for i in hits if i.kind == "Obligation" and i.change == "date-moved"
             and i.label == "Article 9(1): Establish a risk management system"]
    assert moved and "2026-08-02 -> 2027-12-02" in moved[0].changed
    systems = {i.label: i for i in hits if i.kind == "AISystem"}
    assert systems["Credit scoring model"].owner == "Henrik Olsen"
    assert len(systems) == 6


def test_what_if_a_provision_changed(org_store) -> None:
    hits = impact(org_store, what_if(org_store, "aiact:Article 10(2)"), AS_OF)
    lines = {i.label for i in hits if i.kind == "ControlImplementation"}
    assert "SoA line for A.7.4" in lines
    with pytest.raises(Exception, match="no provision 'Article 999'"):
        what_if(org_store, "aiact:Article 999")


def test_catalog_level_impact_without_organization_data(store) -> None:
    hits = impact(store, what_if(store, "iso42001:A.6.2.8"))
    assert hits and {i.kind for i in hits} <= {"Provision", "Obligation"}


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
