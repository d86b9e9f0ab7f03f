"""CISO Assistant libraries: the export checked against the library format as far as it can be
checked offline, and a CISO Assistant framework library imported as a catalog.

The rules below were learned from CISO Assistant's public repository (intuitem/
ciso-assistant-community): its shipped libraries (backend/library/libraries/*.yaml, e.g.
ai-act.yaml and mapping-iso27001-2013-to-iso27001-2022.yaml), its loader (backend/core/
...library importers: required fields per object, URNs lowercased, parents and mapping ends looked
up by URN) and its models (RequirementMapping: relationship in equal/subset/superset/intersect/
not_related, rationale in syntactic/semantic/functional, strength_of_relationship 0-10; a
mapping set's source and target frameworks differ).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import yaml

from aimsgraph import InputError
from aimsgraph.cisoassistant import RELATIONSHIP, read_library
from aimsgraph.exchange import export_folder
from aimsgraph.outline import outlines
from aimsgraph.queries import QueryCatalog

URN = re.compile(r"^urn:[a-z0-9][a-z0-9-]*:[a-z0-9_-]+:(library|framework|req_node|"
                 r"req_mapping_set):[a-z0-9._-]+(:[a-z0-9._-]+)*$")
LIBRARY_KEYS = ("urn", "locale", "ref_id", "name", "description", "copyright", "version",
                "provider", "packager", "objects")
RELATIONSHIPS = {"equal", "subset", "superset", "intersect", "not_related"}
RATIONALES = {"syntactic", "semantic", "functional"}


def problems(libraries: dict[str, dict]) -> list[str]:
    """Every way the libraries break CISO Assistant's library format (empty: loadable)."""
    found: list[str] = []
    frameworks: dict[str, set[str]] = {}  # framework URN -> its node URNs
    library_of: dict[str, str] = {}  # framework URN -> library URN
    urns: Counter[str] = Counter()
    for name, lib in libraries.items():
        for key in LIBRARY_KEYS:
            if key not in lib or lib[key] in (None, ""):
                found.append(f"{name}: missing {key}")
        if not isinstance(lib.get("version"), int):
            found.append(f"{name}: version must be an integer")
        if "publication_date" in lib and not isinstance(lib["publication_date"], date):
            found.append(f"{name}: publication_date must be a date")
        if not URN.match(str(lib.get("urn", ""))) or ":library:" not in lib.get("urn", ""):
            found.append(f"{name}: library urn {lib.get('urn')!r}")
        urns[lib.get("urn", "")] += 1
        objects = lib.get("objects") or {}
        framework = objects.get("framework")
        if framework is None:
            continue
        for key in ("urn", "ref_id", "requirement_nodes"):
            if not framework.get(key):
                found.append(f"{name}: framework missing {key}")
        if not URN.match(framework.get("urn", "")):
            found.append(f"{name}: framework urn {framework.get('urn')!r}")
        nodes: dict[str, dict] = {}
        for index, node in enumerate(framework.get("requirement_nodes") or []):
            urn = node.get("urn", "")
            if not URN.match(urn) or ":req_node:" not in urn:
                found.append(f"{name}: node {index} urn {urn!r}")
            if urn in nodes:
                found.append(f"{name}: node urn {urn} twice")
            if not isinstance(node.get("assessable"), bool):
                found.append(f"{name}: node {urn} assessable must be true or false")
            if not (node.get("ref_id") or node.get("name")):
                found.append(f"{name}: node {urn} has neither ref_id nor name")
            parent = node.get("parent_urn")
            if parent is not None:
                if parent not in nodes:  # parents come first, as in the shipped libraries
                    found.append(f"{name}: node {urn} parent {parent} not defined before it")
                elif node.get("depth") != nodes[parent].get("depth", 0) + 1:
                    found.append(f"{name}: node {urn} depth is not its parent's + 1")
            elif node.get("depth") != 1:
                found.append(f"{name}: top-level node {urn} depth {node.get('depth')}")
            nodes[urn] = node
        frameworks[framework["urn"]] = set(nodes)
        library_of[framework["urn"]] = lib["urn"]
    found += [f"library urn {u} used {n} times" for u, n in urns.items() if n > 1]
    for name, lib in libraries.items():
        for mapping_set in (lib.get("objects") or {}).get("requirement_mapping_sets") or []:
            source, target = (mapping_set.get("source_framework_urn"),
                              mapping_set.get("target_framework_urn"))
            for key in ("urn", "name", "source_framework_urn", "target_framework_urn",
                        "requirement_mappings"):
                if not mapping_set.get(key):
                    found.append(f"{name}: mapping set missing {key}")
            if source == target:
                found.append(f"{name}: source and target frameworks must differ")
            for end in (source, target):
                if end not in frameworks:
                    found.append(f"{name}: framework {end} is in no library")
                elif library_of[end] not in (lib.get("dependencies") or []):
                    found.append(f"{name}: {library_of[end]} missing from dependencies")
            for m in mapping_set.get("requirement_mappings") or []:
                if m.get("source_requirement_urn") not in frameworks.get(source, set()):
                    found.append(f"{name}: source {m.get('source_requirement_urn')} unknown")
                if m.get("target_requirement_urn") not in frameworks.get(target, set()):
                    found.append(f"{name}: target {m.get('target_requirement_urn')} unknown")
                if m.get("relationship") not in RELATIONSHIPS:
                    found.append(f"{name}: relationship {m.get('relationship')!r}")
                if m.get("rationale") not in RATIONALES | {None}:
                    found.append(f"{name}: rationale {m.get('rationale')!r}")
                strength = m.get("strength_of_relationship")
                if strength is not None and not (isinstance(strength, int)
                                                 and 0 <= strength <= 10):
                    found.append(f"{name}: strength_of_relationship {strength!r}")
    return found


