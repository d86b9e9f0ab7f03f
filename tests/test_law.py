"""The law as it stands: which amendment change sets apply, what they do to obligations, and
that every answer says what it assumes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml

from aimsgraph import InputError, UsageError
from aimsgraph.changes import load_change_set
from aimsgraph.classification import classify
from aimsgraph.law import LawChoice, law_view

from .conftest import LOCAL, ROOT
from .test_cli import EXAMPLE, run

OMNIBUS = ROOT / "changes" / "eu-ai-act-digital-omnibus-2025.yaml"
DAY = date(2026, 12, 4)


def _obligation(results, system: str, notation: str, role: str):
    c = next(c for c in results if c.system.name == system)
    return next(o for o in c.obligations if o.notation == notation and o.role.endswith(role))


def test_an_adopted_act_not_read_in_force_is_applied_only_when_asked(org_store) -> None:
    default = law_view(org_store, DAY)
    assert default.applied == () and default.key == "as-enacted"
    assert [c.id for c, _ in default.not_applied] == ["eu-ai-act-digital-omnibus-2025"]
    assert "--as-amended-by eu-ai-act-digital-omnibus-2025" in default.describe()
    amended = law_view(org_store, DAY, LawChoice(["eu-ai-act-digital-omnibus-2025"]))
    assert [c.id for c in amended.applied] == ["eu-ai-act-digital-omnibus-2025"]
    assert "Regulation (EU) 2026/1744" in amended.describe()
    assert "published text not read" in amended.describe()


def test_annex_iii_deployer_date_as_enacted_and_as_amended(org_store) -> None:
    enacted = classify(org_store, DAY, law=law_view(org_store, DAY, LawChoice(as_enacted=True)))
    amended = classify(org_store, DAY, law=law_view(
        org_store, DAY, LawChoice(["eu-ai-act-digital-omnibus-2025"])))
    before = _obligation(enacted, "CV screening and ranking", "Article 26(1)", "AIDeployer")
    after = _obligation(amended, "CV screening and ranking", "Article 26(1)", "AIDeployer")
    assert (before.applicable_from, before.in_force, before.amended_by) == (
        date(2026, 8, 2), True, None)
    assert (after.applicable_from, after.in_force) == (date(2027, 12, 2), False)
    assert "Article 1, point (40)(b)" in (after.amended_by or "")
    # Annex I route (new point (c)(ii)) and literacy (untouched) on the same system set
    literacy = _obligation(amended, "CV screening and ranking", "Article 4", "AIDeployer")
    assert literacy.applicable_from == date(2025, 2, 2) and literacy.amended_by is None


def test_article_50_2_marking_keeps_its_date_for_new_systems(org_store) -> None:
    change_set = load_change_set(OMNIBUS, org_store)
    entries = [c for c in change_set.changes if c.notation == "Article 111"]
    assert entries and all(c.kind != "date-moved" for c in entries)
    assert any("placed on the market before 2 August 2026" in c.note for c in entries)


def test_every_omnibus_entry_names_its_amending_provision(org_store) -> None:
    change_set = load_change_set(OMNIBUS, org_store)
    assert all(c.amended_by.startswith("Article 1") for c in change_set.changes)
    by_route = {c.obligation_condition.rsplit("-", 1)[-1]: c
                for c in change_set.changes if c.obligation_condition
                and c.obligation_condition.endswith(("A6-1", "A6-2"))}
    # the Annex III deferral replaces the general date, not the 2024 point (c) (Annex I date)
    assert by_route["2"].notation == "Article 113" and "(c)(i)" in by_route["2"].amended_by
    assert by_route["1"].notation == "Article 113(c)" and "(c)(ii)" in by_route["1"].amended_by


def test_new_prohibition_follows_the_amendment(org_store) -> None:
    amended = classify(org_store, DAY, law=law_view(
        org_store, DAY, LawChoice(["eu-ai-act-digital-omnibus-2025"])))
    enacted = classify(org_store, DAY, law=law_view(org_store, DAY, LawChoice(as_enacted=True)))

    def prohibitions(results):
        return {(c.system.name, o.applicable_from) for c in results for o in c.obligations
                if o.notation == "Article 5(1)" and "intimate imagery" in o.title}

    assert prohibitions(enacted) == set()
    found = prohibitions(amended)
    assert found and {d for _, d in found} == {date(2026, 12, 2)}


def _edit(tmp_path: Path, name: str, change) -> Path:
    data = yaml.safe_load(OMNIBUS.read_text(encoding="utf-8"))
    change(data)
    folder = tmp_path / "changes"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.yaml"
    data["id"] = name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _in_force(data: dict) -> None:
    data["status"] = "in-force"
    data["evidence"]["published_act_read"] = True


def test_a_change_set_in_force_applies_by_default_from_its_date(org_store, tmp_path) -> None:
    _edit(tmp_path, "in-force-act", _in_force)
    folder = tmp_path / "changes"
    assert law_view(org_store, date(2026, 7, 26), folder=folder).applied == ()
    on = law_view(org_store, date(2026, 7, 27), folder=folder)
    assert [c.id for c in on.applied] == ["in-force-act"]
    assert law_view(org_store, date(2026, 7, 27), LawChoice(as_enacted=True),
                    folder=folder).applied == ()


def test_obligation_removed_drops_the_duty(org_store, tmp_path) -> None:
    def remove(data: dict) -> None:
        data["changes"] = [{"provision": "Article 26(7)", "change": "obligation-removed",
                            "amended_by": "Article 1, point (99) (test)",
                            "obligations": {"provision": "Article 26"}}]
    path = _edit(tmp_path, "removal", remove)
    law = law_view(org_store, DAY, LawChoice([str(path)]))
    found = {o.notation for c in classify(org_store, DAY, law=law) for o in c.obligations}
    assert "Article 26(1)" not in found and "Article 4" in found


@pytest.mark.parametrize(("edit", "field", "message"), [
    (lambda d: d.update(status="enacted"), "status", "is not one of proposal, adopted"),
    (lambda d: d.pop("evidence"), "evidence", "required"),
    (lambda d: d["evidence"].update(read=[d["evidence"]["read"][0]]), "evidence.read",
     "two independent sources"),
    (lambda d: d.update(status="in-force"), "status", "published text read"),
    (lambda d: d["evidence"].pop("publication"), "evidence.publication", "publication"),
    (lambda d: d["changes"][0].pop("amended_by"), "changes[1].amended_by", "amending act"),
])
def test_bad_status_or_evidence_names_file_and_field(org_store, tmp_path, edit, field,
                                                      message) -> None:
    path = _edit(tmp_path, "bad", edit)
    with pytest.raises(InputError) as caught:
        load_change_set(path, org_store)
    assert caught.value.field == field and message in str(caught.value)
    assert "bad.yaml" in str(caught.value)


def test_enacted_and_amended_exclude_each_other(org_store) -> None:
    with pytest.raises(UsageError, match="exclude each other"):
        law_view(org_store, DAY, LawChoice(["eu-ai-act-digital-omnibus-2025"], True))
    with pytest.raises(UsageError, match="no amendment change set 'nope'"):
        law_view(org_store, DAY, LawChoice(["nope"]))


def test_validation_records_and_follows_the_law_it_assumes(tmp_path) -> None:
    from aimsgraph import open_store
    from aimsgraph.validation import prepare

    store = open_store([EXAMPLE])
    ask = "ASK {{ GRAPH ?g {{ ?g aims:lawView \"{}\" }} }}"
    prepare(store, DAY, law_view(store, DAY))
    assert store.query(ask.format("as-enacted")).boolean
    prepare(store, DAY, law_view(store, DAY, LawChoice(["eu-ai-act-digital-omnibus-2025"])))
    assert store.query(ask.format("eu-ai-act-digital-omnibus-2025")).boolean
    assert not store.query(ask.format("as-enacted")).boolean


def test_cli_classify_states_the_law_and_the_amended_dates() -> None:
    args = ("classify", "--data", str(EXAMPLE), "--as-of", "2026-12-04")
    enacted = run(*args)
    assert enacted.stdout.startswith("Law assumed on 2026-12-04: the AI Act as enacted")
    amended = run(*args, "--as-amended-by", "eu-ai-act-digital-omnibus-2025", "--format",
                  "json")
    body = json.loads(amended.stdout)
    assert body["law"]["appliedChangeSets"][0]["id"] == "eu-ai-act-digital-omnibus-2025"
    cv = next(s for s in body["systems"] if s["name"] == "CV screening and ranking")
    hit = next(o for o in cv["obligations"] if o["provision"] == "Article 26(1)")
    assert hit["applicableFrom"] == "2027-12-02" and hit["amendedBy"]
    both = run(*args, "--as-enacted", "--as-amended-by", "eu-ai-act-digital-omnibus-2025")
    assert both.returncode == 2 and "exclude each other" in both.stderr


def test_cli_validate_and_impact_state_the_law(tmp_path) -> None:
    out = tmp_path / "f.json"
    done = run("validate", "--data", str(EXAMPLE), "--as-of", "2026-11-27", "--json", str(out),
               "--as-amended-by", "eu-ai-act-digital-omnibus-2025")
    assert "as amended by eu-ai-act-digital-omnibus-2025" in done.stdout
    assert json.loads(out.read_text())["law"]["appliedChangeSets"]
    imp = run("impact", str(OMNIBUS), "--data", str(EXAMPLE), "--as-of", "2026-11-27")
    assert "Law assumed on 2026-11-27: the AI Act as enacted" in imp.stdout
    assert "[adopted, Regulation (EU) 2026/1744" in imp.stdout


def test_an_edition_change_set_takes_its_evidence_from_the_catalog(store) -> None:
    change_set = load_change_set(ROOT / "changes" / "iso27001-2013-to-2022.yaml", store)
    assert change_set.evidence and change_set.evidence.date == date(2022, 10, 25)


def test_the_service_setting_and_the_web_view_state_the_law() -> None:
    from fastapi.testclient import TestClient

    from aimsgraph import open_store
    from aimsgraph.server import ServerSettings, create_app

    settings = ServerSettings(as_amended_by=("eu-ai-act-digital-omnibus-2025",))
    client = TestClient(create_app(settings, open_store([EXAMPLE])), base_url=LOCAL)
    body = client.get("/systems/cv-screening").json()
    assert body["law"]["appliedChangeSets"][0]["id"] == "eu-ai-act-digital-omnibus-2025"
    hit = next(o for o in body["obligations"] if o["provision"] == "Article 26(1)")
    assert hit["applicableFrom"] == "2027-12-02"
    enacted = client.get("/systems/cv-screening", params={"as_enacted": "true"}).json()
    assert enacted["law"]["asEnacted"] is True
    page = client.get("/ui/systems").text
    assert "as amended by eu-ai-act-digital-omnibus-2025" in page
    assert "Mapping sets used: aiact-gdpr" in page
    impact = client.get("/ui/impact", params={"changeset": "eu-ai-act-digital-omnibus-2025"})
    assert "Regulation (EU) 2026/1744" in impact.text
