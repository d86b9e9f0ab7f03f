"""Edition change sets derived by `aimsgraph diff`: the ISO/IEC 27701 2019 -> 2025 transition
accounts for every provision of both editions, and a derived set is named and dated as shipped."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from aimsgraph import FRAMEWORKS
from aimsgraph.changes import diff_editions, load_change_set
from aimsgraph.errors import InputError
from aimsgraph.queries import QueryCatalog

from .conftest import ROOT

CHANGES = ROOT / "changes"
TRANSITION = "https://w3id.org/aimsgraph/mappings/iso27701-iso27701v2025"


@pytest.fixture(scope="module")
def pims(store):
    return diff_editions(store, "iso27701", "iso27701-2025")


def provisions(store, key: str) -> dict[str, str]:
    rows = QueryCatalog().get("provisions").run(store, {"framework": FRAMEWORKS[key]}).records()
    return {r["provision"]: r["notation"] for r in rows}


def transition(store) -> list[dict]:
    return [m for m in QueryCatalog().get("mappings").run(store).records()
            if m["mappingSet"] == TRANSITION]


def test_the_27701_change_set_is_what_diff_derives(pims) -> None:
    shipped = (CHANGES / "iso27701-2019-to-2025.yaml").read_text(encoding="utf-8")
    assert pims.to_yaml() == shipped


def test_derived_change_sets_are_named_like_their_file_and_dated_by_the_new_edition(store,
                                                                                     pims):
    isms = diff_editions(store, "iso27001-2013", "iso27001")
    assert isms.id == "iso27001-2013-to-2022"
    assert isms.date == date(2022, 10, 25)
    assert pims.id == "iso27701-2019-to-2025"
    assert pims.date == "2025-10"  # ISO gives the month only
    for path in (CHANGES / "iso27001-2013-to-2022.yaml", CHANGES / "iso27701-2019-to-2025.yaml"):
        loaded = load_change_set(path, store)
        assert loaded.id == path.stem


def test_every_2019_provision_is_accounted_for(store, pims) -> None:
    old = provisions(store, "iso27701")
    assert len(old) == 239
    listed = {c.provision: c.kind for c in pims.changes if c.provision in old}
    unchanged = {m["source"] for m in transition(store)} - set(listed)
    # listed as removed/renumbered/merged/split/changed, or mapped Equal under the same number
    assert set(listed) | unchanged == set(old)
    assert {old[i] for i in unchanged} == set()  # Annex C is redone for the new numbering
    removed = {old[i] for i, kind in listed.items() if kind == "removed"}
    assert {"5", "5.1", "6.1", "7.1", "8.1", "6.2", "6.9.4", "Annex F"} <= removed
    assert not removed & {n for n in old.values() if n.startswith(("A.7.", "B.8."))}


def test_every_2025_provision_is_new_or_has_a_predecessor(store, pims) -> None:
    new = provisions(store, "iso27701-2025")
    targets = {m["target"] for m in transition(store)}
    added = {c.provision for c in pims.changes if c.kind == "added"}
    assert targets | added == set(new)
    assert not targets & added
    assert {new[i] for i in added} == ({"6.3", "A.3", "Annex A", "Annex F", "B.3.29", "B.3.30"}
                                       | {f"A.3.{i}" for i in range(3, 32)})


def test_controller_and_processor_controls_are_renumbered_one_to_one(pims) -> None:
    moves = {c.notation: c.to_notations for c in pims.changes if c.kind == "renumbered"}
    assert moves["A.7.2.1"] == ("A.1.2.2",)
    assert moves["A.7.3.10"] == ("A.1.3.11",)
    assert moves["B.8.5.8"] == ("A.2.5.9",)
    assert moves["7.2.5"] == ("B.1.2.6",)  # its guidance moved to Annex B
    controls = {n for n in moves if n.startswith(("A.7.", "B.8.")) and n.count(".") == 3}
    assert len(controls) == 49
    kinds = Counter(c.kind for c in pims.changes)
    assert kinds["split"] == 3 and kinds["added"] == 35


def test_a_change_set_may_be_dated_by_month_only(store, tmp_path) -> None:
    path = tmp_path / "month.yaml"
    path.write_text("id: month\nkind: edition\nstatus: adopted\nframework: iso27701\n"
                    "to_framework: iso27701-2025\n"
                    "date: 2025-10\nsource: x\nchanges:\n  - provision: A.7.2.1\n"
                    "    change: renumbered\n    to: [A.1.2.2]\n", encoding="utf-8")
    assert load_change_set(path, store).date == "2025-10"
    path.write_text(path.read_text().replace("2025-10", "2025-13"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_change_set(path, store)
    assert caught.value.field == "date" and "2025-13" in str(caught.value)


# -- the sample PIMS and its migration -----------------------------------------------------------

PIMS_SAMPLE = ROOT / "examples" / "acme-lending-27701"
AS_OF = date(2026, 11, 27)


@pytest.fixture(scope="module")
def proposed():
    from aimsgraph import open_store
    from aimsgraph.impact import migrate_soa

    store = open_store([PIMS_SAMPLE])
    change_set = load_change_set(CHANGES / "iso27701-2019-to-2025.yaml", store)
    return {line.new_control: line for line in migrate_soa(store, change_set)}


def test_migrate_proposes_the_2025_soa_from_the_2019_one(proposed) -> None:
    assert len(proposed) == 78
    first = proposed["A.1.2.2"]
    assert (first.status, first.carried_from, first.change) == ("implemented", "A.7.2.1",
                                                                 "renumbered")
    assert first.owner == "Inês Duarte" and "A.7.2.1" in first.evidence
    assert proposed["A.2.5.9"].carried_from == "B.8.5.8"
    assert proposed["A.2.5.9"].status == "in progress"
    assert proposed["A.1.3.11"].status == "in progress"
    # an exclusion stays an exclusion, it does not become an open or empty line
    assert proposed["A.1.2.8"].status == "not applicable"
    shared = {n: line for n, line in proposed.items() if n.startswith("A.3.")}
    assert len(shared) == 29
    assert {(line.status, line.change) for line in shared.values()} == {("open", "new control")}
    carried = [line.carried_from for n, line in proposed.items() if not n.startswith("A.3.")]
    assert sorted(carried) == sorted(n for n in (
        [f"A.7.2.{i}" for i in range(1, 9)] + [f"A.7.3.{i}" for i in range(1, 11)]
        + [f"A.7.4.{i}" for i in range(1, 10)] + [f"A.7.5.{i}" for i in range(1, 5)]
        + [f"B.8.2.{i}" for i in range(1, 7)] + ["B.8.3.1"]
        + [f"B.8.4.{i}" for i in range(1, 4)] + [f"B.8.5.{i}" for i in range(1, 9)]))


@pytest.mark.parametrize("twin", ["acme-lending", "acme-lending-fixed"])
def test_the_pims_sample_adds_no_finding_to_the_sample_organization(twin) -> None:
    from aimsgraph import open_store
    from aimsgraph.validation import validate

    def findings(folders):
        return sorted((f.severity, f.location, f.message)
                      for f in validate(open_store(folders), as_of=AS_OF))

    alone = findings([ROOT / "examples" / twin])
    assert findings([ROOT / "examples" / twin, PIMS_SAMPLE]) == alone


def test_transition_impact_lists_every_soa_line_to_migrate() -> None:
    from aimsgraph import open_store
    from aimsgraph.impact import impact

    store = open_store([ROOT / "examples" / "acme-lending-fixed", PIMS_SAMPLE])
    change_set = load_change_set(CHANGES / "iso27701-2019-to-2025.yaml", store)
    found = impact(store, change_set, AS_OF)
    pims_lines = {i.label: i for i in found if i.kind == "ControlImplementation"
                  and "/pims-" in i.item}  # the add-on's line ids
    assert len(pims_lines) == 49
    # each is reached by its own control's renumbering, not by the new Annex A around it
    assert {i.change for i in pims_lines.values()} == {"renumbered"}
    line = pims_lines["SoA line for ISO/IEC 27701:2019 A.7.2.1 (organization-wide)"]
    assert [r.changed for r in line.reasons] == [
        "ISO/IEC 27701:2019 A.7.2.1 (renumbered -> A.1.2.2)"]  # not its objective's A.1.2
    # the new shared security controls are listed as controls to add
    added = {i.label for i in found if i.kind == "Provision" and i.change == "added"}
    assert {"ISO/IEC 27701:2025 A.3.10", "ISO/IEC 27701:2025 A.3.11"} <= added