@pytest.fixture(scope="module")
def exported(store) -> dict[str, dict]:
    return {name: yaml.safe_load(data)
            for name, data in export_folder(store, "ciso-assistant").items()}


def test_the_export_keeps_every_rule_of_the_library_format(store, exported) -> None:
    assert problems(exported) == []
    frameworks = [lib for lib in exported.values() if "framework" in lib["objects"]]
    sets = [lib for lib in exported.values() if "requirement_mapping_sets" in lib["objects"]]
    loaded = {m["mappingSet"] for m in QueryCatalog().get("mappings").run(store).records()}
    assert len(frameworks) == 9 and len(sets) == len(loaded) >= 13


def test_the_rules_catch_what_ciso_assistant_would_refuse(exported) -> None:
    broken = yaml.safe_load(yaml.safe_dump(exported))  # a deep copy
    nodes = broken["iso-iec-42001-2023.yaml"]["objects"]["framework"]["requirement_nodes"]
    nodes[3]["parent_urn"] = "urn:aimsgraph:risk:req_node:iso-iec-42001-2023:nowhere"
    nodes[4]["urn"] = "URN with spaces"
    mapping = broken["mapping-iso42001-aiact.yaml"]["objects"]["requirement_mapping_sets"][0]
    mapping["requirement_mappings"][0]["relationship"] = "subset-of"
    mapping["requirement_mappings"][1]["target_requirement_urn"] += "-x"
    del broken["gdpr-2016-679.yaml"]
    found = "\n".join(problems(broken))
    assert "parent urn:aimsgraph:risk:req_node:iso-iec-42001-2023:nowhere not defined" in found
    assert "node 4 urn 'URN with spaces'" in found
    assert "relationship 'subset-of'" in found
    assert "-x unknown" in found
    assert "framework urn:aimsgraph:risk:framework:gdpr-2016-679 is in no library" in found


def test_the_frameworks_hold_numbers_titles_and_structure_only(store, exported) -> None:
    lib = exported["iso-iec-42001-2023.yaml"]
    nodes = lib["objects"]["framework"]["requirement_nodes"]
    assert all(set(n) <= {"urn", "assessable", "depth", "parent_urn", "ref_id", "name"}
               for n in nodes)  # no description, no annotation: no text
    by_ref = {n["ref_id"]: n for n in nodes}
    assert by_ref["A.6.2.4"]["name"] == "AI system verification and validation"
    assert by_ref["A.6.2.4"]["assessable"] is True
    assert by_ref["A.6.2.4"]["parent_urn"] == by_ref["A.6.2"]["urn"]
    assert "ISO/IEC" in lib["copyright"] and "not included" in lib["copyright"]
    gdpr = exported["gdpr-2016-679.yaml"]["objects"]["framework"]["requirement_nodes"]
    assert all("description" not in n for n in gdpr)


