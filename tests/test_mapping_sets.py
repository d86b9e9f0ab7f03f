"""Mapping sets are first-class: provenance, the user's choice of sets, the published NIST AI RMF
-> ISO/IEC 42001 crosswalk beside our own, and their reconciliation."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
import yaml

from aimsgraph import UsageError, open_store
from aimsgraph.mappingsets import describe_mapping_sets, used_mapping_sets
from aimsgraph.queries import QueryCatalog
from aimsgraph.sssom import read_sssom

from .conftest import ROOT
from .test_cli import run

PUBLISHED = ROOT / "mappings" / "nistairmf-iso42001-airc.sssom.tsv"
CURATED = ROOT / "mappings" / "nistairmf-iso42001.sssom.tsv"
NIST = "https://w3id.org/aimsgraph/nist/ai-rmf/1.0/"


def _files(store) -> set[str]:
    return {(m["file"] or "").removesuffix(".sssom.tsv") for m in used_mapping_sets(store)}


def test_default_leaves_out_the_published_set_and_names_the_sets_used(store) -> None:
    files = _files(store)
    assert "nistairmf-iso42001" in files and "nistairmf-iso42001-airc" not in files
    assert describe_mapping_sets(store).startswith("Mapping sets used: aiact-gdpr, ")


def test_naming_sets_loads_exactly_those(tmp_path) -> None:
    chosen = open_store(mapping_sets=["nistairmf-iso42001-airc", "iso42001-aiact"])
    assert _files(chosen) == {"nistairmf-iso42001-airc", "iso42001-aiact"}
    with pytest.raises(UsageError, match=r"no mapping set 'nope'.*nistairmf-iso42001-airc"):
        open_store(mapping_sets=["nope"])
    # a persistent store drops a set no longer chosen
    folder = tmp_path / "store"
    open_store(store=folder, mapping_sets=["nistairmf-iso42001-airc"])
    again = open_store(store=folder)
    assert "nistairmf-iso42001-airc" not in _files(again) and "iso42001-aiact" in _files(again)


def test_every_set_has_its_provenance_in_the_graph() -> None:
    every = open_store(mapping_sets=[p.name.removesuffix(".sssom.tsv")
                                     for p in (ROOT / "mappings").glob("*.sssom.tsv")])
    for m in used_mapping_sets(every):
        assert m["creators"] and m["provider"] and m["documents"] and m["version"], m["file"]
        assert m["date"] and m["license"], m["file"]
    published = next(m for m in used_mapping_sets(every) if m["file"] == PUBLISHED.name)
    assert published["provider"] == "https://www.microsoft.com/"
    assert "https://airc.nist.gov/docs/NIST_AI_RMF_to_ISO_IEC_42001_Crosswalk.pdf" in \
        (published["documents"] or "")


def _header(path) -> dict:
    text = "".join(line[1:] for line in path.read_text(encoding="utf-8").splitlines(True)
                   if line.startswith("#"))
    return yaml.safe_load(text)


def test_published_set_is_unqualified_translated_and_honestly_partial(store) -> None:
    ms = read_sssom(PUBLISHED)
    assert {r.relation for r in ms.rows} == {"Unspecified"}
    assert all(r.confidence is None for r in ms.rows)
    index = {(r["framework"], r["notation"]) for r in
             QueryCatalog().get("provision-index").run(store).records()}
    for r in ms.rows:  # every B.x.y became the Annex A control it guides, and exists
        assert "/annex-a/B." not in r.object
        printed = re.search(r"-> (B\.[\d.]+|[\d.]+) ", r.rationale)
        assert printed, r.rationale
        number = printed[1].replace("B.", "A.", 1)
        assert r.object.endswith("/" + number)
        assert ("https://w3id.org/aimsgraph/std/iso-iec-42001/2023", number) in index
    header = _header(PUBLISHED)
    subcategories = {r["notation"] for r in QueryCatalog().get("provisions").run(
        store, {"framework": NIST.rstrip("/")}).records() if r["kind"] == "Subcategory"}
    present = {r.subject.removeprefix(NIST).replace("-", " ") for r in ms.rows}
    not_read = set(header["aimsgraph_rows_not_read"])
    in_part = set(header["aimsgraph_rows_read_in_part"])
    assert header["aimsgraph_selected_by_default"] is False
    assert not_read | present == subcategories and not (not_read & present)
    assert in_part <= present
    readme = (ROOT / "mappings" / "README.md").read_text(encoding="utf-8")
    assert f"rows not read at all ({len(not_read)})" in readme
    assert f"rows read in part ({len(in_part)}" in readme


def test_every_published_pair_is_in_our_set_or_a_recorded_disagreement() -> None:
    ours = {(r.subject, r.object): r for r in read_sssom(CURATED).rows}
    readme = (ROOT / "mappings" / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Reconciliation with our curated set")[1].split("\n## ")[0]
    lines = [line for line in table.splitlines() if line.startswith("| ") and " -> " in line]
    verdicts = {}
    for line in lines:
        pair, number, verdict, why = [c.strip() for c in line.strip("|").split(" | ")]
        subcategory = pair.split(" -> ")[0].replace(" ", "-", 1)
        verdicts[(subcategory, number)] = (verdict, why)
    published = read_sssom(PUBLISHED).rows
    assert len(verdicts) == len(published)
    for r in published:
        key = (r.subject.removeprefix(NIST), r.object.rsplit("/", 1)[-1])
        verdict, why = verdicts[key]
        if (r.subject, r.object) in ours:
            mine = ours[(r.subject, r.object)]
            assert verdict == "in our set" and why.startswith(mine.relation)
            assert mine.relation != "Unspecified" and len(mine.rationale) > 50
        else:
            assert verdict == "disagreement" and len(why) > 40, key


def test_cli_coverage_with_a_chosen_set_names_it() -> None:
    done = run("coverage", "--have", "nist-ai-rmf", "--want", "iso42001", "--format", "json",
               "--mapping-sets", "nistairmf-iso42001-airc")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert [m["file"] for m in body["mappingSets"]] == [PUBLISHED.name]
    bad = run("coverage", "--have", "nist-ai-rmf", "--want", "iso42001", "--mapping-sets", "nope")
    assert bad.returncode == 2 and "no mapping set 'nope'" in bad.stderr


def test_export_names_its_sets_and_reads_back(tmp_path) -> None:
    from aimsgraph.exchange import to_sssom

    path = tmp_path / "all.sssom.tsv"
    path.write_text(to_sssom(open_store(mapping_sets=["iso42001-aiact"])), encoding="utf-8")
    header = _header(path)
    assert header["see_also"] == ["https://w3id.org/aimsgraph/mappings/iso42001-aiact"]
    assert read_sssom(path).provenance is not None
    rows = list(csv.DictReader(io.StringIO("".join(
        line for line in path.read_text(encoding="utf-8").splitlines(True)
        if not line.startswith("#"))), delimiter="\t"))
    assert len(rows) == 119
