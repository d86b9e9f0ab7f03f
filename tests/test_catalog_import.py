"""Frameworks aimsgraph does not ship: an OSCAL catalog or a CISO Assistant library read as a
catalog (numbers, titles, structure), loaded with --data and mapped with import-mappings; and the
folder exports' errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib

from aimsgraph import InputError, open_store
from aimsgraph.imports import read_framework
from aimsgraph.oscal import read_catalog, to_catalog
from aimsgraph.outline import outlines

from .test_cisoassistant import SAMPLE
from .test_cli import run
from .test_sssom import PROVENANCE


def tree(outline) -> list[tuple]:
    by_key = {n.key: n for n in outline.nodes}
    return sorted((n.notation, n.title, n.kind, by_key[n.parent].notation if n.parent else None)
                  for n in outline.nodes)


def test_every_oscal_catalog_we_export_imports_back_with_the_same_provisions(store,
                                                                            tmp_path) -> None:
    for outline in outlines(store):
        path = tmp_path / f"{outline.stem}.catalog.json"
        path.write_text(json.dumps(to_catalog(outline)), encoding="utf-8")
        back = read_framework(path)
        assert (back.notation, back.title, back.version) == \
            (outline.notation, outline.title, outline.version or outline.notation)
        assert tree(back) == tree(outline), outline.stem
        assert back.iri == f"https://w3id.org/aimsgraph/ext/{outline.stem}"


CATALOG = {"catalog": {"uuid": "7d3e7f6a-3c1b-4a8e-9a51-0b1f2f6c9d10", "metadata": {
    "title": "Acme AI controls", "version": "1", "last-modified": "2026-12-01T00:00:00Z",
    "oscal-version": "1.2.1"}, "groups": [{"id": "ov", "title": "Oversight", "controls": [
        {"id": "ov-1", "title": "Stop switch", "props": [{"name": "label", "value": "OV-1"}],
         "parts": [{"id": "ov-1_smt", "name": "statement", "prose": "Not read."}]}]}]}}


@pytest.mark.parametrize(("edit", "field"), [
    (lambda c: c["catalog"]["metadata"].pop("title"), "catalog.metadata.title"),
    (lambda c: c["catalog"]["groups"][0]["controls"][0].pop("title"),
     "catalog.groups[0].controls[0].title"),
    (lambda c: c["catalog"]["groups"][0]["controls"][0].update(id="1 bad"),
     "catalog.groups[0].controls[0].id"),
    (lambda c: c["catalog"].pop("groups"), "catalog.controls"),
    (lambda c: c.update(profile=c.pop("catalog")), "catalog"),
])
def test_a_bad_oscal_catalog_names_the_file_and_field(tmp_path: Path, edit, field) -> None:
    catalog = json.loads(json.dumps(CATALOG))
    edit(catalog)
    path = tmp_path / "acme.json"
    path.write_text(json.dumps(catalog))
    with pytest.raises(InputError) as caught:
        read_catalog(path)
    assert caught.value.file == str(path) and caught.value.field == field


def test_an_oscal_catalog_of_our_own_reads_numbers_titles_and_structure(tmp_path) -> None:
    path = tmp_path / "acme-ai-controls.json"
    path.write_text(json.dumps(CATALOG))
    outline = read_catalog(path)
    assert [(n.key, n.notation, n.title, n.kind, n.parent) for n in outline.nodes] == [
        ("ov", "ov", "Oversight", "ControlGroup", None),
        ("ov-1", "OV-1", "Stop switch", "Control", "ov")]
    assert "Not read" not in repr(outline)


def test_unknown_structures_and_unreadable_files_are_refused(tmp_path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("components: []\n")
    with pytest.raises(InputError, match=r"unknown structure \(top level: components\)") as e:
        read_framework(other)
    assert e.value.field == "(top level)"
    broken = tmp_path / "broken.json"
    broken.write_text('{"catalog": {')
    with pytest.raises(InputError, match="not JSON") as e:
        read_framework(broken)
    assert e.value.line == 1
    with pytest.raises(InputError, match="expected an OSCAL catalog"):
        read_framework(tmp_path / "notes.txt")


CROSSWALK = """# mapping_set_id: https://example.org/mappings/acme-iso42001
# curie_map:
#   acme-ai-policy: https://w3id.org/aimsgraph/ext/acme-ai-policy/
#   iso42001: https://w3id.org/aimsgraph/std/iso-iec-42001/2023/
#   aims: https://w3id.org/aimsgraph/ontology#
#   aimsgraph: https://w3id.org/aimsgraph/
#   semapv: https://w3id.org/semapv/vocab/
#   skos: http://www.w3.org/2004/02/skos/core#
""" + PROVENANCE + (
    "subject_id\tpredicate_id\tobject_id\tset_relation\tmapping_justification\tconfidence\t"
    "comment\n"
    "acme-ai-policy:p1.1\tskos:relatedMatch\tiso42001:annex-a/A.9.3\taims:IntersectsWith\t"
    "semapv:ManualMappingCuration\t0.7\tBoth concern human oversight of AI systems.\n")


def test_import_a_library_load_it_and_map_it(tmp_path: Path) -> None:
    library = tmp_path / "acme.yaml"
    library.write_text(SAMPLE, encoding="utf-8")
    ttl = tmp_path / "acme.ttl"
    done = run("import-catalog", str(library), "--output", str(ttl))
    assert done.returncode == 0, done.stderr
    assert "ACME-AI: 2 provisions (1 top-level)" in done.stdout
    assert "acme-ai-policy: https://w3id.org/aimsgraph/ext/acme-ai-policy/" in done.stdout
    graph = rdflib.Graph().parse(ttl)
    assert len(graph) >= 12
    crosswalk = tmp_path / "acme-iso42001.sssom.tsv"
    crosswalk.write_text(CROSSWALK, encoding="utf-8")
    done = run("import-mappings", str(crosswalk), "--catalog", str(library))
    assert done.returncode == 0, done.stderr
    assert "1 mappings valid (1 IntersectsWith)" in done.stdout
    done = run("import-mappings", str(crosswalk))  # without the catalog: unknown subject
    assert done.returncode == 2 and "not a provision" in done.stderr
    done = run("import-mappings", str(crosswalk), "--catalog", str(ttl))  # or its Turtle
    assert done.returncode == 0, done.stderr
    store = open_store([ttl, crosswalk])
    rows = store.query("""SELECT ?n WHERE { ?m aims:source ?s ; aims:target ?t .
        ?s skos:notation ?n ; aims:inFramework <https://w3id.org/aimsgraph/ext/acme-ai-policy> .
        ?t skos:notation "A.9.3" }""").rows
    assert [r[0].value for r in rows] == ["P1.1"]


def test_a_bad_catalog_exits_2_naming_file_and_field_and_writes_nothing(tmp_path) -> None:
    library = tmp_path / "acme.yaml"
    library.write_text(SAMPLE.replace("    ref_id: ACME-AI\n", ""), encoding="utf-8")
    ttl = tmp_path / "acme.ttl"
    done = run("import-catalog", str(library), "--output", str(ttl))
    assert done.returncode == 2
    assert f"{library} [objects.framework.ref_id]: missing" in done.stderr
    assert not ttl.exists()
    done = run("import-catalog", str(tmp_path / "missing.yaml"))
    assert done.returncode == 2 and "cannot read" in done.stderr


def test_folder_exports_write_one_file_each_and_refuse_a_bad_target(tmp_path: Path) -> None:
    done = run("export", "--format", "oscal-catalog", "--output", str(tmp_path / "oscal"))
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "oscal").glob("*.catalog.json"))) == 9
    target = tmp_path / "a-file"
    target.write_text("keep me")
    done = run("export", "--format", "ciso-assistant", "--output", str(target))
    assert done.returncode == 2 and f"cannot write to {target}: it is a file" in done.stderr
    assert target.read_text() == "keep me"
    done = run("export", "--format", "ciso-assistant", "--output", str(tmp_path / "no" / "x"))
    assert done.returncode == 2 and "does not exist" in done.stderr
    done = run("export", "--format", "ciso-assistant")
    assert done.returncode == 2 and "give --output DIR" in done.stderr


def test_the_shipped_example_imports_and_its_crosswalk_checks(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "catalogs"
    ttl = tmp_path / "acme-ai-policy.ttl"
    done = run("import-catalog", str(example / "acme-ai-policy.yaml"), "--output", str(ttl))
    assert done.returncode == 0, done.stderr
    assert "ACME-AI-2026: 6 provisions (3 top-level)" in done.stdout
    done = run("import-mappings", str(example / "acme-ai-policy-iso42001.sssom.tsv"),
               "--catalog", str(ttl))
    assert done.returncode == 0, done.stderr
    assert "3 mappings valid (1 IntersectsWith, 2 SubsetOf)" in done.stdout