def test_the_crosswalks_keep_our_relations(store, exported) -> None:
    ours = Counter()
    for m in QueryCatalog().get("mappings").run(store).records():
        relation = (m["relation"] or "").rsplit("#", 1)[-1]
        if relation in RELATIONSHIP:
            ours[RELATIONSHIP[relation]] += 1
    theirs = Counter(m["relationship"]
                     for lib in exported.values()
                     for s in lib["objects"].get("requirement_mapping_sets", [])
                     for m in s["requirement_mappings"])
    assert theirs == ours and set(theirs) >= {"equal", "subset", "superset", "intersect"}


# -- import ---------------------------------------------------------------------------------------

def test_every_exported_framework_imports_back_with_the_same_provisions(store, exported,
                                                                        tmp_path) -> None:
    for outline in outlines(store):
        path = tmp_path / f"{outline.stem}.yaml"
        path.write_text(yaml.safe_dump(exported[f"{outline.stem}.yaml"]), encoding="utf-8")
        back = read_library(path)
        assert back.notation == outline.notation and back.title == outline.title

        def tree(o):
            by_key = {n.key: n for n in o.nodes}
            return sorted((n.notation, n.title, by_key[n.parent].notation if n.parent else None)
                          for n in o.nodes)

        assert tree(back) == tree(outline), outline.stem


SAMPLE = """urn: urn:example:risk:library:acme-ai-policy
locale: en
ref_id: acme-ai-policy
name: Acme AI policy
description: A framework of our own
copyright: Acme
version: 1
provider: Acme
packager: acme
objects:
  framework:
    urn: urn:example:risk:framework:acme-ai-policy
    ref_id: ACME-AI
    name: Acme AI policy
    requirement_nodes:
    - urn: urn:example:risk:req_node:acme-ai-policy:p1
      assessable: false
      depth: 1
      ref_id: P1
      name: Oversight
    - urn: urn:example:risk:req_node:acme-ai-policy:p1.1
      assessable: true
      depth: 2
      parent_urn: urn:example:risk:req_node:acme-ai-policy:p1
      ref_id: P1.1
      name: A named person can stop each AI system
"""


@pytest.mark.parametrize(("change", "field"), [
    (("objects:\n  framework:", "objects:\n  risk_matrix:"), "objects.framework"),
    (("    ref_id: ACME-AI\n", ""), "objects.framework.ref_id"),
    (("      parent_urn: urn:example:risk:req_node:acme-ai-policy:p1\n",
      "      parent_urn: urn:example:risk:req_node:acme-ai-policy:p9\n"),
     "objects.framework.requirement_nodes[1].parent_urn"),
    (("    - urn: urn:example:risk:req_node:acme-ai-policy:p1.1\n",
      "    - urn: not a urn\n"), "objects.framework.requirement_nodes[1].urn"),
    (("      ref_id: P1.1\n", "      ref_id: P1\n"), "ref_id"),
])
def test_a_bad_library_names_the_file_and_the_field(tmp_path: Path, change, field) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(SAMPLE.replace(*change), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_library(path)
    assert caught.value.file == str(path) and caught.value.field == field, caught.value


def test_a_library_of_our_own_imports_as_a_catalog(tmp_path: Path) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(SAMPLE, encoding="utf-8")
    assert problems({"acme.yaml": yaml.safe_load(SAMPLE)}) == []
    outline = read_library(path)
    assert outline.iri == "https://w3id.org/aimsgraph/ext/acme-ai-policy"
    assert [(n.key, n.notation, n.kind, n.parent) for n in outline.nodes] == [
        ("p1", "P1", "ControlGroup", None), ("p1.1", "P1.1", "Control", "p1")]
